// GitHubPort: everything the lifecycle engine, the app and the Action ask of
// GitHub, as one narrow interface over plain data. No Octokit type crosses
// it, so the engine is tested against the simulator through the real
// implementation (src/github/octokit-port.ts) and nothing else needs to
// know how GitHub is reached (token, app installation, GHES).
//
// Errors are typed (src/github/errors.ts). Every method may throw:
//   GitHubAuthError     401: credentials missing, wrong or expired
//   GitHubRateLimited   a primary or secondary rate limit (retry after `resetAt` / `retryAfterSec`)
//   GitHubUnavailable   5xx, timeout or network failure, after the client's retries
// and, where said, GitHubNotFound, GitHubForbidden or GitHubValidationFailed.
// `fetchEvidence` is the exception for rate limits: it returns them as a
// result, because "keep the last evidence" is what every caller must do.

import type { IssueFacts, PullRequestFacts } from '../core/evidence.js';

export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

// ---- evidence ------------------------------------------------------------------------------

/**
 * One live session of the repo. Pass only sessions whose evidence can still
 * change: not killed, not merged (their PR is final), so a cycle never
 * spends a request on a session that is over.
 */
export interface EvidenceRequest {
  /** The caller's key for the session (its ID); results come back under it. */
  readonly key: string;
  /** The session's branch: its PR is the newest PR with this head branch. */
  readonly branch: string;
  /** When the PR is known (recorded, or claimed with `/ao claim`), it is read by number instead. */
  readonly prNumber?: number;
  /** The session's issue, whose state (open/closed) comes in the same request. */
  readonly issueNumber?: number;
}

export type SessionEvidence =
  | { readonly key: string; readonly status: 'pr'; readonly pr: PullRequestFacts; readonly issue?: IssueFacts }
  /** Certain: GitHub has no PR with this head branch. */
  | { readonly key: string; readonly status: 'no_pr'; readonly issue?: IssueFacts }
  /** GitHub answered, but not for this session (e.g. the recorded PR number does not exist): keep its last evidence. */
  | { readonly key: string; readonly status: 'unknown'; readonly reason: string };

export interface RateLimitInfo {
  readonly remaining: number;
  readonly limit: number;
  readonly resetAt: string;
  /** Points this cycle's queries cost. */
  readonly cost: number;
}

export type EvidenceBatch =
  | {
      readonly outcome: 'fresh';
      readonly repo: RepoRef;
      /** One entry per request, in the order given. */
      readonly sessions: readonly SessionEvidence[];
      /** HTTP requests this batch made (1 up to 100 sessions, unless a connection had to be paginated). */
      readonly requests: number;
      readonly rateLimit: RateLimitInfo | undefined;
    }
  | {
      /** Rate limited: nothing was learnt; keep the last evidence of every session and try after `resetAt`. */
      readonly outcome: 'rate_limited';
      readonly repo: RepoRef;
      readonly kind: 'primary' | 'secondary';
      readonly resetAt: string | undefined;
      readonly retryAfterSec: number | undefined;
      readonly message: string;
      readonly requests: number;
    };

// ---- other plain data --------------------------------------------------------------------

/** GitHub's repository roles, plus `none` (no access). */
export type RepoPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface IssueInfo {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  /** REST login of the author (`name[bot]` for apps); null for a deleted account. */
  readonly author: string | null;
  /** OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR, FIRST_TIMER, MANNEQUIN or NONE (not a permission). */
  readonly authorAssociation: string;
  readonly labels: readonly string[];
  readonly state: 'open' | 'closed';
  readonly stateReason: string | null;
  /** Issue numbers and PR numbers share one sequence; this one is a PR. */
  readonly isPullRequest: boolean;
  readonly url: string;
}

export interface RepoInfo {
  readonly owner: string;
  readonly repo: string;
  readonly fullName: string;
  /** What to clone from (HTTPS on GitHub, the instance's URL on GHES or the simulator). */
  readonly cloneUrl: string;
  readonly defaultBranch: string;
  readonly private: boolean;
  readonly url: string;
}

export interface CommentRef {
  readonly id: number;
  readonly url: string;
  /** What the upsert did: created a comment, edited one, or found it already saying this. */
  readonly action: 'created' | 'updated' | 'unchanged';
}

export type ReactionContent = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';

export type CheckRunStatus = 'queued' | 'in_progress' | 'completed';
export type CheckRunConclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

export interface CheckRunInput {
  readonly headSha: string;
  readonly name: string;
  /**
   * What finds the run again on later calls (e.g. the session ID): an
   * existing run on `headSha` with this name and external ID is updated in
   * place. Without it, the run with this name made by this app is.
   */
  readonly externalId?: string;
  readonly status: CheckRunStatus;
  /** Required when `status` is `completed`. */
  readonly conclusion?: CheckRunConclusion;
  readonly detailsUrl?: string;
  readonly output?: { readonly title: string; readonly summary: string; readonly text?: string };
  /** Buttons (at most 3): GitHub sends `check_run.requested_action` with the identifier when one is pressed. */
  readonly actions?: readonly { readonly label: string; readonly description: string; readonly identifier: string }[];
}

