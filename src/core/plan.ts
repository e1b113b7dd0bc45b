import type { Activity, SessionStatus } from './model.js';

/**
 * Plan, then apply. Decisions about many sessions (which status changes to
 * record, which sessions to clean up, later which reactions fire) are pure
 * functions from what was observed to a list of actions, as data. One
 * executor (src/sessions/apply.ts) carries them out; `--dry-run` prints them
 * instead. A reconcile cycle is "plan + apply" on a timer; a webhook is
 * "plan + apply" for one session.
 */

export interface SessionRef {
  id: string;
  host: string;
  project: string;
}

export type PlannedAction =
  | {
      kind: 'record_status';
      session: SessionRef;
      from: SessionStatus;
      to: SessionStatus;
      reason: string | null;
      activity: Activity | null;
    }
  | { kind: 'kill'; session: SessionRef; reason: string };

/** What planning reads of one session: its record and what was derived from the evidence. */
export interface ObservedSession extends SessionRef {
  /** The status on record. */
  recorded: SessionStatus;
  /** The status the evidence gives now. */
  status: SessionStatus;
  statusReason: string | null;
  activity: Activity | null;
  hostReachable: boolean;
  /** What the runtime probe saw; unknown (host or tmux silent, agent maybe alive) is never acted on. */
  runtime?: 'alive' | 'gone' | 'unknown';
  /** A spawn whose spawner stopped: it will never finish, and is rolled back by cleanup. */
  spawnAbandoned?: boolean;
  /** PR evidence, when the GitHub side supplied it. */
  prState?: 'open' | 'merged' | 'closed' | null;
  issueClosed?: boolean;
}

const ref = (s: SessionRef): SessionRef => ({ id: s.id, host: s.host, project: s.project });

/**
 * Status changes worth recording. Nothing is recorded from a host that could
 * not be asked: uncertain evidence keeps the last status.
 */
export function planStatusRecords(sessions: readonly ObservedSession[]): PlannedAction[] {
  return sessions
    .filter((s) => s.hostReachable && s.runtime !== 'unknown' && s.status !== s.recorded)
    .map((s) => ({ kind: 'record_status', session: ref(s), from: s.recorded, to: s.status, reason: s.statusReason, activity: s.activity }));
}

/**
 * Why a session should be cleaned up, or undefined to keep it (SPEC
 * section 3, cleanup): PR merged, issue closed, or runtime dead; never a
 * live session with an open PR, never on a host that could not be asked.
 */
export function cleanupReason(view: {
  status: string;
  hostReachable: boolean;
  activity: string | null;
  runtime?: 'alive' | 'gone' | 'unknown';
  spawnAbandoned?: boolean;
  prState?: 'open' | 'merged' | 'closed' | null;
  issueClosed?: boolean;
}): string | undefined {
  if (view.status === 'killed' || view.status === 'spawning') return undefined;
  // Uncertain evidence is not death: a host that could not be asked, or an agent tmux does not show but that still runs.
  if (!view.hostReachable || view.runtime === 'unknown') return undefined;
  if (view.spawnAbandoned) return 'spawn interrupted';
  if (view.status === 'merged' || view.prState === 'merged') return 'PR merged';
  const alive = view.activity !== null && view.activity !== 'exited';
  if (view.prState === 'open' && alive) return undefined; // never a live session with an open PR
  if (view.issueClosed) return 'issue closed';
  if (!alive && view.status === 'errored') return 'runtime dead';
  return undefined;
}

export function planCleanup(sessions: readonly ObservedSession[]): PlannedAction[] {
  const actions: PlannedAction[] = [];
  for (const s of sessions) {
    const reason = cleanupReason(s);
    if (reason) actions.push({ kind: 'kill', session: ref(s), reason });
  }
  return actions;
}

/** One line per action, for `--dry-run` and logs. */
export function describeAction(action: PlannedAction, mode: 'planned' | 'done' = 'planned'): string {
  switch (action.kind) {
    case 'record_status':
      return `${action.session.id}: ${action.from} -> ${action.to}${action.reason ? ` (${action.reason})` : ''}`;
    case 'kill':
      return `${mode === 'planned' ? 'would kill' : 'killed'} ${action.session.id} (${action.reason})`;
  }
}
