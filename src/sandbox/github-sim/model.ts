// The simulator's state: plain records, kept in memory. GitHub-shaped JSON is
// produced from these by render.ts; git data lives in the bare repos.

import type { BareRepo } from './git.js';
import type { PullFacts } from './render.js';

export type Permission = 'read' | 'triage' | 'write' | 'maintain' | 'admin';
export const PERMISSION_ORDER: readonly Permission[] = ['read', 'triage', 'write', 'maintain', 'admin'];

export function permissionAtLeast(actual: Permission | 'none', needed: Permission): boolean {
  if (actual === 'none') return false;
  return PERMISSION_ORDER.indexOf(actual) >= PERMISSION_ORDER.indexOf(needed);
}

export type AccountType = 'User' | 'Bot' | 'Organization';

export interface SimAccount {
  readonly id: number;
  readonly nodeId: string;
  readonly login: string;
  readonly type: AccountType;
  name: string | null;
  email: string | null;
  /** Permission on every repo unless a repo says otherwise (addUser's `permission`). */
  defaultPermission?: Permission;
  readonly createdAt: string;
}

export interface SimLabel {
  readonly id: number;
  readonly nodeId: string;
  name: string;
  color: string;
  description: string | null;
  readonly isDefault: boolean;
}

export type ReactionContent = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';
export const REACTION_CONTENTS: readonly ReactionContent[] = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'];

export interface SimReaction {
  readonly id: number;
  readonly nodeId: string;
  readonly user: string;
  readonly content: ReactionContent;
  readonly createdAt: string;
}

