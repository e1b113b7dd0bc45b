import type { Activity, SessionStatus } from './model.js';
import type { ReactionMarks, ReactionStep } from './reactions.js';
import type { CiState, ReviewState } from './status.js';

/**
 * Plan, then apply. Decisions about many sessions (which status changes to
 * record, which reactions fire, which sessions to clean up) are pure
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

/** What GitHub last said about a session's PR and issue, kept in its record (shown when GitHub is not asked). */
export interface RecordedEvidence {
  pr?: string;
  prNumber?: number;
  prState?: 'open' | 'merged' | 'closed';
  ci?: CiState;
  review?: ReviewState;
  threads?: number;
  headSha?: string;
  issueState?: 'open' | 'closed';
}

export type PlannedAction =
  | {
      kind: 'record_status';
      session: SessionRef;
      from: SessionStatus;
      to: SessionStatus;
      reason: string | null;
      activity: Activity | null;
      /** The evidence that led there, recorded with it. */
      evidence?: RecordedEvidence;
    }
  | { kind: 'record_evidence'; session: SessionRef; evidence: RecordedEvidence }
  | {
      kind: 'react';
      session: SessionRef;
      /** The marks the plan was made from: if the record's differ by then, someone acted meanwhile and the plan is dropped. */
      basedOn: ReactionMarks;
      /** Written under the record's lock before any step runs: the claim that makes each reaction happen once. */
      marks: ReactionMarks;
      steps: ReactionStep[];
    }
  | {
      kind: 'kill';
      session: SessionRef;
      reason: string;
      /** Told to a human once the session is stopped (a session stopped by its project's budget). */
      notify?: { reaction: string; text: string };
    }
  /** A spawn that waited in the project's queue (core/control.ts) and may start now. */
  | { kind: 'spawn'; session: SessionRef; project: string; issue: number; by: string };

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
  /** PR evidence, when the GitHub side supplied it (or the last on record). */
  prState?: 'open' | 'merged' | 'closed' | null;
  issueClosed?: boolean;
  /** When the PR was first seen merged or the issue closed. */
  endSeenAt?: string;
  /** The project's grace period when it sets its own (else the cleanup policy's). */
  endGraceMs?: number;
  /** Evidence fetched in this cycle (undefined: GitHub was not asked, or could not answer). */
  evidence?: RecordedEvidence;
  /** Evidence on record. */
  recordedEvidence?: RecordedEvidence;
}

const ref = (s: SessionRef): SessionRef => ({ id: s.id, host: s.host, project: s.project });

function sameEvidence(a: RecordedEvidence | undefined, b: RecordedEvidence | undefined): boolean {
  const keys: (keyof RecordedEvidence)[] = ['pr', 'prNumber', 'prState', 'ci', 'review', 'threads', 'headSha', 'issueState'];
  return keys.every((k) => (a?.[k] ?? null) === (b?.[k] ?? null));
}

/**
 * Status changes, and changes of what GitHub says, worth recording.
 * Nothing is recorded from a host that could not be asked: uncertain
 * evidence keeps the last status.
 */
export function planStatusRecords(sessions: readonly ObservedSession[]): PlannedAction[] {
  const actions: PlannedAction[] = [];
  for (const s of sessions) {
    if (!s.hostReachable || s.runtime === 'unknown') continue;
    const fresh = s.evidence && !sameEvidence(s.evidence, s.recordedEvidence) ? s.evidence : undefined;
    if (s.status !== s.recorded) actions.push({ kind: 'record_status', session: ref(s), from: s.recorded, to: s.status, reason: s.statusReason, activity: s.activity, ...(fresh ? { evidence: fresh } : {}) });
    else if (fresh) actions.push({ kind: 'record_evidence', session: ref(s), evidence: fresh });
  }
  return actions;
}

export interface CleanupPolicy {
  now: number;
  /** How long a session whose PR merged or whose issue closed may go on while its agent is still working. */
  endGraceMs: number;
}

