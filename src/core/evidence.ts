import type { CiState, PullRequestEvidence, ReviewState } from './status.js';

/**
 * Pull request evidence: the raw facts the GitHub layer reads about a
 * session's PR (src/github/scm.ts fills them from one GraphQL query), and
 * the pure decisions made from them: the `PullRequestEvidence` that
 * `deriveStatus` takes, and the fingerprints the reactions dedupe on.
 *
 * The facts keep GitHub's GraphQL enum values as they come, so a reader can
 * hold them against GitHub's documentation; a value GitHub adds later falls
 * into the cautious branch of each decision (no verdict).
 */

export type PullRequestStateFact = 'OPEN' | 'CLOSED' | 'MERGED';
export type CheckStatusFact = 'QUEUED' | 'IN_PROGRESS' | 'COMPLETED' | 'WAITING' | 'PENDING' | 'REQUESTED';
export type CheckConclusionFact = 'SUCCESS' | 'FAILURE' | 'NEUTRAL' | 'CANCELLED' | 'SKIPPED' | 'TIMED_OUT' | 'ACTION_REQUIRED' | 'STALE' | 'STARTUP_FAILURE';
export type StatusStateFact = 'SUCCESS' | 'FAILURE' | 'ERROR' | 'PENDING' | 'EXPECTED';
export type MergeableFact = 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN';
export type MergeStateStatusFact = 'BEHIND' | 'BLOCKED' | 'CLEAN' | 'DIRTY' | 'DRAFT' | 'HAS_HOOKS' | 'UNKNOWN' | 'UNSTABLE';
export type ReviewDecisionFact = 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED';
export type ReviewStateFact = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

/** A check run of the head commit (the latest run per name and app, as GitHub's rollup lists them). */
export interface CheckRunFact {
  readonly kind: 'check_run';
  /** The run's REST id (`databaseId`). */
  readonly id: number | null;
  readonly name: string;
  readonly status: CheckStatusFact;
  readonly conclusion: CheckConclusionFact | null;
  /** Where a human looks: the run's details URL, else its page on GitHub. */
  readonly url: string | null;
  /** Slug of the app that owns the run (e.g. `github-actions`). */
  readonly app: string | null;
  /** The run's output, when it has one (the reactions send failing runs' output to the agent). */
  readonly output?: { readonly title: string | null; readonly summary: string | null; readonly text: string | null };
}

/** A commit status (the latest per context). */
export interface StatusContextFact {
  readonly kind: 'status';
  readonly name: string;
  readonly state: StatusStateFact;
  readonly url: string | null;
  readonly description: string | null;
}

export type CheckFact = CheckRunFact | StatusContextFact;

export interface ReviewCommentFact {
  /** REST id (`databaseId`), what webhooks and the REST API call the comment. */
  readonly id: number;
  readonly nodeId: string;
  /** Login as REST spells it (`name[bot]` for apps); null for a deleted account. */
  readonly author: string | null;
  /** GitHub's author association (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE...): not a permission. */
  readonly authorAssociation: string | null;
  readonly body: string;
  readonly url: string;
  readonly path: string | null;
  readonly line: number | null;
  readonly createdAt: string | null;
}

/** An unresolved review thread and its first comments (GitHub returns them oldest first). */
export interface ReviewThreadFact {
  readonly id: string;
  readonly path: string | null;
  readonly line: number | null;
  /** The commented lines changed since (the thread still counts as unresolved). */
  readonly isOutdated: boolean;
  readonly comments: readonly ReviewCommentFact[];
  /** Comments in the thread, including any beyond those listed. */
  readonly totalComments: number;
}

export interface PullRequestFacts {
  readonly number: number;
  readonly url: string;
  readonly state: PullRequestStateFact;
  readonly isDraft: boolean;
  readonly headRef: string;
  readonly baseRef: string;
  readonly headSha: string;
  readonly mergeable: MergeableFact;
  readonly mergeStateStatus: MergeStateStatusFact | null;
  /** Null when branch protection does not require reviews (GitHub computes no decision then). */
  readonly reviewDecision: ReviewDecisionFact | null;
  /** The latest approving / change-requesting review of each reviewer with write access. */
  readonly latestReviews: readonly { readonly author: string | null; readonly state: ReviewStateFact }[];
  /** Reviewers (logins or team slugs) asked for a review who have not given one. */
  readonly reviewRequests: readonly string[];
  /** Check runs and commit statuses of the head commit. */
  readonly checks: readonly CheckFact[];
  readonly unresolvedThreads: readonly ReviewThreadFact[];
}

export interface IssueFacts {
  readonly number: number;
  readonly state: 'OPEN' | 'CLOSED';
  /** COMPLETED, NOT_PLANNED, REOPENED or null. */
  readonly stateReason: string | null;
}

// ---- CI ----------------------------------------------------------------------------------

