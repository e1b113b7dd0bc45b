/** The session model shared by every surface. */

export const SESSION_STATUSES = [
  'spawning',
  'working',
  'pr_open',
  'ci_failed',
  'review_pending',
  'changes_requested',
  'approved',
  'mergeable',
  'merged',
  'needs_input',
  'stuck',
  'errored',
  'killed',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const ACTIVITIES = ['active', 'ready', 'idle', 'waiting_input', 'blocked', 'exited'] as const;
export type Activity = (typeof ACTIVITIES)[number];

/** The metadata keys in the order they are written to the on-host file. */
export const METADATA_KEY_ORDER = [
  'id',
  'project',
  'repo',
  'host',
  'issue',
  'branch',
  'baseBranch',
  'worktree',
  'tmuxName',
  'panePid',
  'paneStart',
  'agent',
  'status',
  'activity',
  'statusReason',
  'pr',
  'prNumber',
  'prState',
  'ci',
  'review',
  'threads',
  'headSha',
  'issueState',
  'createdAt',
  'updatedAt',
  'lastActivityAt',
  'restoredAt',
  'killedAt',
  'killReason',
  'backupRef',
  'backupCommit',
  'archive',
  'createdBy',
  'spawner',
  'spawnStep',
  'spawnHeartbeatAt',
] as const;

export function isSessionStatus(value: string): value is SessionStatus {
  return (SESSION_STATUSES as readonly string[]).includes(value);
}

export function isActivity(value: string): value is Activity {
  return (ACTIVITIES as readonly string[]).includes(value);
}

/** Statuses after which a session holds no runtime. */
export const TERMINAL_STATUSES: ReadonlySet<SessionStatus> = new Set(['killed', 'merged']);