/**
 * Why a session should be cleaned up, or undefined to keep it (SPEC
 * section 3, cleanup): PR merged or issue closed (at once when the agent is
 * not working, after the grace period while it is), runtime dead, or a
 * spawn interrupted; never a live session with an open PR, never on a host
 * that could not be asked, never an agent whose process may still run.
 */
export function cleanupReason(
  view: {
    status: string;
    hostReachable: boolean;
    activity: string | null;
    runtime?: 'alive' | 'gone' | 'unknown';
    spawnAbandoned?: boolean;
    prState?: 'open' | 'merged' | 'closed' | null;
    issueClosed?: boolean;
    endSeenAt?: string;
    /** The session's project's own grace period, when it sets one. */
    endGraceMs?: number;
  },
  policy: CleanupPolicy = { now: Date.now(), endGraceMs: 0 },
): string | undefined {
  if (view.status === 'killed' || view.status === 'spawning') return undefined;
  // Uncertain evidence is not death: a host that could not be asked, or an agent tmux does not show but that still runs.
  if (!view.hostReachable || view.runtime === 'unknown') return undefined;
  if (view.spawnAbandoned) return 'spawn interrupted';
  const alive = view.activity !== null && view.activity !== 'exited';
  const working = view.activity === 'active';
  const graceOver = () => {
    const seen = view.endSeenAt ? Date.parse(view.endSeenAt) : Number.NaN;
    return Number.isFinite(seen) && policy.now - seen >= (view.endGraceMs ?? policy.endGraceMs);
  };
  if (view.status === 'merged' || view.prState === 'merged') return !working || graceOver() ? 'PR merged' : undefined;
  if (view.prState === 'open' && alive) return undefined; // never a live session with an open PR
  if (view.issueClosed) return !working || graceOver() ? 'issue closed' : undefined;
  if (!alive && view.status === 'errored') return 'runtime dead';
  return undefined;
}

export function planCleanup(sessions: readonly ObservedSession[], policy?: CleanupPolicy): PlannedAction[] {
  const actions: PlannedAction[] = [];
  for (const s of sessions) {
    const reason = cleanupReason(s, policy);
    if (reason) actions.push({ kind: 'kill', session: ref(s), reason });
  }
  return actions;
}

/** One line per action, for `--dry-run`, the reconcile report and logs. */
export function describeAction(action: PlannedAction, mode: 'planned' | 'done' = 'planned'): string {
  switch (action.kind) {
    case 'record_status':
      return `${action.session.id}: ${action.from} -> ${action.to}${action.reason ? ` (${action.reason})` : ''}`;
    case 'record_evidence': {
      const e = action.evidence;
      return `${action.session.id}: ${e.prNumber ? `PR #${e.prNumber} ${e.prState ?? ''}` : 'no PR'}${e.ci ? `, CI ${e.ci}` : ''}${e.review ? `, review ${e.review}` : ''}`;
    }
    case 'react':
      return action.steps.length === 0
        ? `${action.session.id}: reaction marks updated`
        : action.steps
            .map((step) => {
              const verb = mode === 'planned' ? 'would ' : '';
              if (step.kind === 'send_to_agent') return `${action.session.id}: ${verb}${mode === 'planned' ? 'send' : 'sent'} ${step.reaction} to the agent`;
              if (step.kind === 'notify') return `${action.session.id}: ${verb}${mode === 'planned' ? 'notify' : 'notified'} ${step.reaction}: ${step.text.split('\n')[0]}`;
              return `${action.session.id}: ${verb}${mode === 'planned' ? 'merge' : 'merged'} PR #${step.prNumber} (${step.method})`;
            })
            .join('\n');
    case 'kill':
      return `${mode === 'planned' ? 'would kill' : 'killed'} ${action.session.id} (${action.reason})`;
    case 'spawn':
      return `${mode === 'planned' ? 'would start' : 'started'} the queued session for issue #${action.issue} of ${action.project} (asked by ${action.by || 'someone'})`;
  }
}