export type CheckVerdict = 'passing' | 'failing' | 'pending';

/**
 * One check's verdict. Failing means "the change broke something the agent
 * can fix"; pending means "no verdict yet, or none the agent can act on".
 *
 * | check run                                   | verdict | why |
 * |---------------------------------------------|---------|-----|
 * | not COMPLETED (queued, in progress, waiting, pending, requested) | pending | still running |
 * | SUCCESS                                     | passing | |
 * | NEUTRAL, SKIPPED                            | passing | GitHub counts them as success for merging (a skipped required check does not block) |
 * | FAILURE, TIMED_OUT, STARTUP_FAILURE         | failing | the code or the CI setup the agent owns failed |
 * | CANCELLED                                   | pending | no verdict on the code: usually superseded by a newer run (concurrency), or stopped by a person; sending it to the agent would waste an attempt |
 * | ACTION_REQUIRED                             | pending | waits for a person (e.g. approving a workflow run); nothing for the agent |
 * | STALE                                       | pending | GitHub gave up on an incomplete run after 14 days; it needs a re-run, not a fix |
 * | anything else                               | pending | unknown to this code: never claim green or red on it |
 *
 * | commit status       | verdict |
 * |---------------------|---------|
 * | SUCCESS             | passing |
 * | FAILURE, ERROR      | failing |
 * | PENDING, EXPECTED   | pending (EXPECTED: a required context that has not reported) |
 */
export function checkVerdict(check: CheckFact): CheckVerdict {
  if (check.kind === 'status') {
    switch (check.state) {
      case 'SUCCESS':
        return 'passing';
      case 'FAILURE':
      case 'ERROR':
        return 'failing';
      default:
        return 'pending';
    }
  }
  if (check.status !== 'COMPLETED') return 'pending';
  switch (check.conclusion) {
    case 'SUCCESS':
    case 'NEUTRAL':
    case 'SKIPPED':
      return 'passing';
    case 'FAILURE':
    case 'TIMED_OUT':
    case 'STARTUP_FAILURE':
      return 'failing';
    default:
      return 'pending';
  }
}

/** CI of the head commit: any failing -> failing; else any pending -> pending; else passing; no checks -> none. */
export function ciState(checks: readonly CheckFact[]): CiState {
  if (checks.length === 0) return 'none';
  const verdicts = checks.map(checkVerdict);
  if (verdicts.includes('failing')) return 'failing';
  if (verdicts.includes('pending')) return 'pending';
  return 'passing';
}

export interface FailingCheck {
  readonly kind: 'check_run' | 'status';
  readonly name: string;
  /** The check run's conclusion or the status's state, lowercased as GitHub's REST API spells it. */
  readonly conclusion: string;
  readonly url: string | null;
  readonly title: string | null;
  readonly summary: string | null;
  /** The start and end of the run's output text (or a status's description), at most TEXT_EXCERPT_CHARS. */
  readonly excerpt: string | null;
}

export const TEXT_EXCERPT_CHARS = 2000;