export interface CheckRunRef {
  readonly id: number;
  readonly url: string;
  readonly action: 'created' | 'updated';
}

export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface MergeInput {
  readonly number: number;
  readonly method: MergeMethod;
  /** GitHub refuses the merge if the head moved past this SHA (no merging of commits nobody looked at). */
  readonly expectedHeadSha: string;
  readonly commitTitle?: string;
  readonly commitMessage?: string;
}

export type MergeResult =
  | { readonly merged: true; readonly sha: string }
  | {
      readonly merged: false;
      /**
       * head_changed (409): the head is no longer `expectedHeadSha`;
       * not_mergeable (405): conflicts, draft, branch protection, a merge
       * method the repo disallows, or the PR is closed;
       * rejected (422): GitHub found the request itself invalid.
       */
      readonly reason: 'head_changed' | 'not_mergeable' | 'rejected';
      /** GitHub's own explanation, for the human who reads the notification. */
      readonly message: string;
    };

// ---- the port ----------------------------------------------------------------------------

export interface GitHubPort {
  /**
   * Evidence for many sessions of one repo in one GraphQL request (a second
   * only past 100 sessions, or when a PR has more review threads or checks
   * than one page holds): each session's PR by head branch (or number) with
   * state, draft, mergeability, review decision and requests, unresolved
   * threads with their comments, the head commit's check runs (with their
   * output) and statuses, and the session's issue state. A PR from a fork
   * is never taken for a session's, whatever its branch name (`unknown`).
   * Issue state is absent when the issue could not be read.
   *
   * Returns `rate_limited` instead of throwing on a rate limit: nothing in
   * it may be read as "no PR".
   * Throws GitHubNotFound (the repo does not exist or is invisible),
   * GitHubAuthError, GitHubUnavailable, GitHubQueryError (GitHub rejected the query).
   */
  fetchEvidence(repo: RepoRef, sessions: readonly EvidenceRequest[]): Promise<EvidenceBatch>;

  /**
   * The role of `login` on the repo (`GET /repos/{o}/{r}/collaborators/{u}/permission`),
   * cached per port for a short time (default 60 s), so checking every
   * commenter of a cycle costs one request per person at most.
   * A login GitHub does not know, or who has no access, is `none`; so is
   * everyone on a repo this token cannot see (GitHub answers 404 for both):
   * a permission check denies rather than fails.
   * Throws GitHubForbidden (the token may not read collaborators).
   */
  collaboratorPermission(repo: RepoRef, login: string): Promise<RepoPermission>;

  /** Throws GitHubNotFound (no such issue or repo). */
  getIssue(repo: RepoRef, number: number): Promise<IssueInfo>;

  /** Throws GitHubNotFound. */
  getRepo(repo: RepoRef): Promise<RepoInfo>;

  /**
   * The comment on issue/PR `issueNumber` that this token's account wrote
   * and that contains `marker` (a hidden HTML comment such as
   * `<!-- ao:status -->`) is edited to `body`; if there is none it is
   * created. `body` gets the marker prepended when it lacks it. Comments by
   * anyone else are never edited, whatever they contain.
   * Throws GitHubNotFound (issue), GitHubForbidden (no write access to issues),
   * GitHubValidationFailed (body too long: GitHub allows 65,536 characters).
   */
  upsertComment(repo: RepoRef, issueNumber: number, marker: string, body: string): Promise<CommentRef>;

  /**
   * Reacts to an issue or PR conversation comment (👀 on receipt of a
   * command). Reacting twice with the same content is not an error:
   * `created` is false then (GitHub's 200 instead of 201), which makes the
   * reaction a claim: of two copies of the app, only one creates it.
   * Throws GitHubNotFound (comment), GitHubForbidden.
   */
  addReaction(repo: RepoRef, commentId: number, content: ReactionContent): Promise<{ created: boolean }>;

  /**
   * A new comment on issue/PR `issueNumber` (a reply to a command).
   * Throws GitHubNotFound, GitHubForbidden, GitHubValidationFailed (too long).
   */
  comment(repo: RepoRef, issueNumber: number, body: string): Promise<CommentRef>;

  /**
   * Creates the check run, or updates the one found again by name and
   * `externalId` on the same SHA. Only GitHub Apps may (installation tokens).
   * Throws GitHubForbidden (not an app, or no `checks: write`),
   * GitHubValidationFailed (e.g. completed without conclusion, more than 3 actions),
   * GitHubNotFound (repo or SHA).
   */
  upsertCheckRun(repo: RepoRef, run: CheckRunInput): Promise<CheckRunRef>;

  /**
   * Merges the PR if GitHub allows it now. A refusal is a result, with
   * GitHub's reason, not an exception.
   * Throws GitHubNotFound (PR), GitHubForbidden (the token may not merge).
   */
  mergePullRequest(repo: RepoRef, merge: MergeInput): Promise<MergeResult>;
}