export interface SimIssueComment {
  readonly id: number;
  readonly nodeId: string;
  readonly repoKey: string;
  readonly issueNumber: number;
  readonly user: string;
  body: string;
  readonly createdAt: string;
  updatedAt: string;
  reactions: SimReaction[];
  /** Set when a GitHub App's installation token wrote it. */
  readonly viaAppId?: number;
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'PENDING' | 'DISMISSED';

export interface SimReview {
  readonly id: number;
  readonly nodeId: string;
  readonly user: string;
  body: string;
  state: ReviewState;
  readonly commitId: string;
  submittedAt: string | null;
}

export interface SimReviewComment {
  readonly id: number;
  readonly nodeId: string;
  readonly reviewId: number | null;
  readonly threadId: number;
  readonly user: string;
  body: string;
  readonly path: string;
  readonly line: number | null;
  readonly startLine: number | null;
  readonly side: 'LEFT' | 'RIGHT';
  readonly commitId: string;
  readonly originalCommitId: string;
  readonly diffHunk: string;
  readonly inReplyToId: number | null;
  readonly createdAt: string;
  updatedAt: string;
  reactions: SimReaction[];
}

export interface SimReviewThread {
  readonly id: number;
  readonly nodeId: string;
  readonly path: string;
  readonly line: number | null;
  isResolved: boolean;
  resolvedBy: string | null;
  readonly commentIds: number[];
}

export interface SimPull {
  readonly id: number;
  readonly nodeId: string;
  readonly headRef: string;
  headSha: string;
  baseRef: string;
  /** Base sha as of the last time the head or base moved (GitHub's `base.sha`). */
  baseSha: string;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  readonly maintainerCanModify: boolean;
  requestedReviewers: string[];
  reviews: SimReview[];
  reviewComments: SimReviewComment[];
  threads: SimReviewThread[];
  /** Counts as they were when merged (git can no longer tell them afterwards). */
  frozenFacts?: PullFacts;
}

export interface SimIssue {
  readonly id: number;
  readonly nodeId: string;
  readonly repoKey: string;
  readonly number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | null;
  readonly user: string;
  labels: string[];
  assignees: string[];
  locked: boolean;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: string | null;
  comments: SimIssueComment[];
  reactions: SimReaction[];
  /** Present when this issue number is a pull request. */
  pull?: SimPull;
}

export type CheckStatus = 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
export type CheckConclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

export interface SimCheckAction {
  readonly label: string;
  readonly description: string;
  readonly identifier: string;
}

export interface SimCheckRun {
  readonly id: number;
  readonly nodeId: string;
  readonly suiteId: number;
  readonly headSha: string;
  name: string;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  startedAt: string | null;
  completedAt: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  actions: SimCheckAction[];
  readonly appId: number;
}

export interface SimCheckSuite {
  readonly id: number;
  readonly nodeId: string;
  readonly headSha: string;
  readonly headBranch: string | null;
  readonly appId: number;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  readonly createdAt: string;
  updatedAt: string;
  /** The push range the suite was created for, as GitHub reports it. */
  readonly before: string | null;
}

export type CommitState = 'error' | 'failure' | 'pending' | 'success';

export interface SimStatus {
  readonly id: number;
  readonly nodeId: string;
  readonly sha: string;
  readonly state: CommitState;
  readonly context: string;
  readonly description: string | null;
  readonly targetUrl: string | null;
  readonly creator: string;
  readonly createdAt: string;
}

export interface BranchProtection {
  /** Approving reviews needed before merge; also turns on `reviewDecision`. */
  readonly requiredApprovingReviews?: number;
  /** Check or status contexts that must be green before merge. */
  readonly requiredStatusChecks?: readonly string[];
}

export interface SimRepo {
  readonly id: number;
  readonly nodeId: string;
  readonly owner: string;
  readonly name: string;
  defaultBranch: string;
  readonly isPrivate: boolean;
  description: string | null;
  readonly createdAt: string;
  updatedAt: string;
  pushedAt: string;
  readonly git: BareRepo;
  readonly labels: Map<string, SimLabel>;
  readonly issues: Map<number, SimIssue>;
  nextNumber: number;
  /** Per-repo roles; `none` overrides a user's default role. */
  readonly permissions: Map<string, Permission | 'none'>;
  /** Branch tips as the simulator last saw them; pushes are found by comparing. */
  knownBranches: Map<string, string>;
  readonly checkSuites: SimCheckSuite[];
  readonly checkRuns: SimCheckRun[];
  readonly statuses: SimStatus[];
  protection: Map<string, BranchProtection>;
}

export interface SimApp {
  readonly id: number;
  readonly nodeId: string;
  readonly slug: string;
  readonly name: string;
  readonly owner: string;
  readonly clientId: string;
  readonly createdAt: string;
  readonly permissions: Record<string, string>;
  readonly events: string[];
  /** PEM public key used to verify the app's JWTs; only the app under test has one. */
  readonly publicKeyPem?: string;
}

export interface SimInstallation {
  readonly id: number;
  readonly nodeId: string;
  readonly appId: number;
  readonly account: string;
  readonly createdAt: string;
}

export function repoKey(owner: string, name: string): string {
  return `${owner.toLowerCase()}/${name.toLowerCase()}`;
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function makeNodeId(prefix: string, id: number): string {
  return `${prefix}_kwDO${Buffer.from(`sim:${prefix}:${id}`).toString('base64url')}`;
}

/** Everything the simulator knows, with id allocation. */
export class SimState {
  private lastId = 1000;
  readonly accounts = new Map<string, SimAccount>();
  readonly repos = new Map<string, SimRepo>();
  readonly apps = new Map<number, SimApp>();
  readonly installations = new Map<number, SimInstallation>();

  nextId(): number {
    return ++this.lastId;
  }

  account(login: string): SimAccount | undefined {
    return this.accounts.get(login.toLowerCase());
  }

  ensureAccount(login: string, type: AccountType = 'User'): SimAccount {
    const existing = this.account(login);
    if (existing) return existing;
    const id = this.nextId();
    const account: SimAccount = {
      id,
      nodeId: makeNodeId(type === 'Organization' ? 'O' : type === 'Bot' ? 'BOT' : 'U', id),
      login,
      type,
      name: null,
      email: null,
      createdAt: nowIso(),
    };
    this.accounts.set(login.toLowerCase(), account);
    return account;
  }

  repo(owner: string, name: string): SimRepo | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  repoById(id: number): SimRepo | undefined {
    for (const repo of this.repos.values()) if (repo.id === id) return repo;
    return undefined;
  }

  installationFor(account: string): SimInstallation | undefined {
    for (const inst of this.installations.values()) if (inst.account.toLowerCase() === account.toLowerCase()) return inst;
    return undefined;
  }

  /** What a login may do on a repo (GitHub's role names). */
  permissionOf(repo: SimRepo, login: string): Permission | 'none' {
    if (login.toLowerCase() === repo.owner.toLowerCase()) return 'admin';
    const explicit = repo.permissions.get(login.toLowerCase());
    if (explicit) return explicit;
    const account = this.account(login);
    if (account?.defaultPermission) return account.defaultPermission;
    return repo.isPrivate ? 'none' : 'read';
  }
}