/** Keeps the head and the tail of a long text (where titles and final errors are), marking the cut. */
export function excerpt(text: string | null | undefined, max: number = TEXT_EXCERPT_CHARS): string | null {
  if (text === null || text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (trimmed.length <= max) return trimmed;
  const marker = '\n[...]\n';
  const head = Math.floor((max - marker.length) * 0.3);
  const tail = max - marker.length - head;
  return `${trimmed.slice(0, head)}${marker}${trimmed.slice(trimmed.length - tail)}`;
}

/** The failing checks, sorted by name, with what the reactions send the agent. */
export function failingChecks(checks: readonly CheckFact[]): FailingCheck[] {
  return checks
    .filter((check) => checkVerdict(check) === 'failing')
    .map((check): FailingCheck =>
      check.kind === 'status'
        ? { kind: 'status', name: check.name, conclusion: check.state.toLowerCase(), url: check.url, title: null, summary: check.description, excerpt: null }
        : {
            kind: 'check_run',
            name: check.name,
            conclusion: (check.conclusion ?? 'failure').toLowerCase(),
            url: check.url,
            title: check.output?.title ?? null,
            summary: excerpt(check.output?.summary),
            excerpt: excerpt(check.output?.text),
          },
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}

/**
 * "Tell the agent about this failure once": the head SHA and the sorted,
 * de-duplicated names of the failing checks, e.g. `3f2a...:build,lint`.
 * Undefined when CI is not failing. A re-run that fails again on the same
 * SHA gives the same fingerprint; a new push, or a different set of failing
 * checks, gives a new one. Names are percent-encoded so `,` and `:` in a
 * name cannot make two sets look alike.
 */
export function ciFailureFingerprint(facts: Pick<PullRequestFacts, 'headSha' | 'checks'>): string | undefined {
  const names = [...new Set(failingChecks(facts.checks).map((c) => encodeURIComponent(c.name)))].sort();
  if (names.length === 0) return undefined;
  return `${facts.headSha}:${names.join(',')}`;
}

// ---- reviews -----------------------------------------------------------------------------

/**
 * The review state. GitHub's `reviewDecision` decides when branch
 * protection requires reviews (APPROVED, CHANGES_REQUESTED, REVIEW_REQUIRED
 * -> pending). Without such protection GitHub gives no decision (null), so
 * the latest approving / change-requesting review of each writer decides
 * the way GitHub's would: one writer requesting changes -> changes_requested;
 * else one approval -> approved; else a pending review request -> pending;
 * else none. COMMENTED, DISMISSED and PENDING reviews carry no opinion.
 */
export function reviewState(facts: Pick<PullRequestFacts, 'reviewDecision' | 'latestReviews' | 'reviewRequests'>): ReviewState {
  switch (facts.reviewDecision) {
    case 'CHANGES_REQUESTED':
      return 'changes_requested';
    case 'APPROVED':
      return 'approved';
    case 'REVIEW_REQUIRED':
      return 'pending';
    default:
      break;
  }
  const states = facts.latestReviews.map((r) => r.state);
  if (states.includes('CHANGES_REQUESTED')) return 'changes_requested';
  if (states.includes('APPROVED')) return 'approved';
  if (facts.reviewRequests.length > 0) return 'pending';
  return 'none';
}

export type Mergeability = 'mergeable' | 'conflicting' | 'unknown';

/**
 * Conflicts: `mergeable: CONFLICTING` or `mergeStateStatus: DIRTY` (either
 * alone is enough: GitHub fills them from the same test merge). UNKNOWN
 * means GitHub is still computing (right after a push): not a conflict, and
 * not a confirmation that there is none either.
 */
export function mergeability(facts: Pick<PullRequestFacts, 'mergeable' | 'mergeStateStatus'>): Mergeability {
  if (facts.mergeable === 'CONFLICTING' || facts.mergeStateStatus === 'DIRTY') return 'conflicting';
  if (facts.mergeable === 'MERGEABLE') return 'mergeable';
  return 'unknown';
}

/** What `deriveStatus` takes, from the PR's facts. */
export function toPullRequestEvidence(facts: PullRequestFacts): PullRequestEvidence {
  return {
    state: facts.state === 'MERGED' ? 'merged' : facts.state === 'CLOSED' ? 'closed' : 'open',
    ci: ciState(facts.checks),
    review: reviewState(facts),
    reviewRequested: facts.reviewRequests.length > 0,
    hasConflicts: mergeability(facts) === 'conflicting',
    mergeStateKnown: mergeability(facts) !== 'unknown',
    draft: facts.isDraft,
  };
}

// ---- review comments ---------------------------------------------------------------------

/** The REST ids of the comments in unresolved threads that `include` accepts (default: all), sorted. */
export function unresolvedCommentIds(threads: readonly ReviewThreadFact[], include: (comment: ReviewCommentFact) => boolean = () => true): number[] {
  const ids = new Set<number>();
  for (const thread of threads) for (const comment of thread.comments) if (include(comment)) ids.add(comment.id);
  return [...ids].sort((a, b) => a - b);
}

/**
 * "Send these review comments once": the sorted REST ids of the unresolved
 * comments `include` accepts (the reactions pass "author may write"), e.g.
 * `1043,1051`. Undefined when there are none. A new comment or reply
 * changes it; resolving a thread removes its comments.
 */
export function reviewCommentsFingerprint(threads: readonly ReviewThreadFact[], include?: (comment: ReviewCommentFact) => boolean): string | undefined {
  const ids = unresolvedCommentIds(threads, include);
  return ids.length === 0 ? undefined : ids.join(',');
}

/** Everything the lifecycle engine reads from one PR, decided once. */
export interface PullRequestView {
  readonly evidence: PullRequestEvidence;
  readonly number: number;
  readonly url: string;
  readonly headSha: string;
  readonly mergeability: Mergeability;
  readonly unresolvedThreads: number;
  readonly failingChecks: readonly FailingCheck[];
  readonly ciFingerprint: string | undefined;
  /** Over every unresolved comment; the reactions narrow it to writers' comments. */
  readonly reviewCommentsFingerprint: string | undefined;
}

export function viewPullRequest(facts: PullRequestFacts): PullRequestView {
  return {
    evidence: toPullRequestEvidence(facts),
    number: facts.number,
    url: facts.url,
    headSha: facts.headSha,
    mergeability: mergeability(facts),
    unresolvedThreads: facts.unresolvedThreads.length,
    failingChecks: failingChecks(facts.checks),
    ciFingerprint: ciFailureFingerprint(facts),
    reviewCommentsFingerprint: reviewCommentsFingerprint(facts.unresolvedThreads),
  };
}
