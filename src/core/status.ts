import type { Activity, SessionStatus } from './model.js';

/**
 * Status derivation (SPEC section 3): what a session is at, from the
 * evidence at hand. Pure; the same function serves every surface.
 */

export type CiState = 'passing' | 'failing' | 'pending' | 'none';
export type ReviewState = 'approved' | 'changes_requested' | 'pending' | 'none';

export interface PullRequestEvidence {
  state: 'open' | 'merged' | 'closed';
  ci: CiState;
  review: ReviewState;
  reviewRequested?: boolean;
  hasConflicts?: boolean;
  /** False while GitHub is still computing mergeability (right after a push): not yet known to be mergeable. */
  mergeStateKnown?: boolean;
  draft?: boolean;
}

export interface StatusEvidence {
  /** The status on record. */
  current: SessionStatus;
  /** What the runtime probe saw: 'unknown' when the host could not be asked. */
  runtime: 'alive' | 'gone' | 'unknown';
  /** Activity derived from the pane (only meaningful when runtime is alive). */
  activity?: Activity;
  pr?: PullRequestEvidence;
  /**
   * The session has a PR, but GitHub was not asked (no token, rate limited,
   * unavailable): a status that came from the PR is kept as it was.
   */
  prUnknown?: boolean;
  /** Milliseconds since the agent last produced output. */
  quietMs?: number;
  /**
   * A `spawning` session whose spawner stopped (its process died, or its
   * heartbeat in the record went stale) will never finish by itself.
   */
  spawnAbandoned?: boolean;
  stuckAfterSec: number;
}


/** Statuses only PR evidence gives. */
const PR_STATUSES: ReadonlySet<SessionStatus> = new Set(['pr_open', 'ci_failed', 'review_pending', 'changes_requested', 'approved', 'mergeable']);

export interface DerivedStatus {
  status: SessionStatus;
  reason?: string;
}

export function deriveStatus(e: StatusEvidence): DerivedStatus {
  // 1. Decisions made by a command stand.
  if (e.current === 'killed') return { status: 'killed' };
  if (e.current === 'merged' || e.pr?.state === 'merged') return { status: 'merged' };
  if (e.current === 'errored' && e.runtime !== 'alive') return { status: 'errored' };
  // Uncertain evidence is not death: keep what we had.
  if (e.runtime === 'unknown') return { status: e.current };
  // A spawn whose spawner stopped is a failed spawn, whatever it left running; a live one is
  // spawning, with or without tmux yet (cloning, post-create).
  if (e.current === 'spawning' && e.spawnAbandoned) return { status: 'errored', reason: 'spawn interrupted: its spawner stopped before the session was ready' };
  if (e.current === 'spawning' && e.runtime === 'gone') return { status: 'spawning' };
  // 2. Runtime gone or agent exited.
  if (e.runtime === 'gone') return { status: 'errored', reason: 'tmux session is gone' };
  if (e.activity === 'exited') return { status: 'errored', reason: 'agent process exited' };
  // 3. A human is needed.
  if (e.activity === 'waiting_input') return { status: 'needs_input' };
  // 4. The pull request decides; unknown PR evidence keeps what it decided last.
  if (!e.pr && e.prUnknown && PR_STATUSES.has(e.current)) return { status: e.current };
  if (e.pr && e.pr.state === 'open') {
    const pr = e.pr;
    if (pr.ci === 'failing') return { status: 'ci_failed' };
    if (pr.review === 'changes_requested') return { status: 'changes_requested' };
    if (pr.review === 'approved') {
      const green = pr.ci === 'passing' || pr.ci === 'none';
      return { status: green && !pr.hasConflicts && pr.mergeStateKnown !== false && !pr.draft ? 'mergeable' : 'approved' };
    }
    if (pr.review === 'pending' || pr.reviewRequested) return { status: 'review_pending' };
    return { status: 'pr_open' };
  }
  // 5. No PR: working, or stuck when quiet too long.
  if (e.current === 'spawning' && e.activity === undefined) return { status: 'spawning' };
  const quietTooLong = (e.quietMs ?? 0) > e.stuckAfterSec * 1000;
  if ((e.activity === 'idle' || e.activity === 'blocked') && quietTooLong) return { status: 'stuck', reason: `no progress for over ${Math.round(e.stuckAfterSec / 60)} min` };
  return { status: 'working' };
}
