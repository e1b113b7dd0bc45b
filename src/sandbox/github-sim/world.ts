// The simulator's behaviour: every state change GitHub supports that the app
// relies on, with the same rules and the same webhooks. REST handlers, the
// GraphQL resolvers and the scenario API all go through here, so a change
// made by a test looks exactly like one made through the API.

import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BareRepo, ZERO_SHA, type CommitInfo, type FileChanges, type GitIdentity } from './git.js';
import { ApiError, invalidField, missingField, notFound, validationFailed } from './errors.js';
import {
  makeNodeId,
  nowIso,
  permissionAtLeast,
  REACTION_CONTENTS,
  repoKey,
  SimState,
  type BranchProtection,
  type CheckConclusion,
  type CheckStatus,
  type CommitState,
  type Permission,
  type ReactionContent,
  type ReviewState,
  type SimAccount,
  type SimApp,
  type SimCheckAction,
  type SimCheckRun,
  type SimCheckSuite,
  type SimInstallation,
  type SimIssue,
  type SimIssueComment,
  type SimLabel,
  type SimPull,
  type SimReaction,
  type SimRepo,
  type SimReview,
  type SimReviewComment,
  type SimReviewThread,
  type SimStatus,
} from './model.js';
import { Renderer, type PullFacts, type SimUrls } from './render.js';
import type { DeliveryRecord, WebhookDeliveries } from './webhooks.js';

type Json = Record<string, unknown>;

export interface CreateRepoInput {
  readonly owner: string;
  readonly name: string;
  readonly defaultBranch?: string;
  /** Files of the initial commit (path -> content). A README is added when empty. */
  readonly files?: Record<string, string>;
  readonly private?: boolean;
  readonly description?: string;
  /** Owner account type when the owner is new (default Organization). */
  readonly ownerType?: 'User' | 'Organization';
}

export interface IssueInput {
  readonly title?: string;
  readonly body?: string | null;
  readonly labels?: readonly string[];
  readonly assignees?: readonly string[];
}

export interface IssueUpdate extends IssueInput {
  readonly state?: 'open' | 'closed';
  readonly stateReason?: 'completed' | 'not_planned' | 'reopened' | null;
}

export interface ReviewCommentInput {
  readonly path: string;
  readonly body: string;
  readonly line?: number;
  readonly startLine?: number;
  readonly side?: 'LEFT' | 'RIGHT';
}

export interface CheckRunInput {
  readonly name: string;
  readonly headSha: string;
  readonly status?: CheckStatus;
  readonly conclusion?: CheckConclusion | null;
  readonly detailsUrl?: string | null;
  readonly externalId?: string | null;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly output?: { title?: string | null; summary?: string | null; text?: string | null };
  readonly actions?: readonly SimCheckAction[];
}

export type MergeMethod = 'merge' | 'squash' | 'rebase';

const DEFAULT_LABEL_COLOR = 'ededed';
const FAILING_CONCLUSIONS = new Set(['failure', 'timed_out', 'cancelled', 'action_required', 'startup_failure', 'stale']);

export interface WorldOptions {
  readonly dataDir: string;
  readonly urls: SimUrls;
  readonly deliveries: WebhookDeliveries;
}

export class World {
  readonly state = new SimState();
  readonly render: Renderer;
  readonly deliveries: WebhookDeliveries;
  /** The GitHub App under test: webhooks go to it, JWTs are checked against it. */
  primaryAppId: number | undefined;
  /** Who is reported as pushing when a push arrives through git (default: the app's bot). */
  defaultPusher: string | undefined;
  private readonly dataDir: string;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly emitted = new AsyncLocalStorage<{ list: DeliveryRecord[]; parent: unknown }>();
  private readonly mergeTreeCache = new Map<string, string | null>();

  constructor(options: WorldOptions) {
    this.dataDir = options.dataDir;
    this.deliveries = options.deliveries;
    this.render = new Renderer(this.state, options.urls);
  }

  // ---- plumbing ------------------------------------------------------------

  /** Runs `fn` and returns the deliveries it caused (for "return after delivery"). */
  async collectDeliveries<T>(fn: () => Promise<T>): Promise<{ result: T; deliveries: DeliveryRecord[] }> {
    const list: DeliveryRecord[] = [];
    // Nested collections (a scenario call inside capture()) all see the deliveries.
    const result = await this.emitted.run({ list, parent: this.emitted.getStore() }, fn);
    return { result, deliveries: list };
  }

  /** Serialises work on one repo (ref updates, merges) so events are not doubled. */
  async withRepoLock<T>(repo: SimRepo, fn: () => Promise<T>): Promise<T> {
    const key = repoKey(repo.owner, repo.name);
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  requireRepo(owner: string, name: string): SimRepo {
    const repo = this.state.repo(owner, name);
    if (!repo) throw notFound();
    return repo;
  }

  requireIssue(repo: SimRepo, number: number): SimIssue {
    const issue = repo.issues.get(number);
    if (!issue) throw notFound();
    return issue;
  }

  requirePull(repo: SimRepo, number: number): SimIssue & { pull: SimPull } {
    const issue = repo.issues.get(number);
    if (!issue?.pull) throw notFound();
    return issue as SimIssue & { pull: SimPull };
  }

  findIssueComment(repo: SimRepo, id: number): { issue: SimIssue; comment: SimIssueComment } {
    for (const issue of repo.issues.values()) {
      const comment = issue.comments.find((c) => c.id === id);
      if (comment) return { issue, comment };
    }
    throw notFound();
  }

  findReviewComment(repo: SimRepo, id: number): { issue: SimIssue & { pull: SimPull }; comment: SimReviewComment } {
    for (const issue of repo.issues.values()) {
      const comment = issue.pull?.reviewComments.find((c) => c.id === id);
      if (comment) return { issue: issue as SimIssue & { pull: SimPull }, comment };
    }
    throw notFound();
  }

  findThread(threadNodeIdOrId: string | number): { repo: SimRepo; issue: SimIssue & { pull: SimPull }; thread: SimReviewThread } {
    for (const repo of this.state.repos.values()) {
      for (const issue of repo.issues.values()) {
        const thread = issue.pull?.threads.find((t) => t.nodeId === threadNodeIdOrId || t.id === threadNodeIdOrId);
        if (thread) return { repo, issue: issue as SimIssue & { pull: SimPull }, thread };
      }
    }
    throw notFound();
  }

  primaryApp(): SimApp | undefined {
    return this.primaryAppId === undefined ? undefined : this.state.apps.get(this.primaryAppId);
  }

  /** Queues the webhook GitHub would send to the app installed on `repo`'s owner. */
  emit(repo: SimRepo, event: string, body: Json, sender: string): DeliveryRecord | undefined {
    const app = this.primaryApp();
    if (!app) return undefined;
    const installation = [...this.state.installations.values()].find(
      (inst) => inst.appId === app.id && inst.account.toLowerCase() === repo.owner.toLowerCase(),
    );
    if (!installation) return undefined; // not installed there: GitHub sends nothing
    const payload: Json = {
      ...body,
      repository: event === 'push' ? this.render.pushRepository(repo) : this.render.repository(repo),
      sender: this.render.user(sender),
      installation: { id: installation.id, node_id: installation.nodeId },
    };
    const owner = this.state.account(repo.owner);
    if (owner?.type === 'Organization') payload.organization = this.organization(owner);
    const record = this.deliveries.enqueue(event, payload);
    for (let scope = this.emitted.getStore(); scope; scope = scope.parent as typeof scope) scope.list.push(record);
    return record;
  }

  private organization(owner: SimAccount): Json {
    const api = `${this.render.urls.api}/orgs/${encodeURIComponent(owner.login)}`;
    return {
      login: owner.login,
      id: owner.id,
      node_id: owner.nodeId,
      url: api,
      repos_url: `${api}/repos`,
      events_url: `${api}/events`,
      hooks_url: `${api}/hooks`,
      issues_url: `${api}/issues`,
      members_url: `${api}/members{/member}`,
      public_members_url: `${api}/public_members{/member}`,
      avatar_url: `${this.render.urls.html}/avatars/u/${owner.id}?v=4`,
      description: null,
    };
  }

  identityOf(login: string): GitIdentity {
    const account = this.state.account(login);
    // GitHub's noreply form; brackets of bot logins dropped so the address stays valid.
    const email = account?.email ?? `${account?.id ?? 0}+${login.replace(/\[bot\]$/, '')}@users.noreply.sim.invalid`;
    return { name: account?.name ?? login, email };
  }

  // ---- apps and accounts ------------------------------------------------------

  registerApp(input: {
    id?: number;
    slug: string;
    name?: string;
    owner: string;
    publicKeyPem?: string;
    permissions?: Record<string, string>;
    events?: string[];
  }): SimApp {
    const id = input.id ?? this.state.nextId();
    if (this.state.apps.has(id)) throw new Error(`App ${id} already exists`);
    this.state.ensureAccount(input.owner, 'Organization');
    const app: SimApp = {
      id,
      nodeId: makeNodeId('A', id),
      slug: input.slug,
      name: input.name ?? input.slug,
      owner: input.owner,
      clientId: `Iv1.${Buffer.from(`sim-${id}`).toString('hex').slice(0, 16)}`,
      createdAt: nowIso(),
      permissions: input.permissions ?? {
        checks: 'write',
        contents: 'write',
        issues: 'write',
        metadata: 'read',
        pull_requests: 'write',
        statuses: 'write',
      },
      events: input.events ?? [
        'check_run',
        'check_suite',
        'issue_comment',
        'issues',
        'pull_request',
        'pull_request_review',
        'pull_request_review_comment',
        'pull_request_review_thread',
        'push',
        'status',
      ],
      ...(input.publicKeyPem ? { publicKeyPem: input.publicKeyPem } : {}),
    };
    this.state.apps.set(id, app);
    this.state.ensureAccount(`${app.slug}[bot]`, 'Bot');
    return app;
  }

  installApp(appId: number, account: string): SimInstallation {
    const existing = [...this.state.installations.values()].find((i) => i.appId === appId && i.account.toLowerCase() === account.toLowerCase());
    if (existing) return existing;
    const id = this.state.nextId();
    const installation: SimInstallation = { id, nodeId: makeNodeId('MDIz', id), appId, account, createdAt: nowIso() };
    this.state.installations.set(id, installation);
    return installation;
  }

  // ---- repositories ------------------------------------------------------------

  async createRepo(input: CreateRepoInput, creator?: string): Promise<SimRepo> {
    if (this.state.repo(input.owner, input.name)) throw validationFailed([{ resource: 'Repository', field: 'name', code: 'custom', message: 'name already exists on this account' }], 'Repository creation failed.');
    const ownerAccount = this.state.account(input.owner) ?? this.state.ensureAccount(input.owner, input.ownerType ?? 'Organization');
    const defaultBranch = input.defaultBranch ?? 'main';
    const gitDir = join(this.dataDir, 'repos', ownerAccount.login, `${input.name}.git`);
    await mkdir(join(this.dataDir, 'repos', ownerAccount.login), { recursive: true });
    const git = await BareRepo.init(gitDir, defaultBranch);
    const files = input.files && Object.keys(input.files).length > 0 ? input.files : { 'README.md': `# ${input.name}\n` };
    const author = this.identityOf(creator ?? ownerAccount.login);
    const head = await git.commitFiles({ branch: defaultBranch, files, message: 'Initial commit', author });
    const id = this.state.nextId();
    const now = nowIso();
    const repo: SimRepo = {
      id,
      nodeId: makeNodeId('R', id),
      owner: ownerAccount.login,
      name: input.name,
      defaultBranch,
      isPrivate: input.private ?? false,
      description: input.description ?? null,
      createdAt: now,
      updatedAt: now,
      pushedAt: now,
      git,
      labels: new Map(),
      issues: new Map(),
      nextNumber: 1,
      permissions: new Map(),
      knownBranches: new Map([[defaultBranch, head]]),
      checkSuites: [],
      checkRuns: [],
      statuses: [],
      protection: new Map(),
    };
    for (const [name, color, description] of DEFAULT_LABELS) this.addLabelRecord(repo, { name, color, description, isDefault: true });
    this.state.repos.set(repoKey(repo.owner, repo.name), repo);
    return repo;
  }

  setPermission(repo: SimRepo, login: string, permission: Permission | 'none'): void {
    this.state.ensureAccount(login);
    repo.permissions.set(login.toLowerCase(), permission);
  }

  setBranchProtection(repo: SimRepo, branch: string, protection: BranchProtection | undefined): void {
    if (protection) repo.protection.set(branch, protection);
    else repo.protection.delete(branch);
  }

  // ---- labels ------------------------------------------------------------------

  private addLabelRecord(repo: SimRepo, input: { name: string; color?: string; description?: string | null; isDefault?: boolean }): SimLabel {
    const id = this.state.nextId();
    const label: SimLabel = {
      id,
      nodeId: makeNodeId('LA', id),
      name: input.name,
      color: (input.color ?? DEFAULT_LABEL_COLOR).replace(/^#/, ''),
      description: input.description ?? null,
      isDefault: input.isDefault ?? false,
    };
    repo.labels.set(label.name.toLowerCase(), label);
    return label;
  }

  createLabel(repo: SimRepo, input: { name?: string; color?: string; description?: string | null }): SimLabel {
    if (!input.name) throw missingField('Label', 'name');
    if (repo.labels.has(input.name.toLowerCase())) throw validationFailed([{ resource: 'Label', code: 'already_exists', field: 'name' }]);
    if (input.color !== undefined && !/^#?[0-9a-fA-F]{6}$/.test(input.color)) throw invalidField('Label', 'color', input.color);
    return this.addLabelRecord(repo, { name: input.name, color: input.color, description: input.description ?? null });
  }

  /** Labels named on an issue are created on the fly, as GitHub does. */
  private ensureLabel(repo: SimRepo, name: string): SimLabel {
    return repo.labels.get(name.toLowerCase()) ?? this.addLabelRecord(repo, { name });
  }

  // ---- issues ----------------------------------------------------------------------

  private async issueEvent(repo: SimRepo, issue: SimIssue, action: string, sender: string, extra: Json = {}): Promise<void> {
    if (issue.pull) {
      // On a pull request GitHub reports these as pull_request events.
      await this.pullEvent(repo, issue as SimIssue & { pull: SimPull }, action, sender, extra);
      return;
    }
    this.emit(repo, 'issues', { action, issue: this.render.issue(repo, issue), ...extra }, sender);
  }

  assignable(repo: SimRepo, login: string): boolean {
    const account = this.state.account(login);
    if (!account) return false;
    if (account.type === 'Bot') return true;
    return this.state.permissionOf(repo, login) !== 'none';
  }

  /** A new open issue (or the issue half of a PR), numbered in the repo's shared sequence. */
  private newIssue(repo: SimRepo, actor: string, title: string, body: string | null | undefined): SimIssue {
    const id = this.state.nextId();
    const now = nowIso();
    return {
      id,
      nodeId: makeNodeId('I', id),
      repoKey: repoKey(repo.owner, repo.name),
      number: repo.nextNumber++,
      title,
      body: body ?? null,
      state: 'open',
      stateReason: null,
      user: this.state.ensureAccount(actor).login,
      labels: [],
      assignees: [],
      locked: false,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      closedBy: null,
      comments: [],
      reactions: [],
    };
  }

  async createIssue(repo: SimRepo, actor: string, input: IssueInput): Promise<SimIssue> {
    if (!input.title) throw missingField('Issue', 'title');
    for (const login of input.assignees ?? []) if (!this.assignable(repo, login)) throw invalidField('Issue', 'assignees', login);
    const issue = this.newIssue(repo, actor, input.title, input.body);
    for (const name of input.labels ?? []) issue.labels.push(this.ensureLabel(repo, name).name);
    for (const login of input.assignees ?? []) issue.assignees.push(this.state.account(login)!.login);
    repo.issues.set(issue.number, issue);
    this.emit(repo, 'issues', { action: 'opened', issue: this.render.issue(repo, issue) }, actor);
    // GitHub follows "opened" with "labeled"/"assigned" for what the issue was created with.
    for (const name of issue.labels) await this.issueEvent(repo, issue, 'labeled', actor, { label: this.render.label(repo, repo.labels.get(name.toLowerCase())!) });
    for (const login of issue.assignees) await this.issueEvent(repo, issue, 'assigned', actor, { assignee: this.render.user(login) });
    return issue;
  }

  async updateIssue(repo: SimRepo, issue: SimIssue, actor: string, update: IssueUpdate): Promise<SimIssue> {
    const changes: Json = {};
    if (update.title !== undefined && update.title !== issue.title) {
      if (!update.title) throw missingField('Issue', 'title');
      changes.title = { from: issue.title };
      issue.title = update.title;
    }
    if (update.body !== undefined && update.body !== issue.body) {
      changes.body = { from: issue.body ?? '' };
      issue.body = update.body;
    }
    if (Object.keys(changes).length > 0) {
      issue.updatedAt = nowIso();
      await this.issueEvent(repo, issue, 'edited', actor, { changes });
    }
    if (update.labels !== undefined) await this.setLabels(repo, issue, actor, update.labels);
    if (update.assignees !== undefined) {
      const wanted = update.assignees.filter((login) => this.assignable(repo, login));
      await this.removeAssignees(repo, issue, actor, issue.assignees.filter((a) => !wanted.some((w) => w.toLowerCase() === a.toLowerCase())));
      await this.addAssignees(repo, issue, actor, wanted);
    }
    if (update.state === 'closed' && issue.state === 'open') await this.closeIssue(repo, issue, actor, update.stateReason === 'not_planned' ? 'not_planned' : 'completed');
    else if (update.state === 'open' && issue.state === 'closed') await this.reopenIssue(repo, issue, actor);
    return issue;
  }

  async closeIssue(repo: SimRepo, issue: SimIssue, actor: string, reason: 'completed' | 'not_planned' = 'completed'): Promise<void> {
    if (issue.state === 'closed') return;
    const now = nowIso();
    issue.state = 'closed';
    issue.stateReason = issue.pull ? null : reason;
    issue.closedAt = now;
    issue.closedBy = actor;
    issue.updatedAt = now;
    await this.issueEvent(repo, issue, 'closed', actor);
  }

  async reopenIssue(repo: SimRepo, issue: SimIssue, actor: string): Promise<void> {
    if (issue.state === 'open') return;
    if (issue.pull?.merged) throw validationFailed([{ resource: 'PullRequest', code: 'custom', field: 'state', message: 'state cannot be changed. The pull request has been merged.' }]);
    issue.state = 'open';
    issue.stateReason = issue.pull ? null : 'reopened';
    issue.closedAt = null;
    issue.closedBy = null;
    issue.updatedAt = nowIso();
    await this.issueEvent(repo, issue, 'reopened', actor);
  }

  async addLabels(repo: SimRepo, issue: SimIssue, actor: string, names: readonly string[]): Promise<void> {
    for (const name of names) {
      const label = this.ensureLabel(repo, name);
      if (issue.labels.some((l) => l.toLowerCase() === label.name.toLowerCase())) continue;
      issue.labels.push(label.name);
      issue.updatedAt = nowIso();
      await this.issueEvent(repo, issue, 'labeled', actor, { label: this.render.label(repo, label) });
    }
  }

  async removeLabel(repo: SimRepo, issue: SimIssue, actor: string, name: string): Promise<void> {
    const index = issue.labels.findIndex((l) => l.toLowerCase() === name.toLowerCase());
    if (index === -1) throw new ApiError(404, 'Label does not exist');
    const label = repo.labels.get(name.toLowerCase())!;
    issue.labels.splice(index, 1);
    issue.updatedAt = nowIso();
    await this.issueEvent(repo, issue, 'unlabeled', actor, { label: this.render.label(repo, label) });
  }

  async setLabels(repo: SimRepo, issue: SimIssue, actor: string, names: readonly string[]): Promise<void> {
    const wanted = new Set(names.map((n) => n.toLowerCase()));
    for (const existing of [...issue.labels]) if (!wanted.has(existing.toLowerCase())) await this.removeLabel(repo, issue, actor, existing);
    await this.addLabels(repo, issue, actor, names);
  }

  async addAssignees(repo: SimRepo, issue: SimIssue, actor: string, logins: readonly string[]): Promise<void> {
    for (const login of logins) {
      // GitHub silently skips people who cannot be assigned.
      if (!this.assignable(repo, login)) continue;
      const account = this.state.account(login)!;
      if (issue.assignees.some((a) => a.toLowerCase() === account.login.toLowerCase())) continue;
      issue.assignees.push(account.login);
      issue.updatedAt = nowIso();
      await this.issueEvent(repo, issue, 'assigned', actor, { assignee: this.render.user(account.login) });
    }
  }

  async removeAssignees(repo: SimRepo, issue: SimIssue, actor: string, logins: readonly string[]): Promise<void> {
    for (const login of logins) {
      const index = issue.assignees.findIndex((a) => a.toLowerCase() === login.toLowerCase());
      if (index === -1) continue;
      const [removed] = issue.assignees.splice(index, 1);
      issue.updatedAt = nowIso();
      await this.issueEvent(repo, issue, 'unassigned', actor, { assignee: this.render.user(removed!) });
    }
  }

  // ---- comments and reactions -------------------------------------------------------

  createComment(repo: SimRepo, issue: SimIssue, actor: string, body: string | undefined, viaAppId?: number): SimIssueComment {
    if (!body) throw missingField('IssueComment', 'body');
    if (issue.locked && !permissionAtLeast(this.state.permissionOf(repo, actor), 'write')) throw new ApiError(403, 'Unable to create comment because issue is locked.');
    const id = this.state.nextId();
    const now = nowIso();
    const comment: SimIssueComment = {
      id,
      nodeId: makeNodeId('IC', id),
      repoKey: issue.repoKey,
      issueNumber: issue.number,
      user: this.state.ensureAccount(actor).login,
      body,
      createdAt: now,
      updatedAt: now,
      reactions: [],
      ...(viaAppId ? { viaAppId } : {}),
    };
    issue.comments.push(comment);
    issue.updatedAt = now;
    this.emit(repo, 'issue_comment', { action: 'created', issue: this.render.issue(repo, issue), comment: this.render.issueComment(repo, comment) }, actor);
    return comment;
  }

  updateComment(repo: SimRepo, id: number, actor: string, body: string | undefined): SimIssueComment {
    if (!body) throw missingField('IssueComment', 'body');
    const { issue, comment } = this.findIssueComment(repo, id);
    const from = comment.body;
    comment.body = body;
    comment.updatedAt = nowIso();
    this.emit(
      repo,
      'issue_comment',
      { action: 'edited', changes: { body: { from } }, issue: this.render.issue(repo, issue), comment: this.render.issueComment(repo, comment) },
      actor,
    );
    return comment;
  }

  deleteComment(repo: SimRepo, id: number, actor: string): void {
    const { issue, comment } = this.findIssueComment(repo, id);
    const rendered = this.render.issueComment(repo, comment);
    issue.comments.splice(issue.comments.indexOf(comment), 1);
    this.emit(repo, 'issue_comment', { action: 'deleted', issue: this.render.issue(repo, issue), comment: rendered }, actor);
  }

  /** Adds a reaction; returns it and whether it already existed (GitHub answers 200 then, else 201). */
  addReaction(list: SimReaction[], actor: string, content: string | undefined): { reaction: SimReaction; existed: boolean } {
    if (!content || !REACTION_CONTENTS.includes(content as ReactionContent)) throw invalidField('Reaction', 'content', content);
    const existing = list.find((r) => r.user.toLowerCase() === actor.toLowerCase() && r.content === content);
    if (existing) return { reaction: existing, existed: true };
    const id = this.state.nextId();
    const reaction: SimReaction = { id, nodeId: makeNodeId('REA', id), user: this.state.ensureAccount(actor).login, content: content as ReactionContent, createdAt: nowIso() };
    list.push(reaction);
    return { reaction, existed: false };
  }

  // ---- git: pushes ---------------------------------------------------------------------

  /** Commits files to a branch in the bare repo (as if someone pushed), then reports the push. */
  async pushCommit(repo: SimRepo, actor: string, input: { branch: string; files: FileChanges; message?: string; from?: string }): Promise<string> {
    const sha = await repo.git.commitFiles({
      branch: input.branch,
      files: input.files,
      message: input.message ?? `Update ${Object.keys(input.files).join(', ')}`,
      author: this.identityOf(actor),
      startFrom: input.from ?? repo.defaultBranch,
    });
    await this.syncRefs(repo, actor);
    return sha;
  }

  /**
   * Compares the bare repo's branches with what the simulator last saw and
   * sends the events GitHub would: `push` per moved branch, and
   * `pull_request.synchronize` for open PRs whose head moved.
   */
  async syncRefs(repo: SimRepo, pusher?: string): Promise<{ branch: string; before: string; after: string }[]> {
    return this.withRepoLock(repo, async () => {
      const current = await repo.git.branches();
      const moves: { branch: string; before: string; after: string }[] = [];
      for (const [branch, sha] of current) {
        const before = repo.knownBranches.get(branch);
        if (before !== sha) moves.push({ branch, before: before ?? ZERO_SHA, after: sha });
      }
      for (const [branch, sha] of repo.knownBranches) if (!current.has(branch)) moves.push({ branch, before: sha, after: ZERO_SHA });
      if (moves.length === 0) return moves;
      const sender = pusher ?? this.defaultPusher ?? (this.primaryApp() ? `${this.primaryApp()!.slug}[bot]` : repo.owner);
      const otherTips = [...repo.knownBranches.entries()];
      repo.knownBranches = current;
      repo.pushedAt = nowIso();
      for (const move of moves) await this.emitPush(repo, move, sender, otherTips.filter(([b]) => b !== move.branch).map(([, sha]) => sha));
      for (const move of moves) {
        if (move.after === ZERO_SHA) continue;
        for (const issue of repo.issues.values()) {
          const pull = issue.pull;
          if (!pull || issue.state !== 'open' || pull.headRef !== move.branch || pull.headSha === move.after) continue;
          const before = pull.headSha;
          pull.headSha = move.after;
          pull.baseSha = (await repo.git.resolveCommit(pull.baseRef)) ?? pull.baseSha;
          issue.updatedAt = nowIso();
          await this.pullEvent(repo, issue as SimIssue & { pull: SimPull }, 'synchronize', sender, { before, after: move.after });
        }
      }
      return moves;
    });
  }

  private async emitPush(repo: SimRepo, move: { branch: string; before: string; after: string }, sender: string, otherTips: string[]): Promise<void> {
    const created = move.before === ZERO_SHA;
    const deleted = move.after === ZERO_SHA;
    let shas: string[] = [];
    if (!deleted) {
      if (created) {
        const { stdout } = await repo.git.git(['rev-list', '--reverse', move.after, ...otherTips.map((sha) => `^${sha}`)]);
        shas = stdout.split('\n').filter(Boolean);
      } else {
        shas = await repo.git.commitsBetween(move.before, move.after);
      }
    }
    const forced = !created && !deleted && !(await repo.git.isAncestor(move.before, move.after));
    const commits: Json[] = [];
    // GitHub lists at most 20 commits in a push payload.
    for (const sha of shas.slice(-20)) {
      const info = await repo.git.commitInfo(sha);
      commits.push(this.render.pushCommit(repo, info, true, await this.filesOfCommit(repo, info)));
    }
    const headInfo = deleted ? undefined : await repo.git.commitInfo(move.after);
    const headCommit = headInfo
      ? (commits.find((c) => c.id === move.after) ?? this.render.pushCommit(repo, headInfo, false, await this.filesOfCommit(repo, headInfo)))
      : null;
    const html = `${this.render.urls.html}/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
    const identity = this.identityOf(sender);
    this.emit(
      repo,
      'push',
      {
        ref: `refs/heads/${move.branch}`,
        before: move.before,
        after: move.after,
        pusher: { name: sender, email: identity.email },
        created,
        deleted,
        forced,
        base_ref: null,
        compare: created ? `${html}/commit/${move.after.slice(0, 12)}` : `${html}/compare/${move.before.slice(0, 12)}...${move.after.slice(0, 12)}`,
        commits,
        head_commit: headCommit,
      },
      sender,
    );
  }

  private async filesOfCommit(repo: SimRepo, info: CommitInfo): Promise<{ added: string[]; removed: string[]; modified: string[] }> {
    const files = { added: [] as string[], removed: [] as string[], modified: [] as string[] };
    for (const change of await repo.git.commitChanges(info.sha)) files[change.status].push(change.path);
    return files;
  }

  // ---- pull requests ----------------------------------------------------------------------

  async pullEvent(repo: SimRepo, issue: SimIssue & { pull: SimPull }, action: string, sender: string, extra: Json = {}): Promise<void> {
    // Render now so the payload shows the state at the time of the event.
    const facts = await this.pullFacts(repo, issue);
    this.emit(repo, 'pull_request', { action, number: issue.number, pull_request: this.render.pullRequest(repo, issue, facts), ...extra }, sender);
  }

  async createPull(repo: SimRepo, actor: string, input: { head?: string; base?: string; title?: string; body?: string | null; draft?: boolean; issue?: number; maintainerCanModify?: boolean }): Promise<SimIssue & { pull: SimPull }> {
    if (!input.head) throw missingField('PullRequest', 'head');
    if (!input.base) throw missingField('PullRequest', 'base');
    if (!input.title && input.issue === undefined) throw missingField('PullRequest', 'title');
    // `owner:branch` names a fork's branch; only same-repo heads are simulated.
    const [headOwner, headBranch] = input.head.includes(':') ? (input.head.split(':', 2) as [string, string]) : [repo.owner, input.head];
    if (headOwner.toLowerCase() !== repo.owner.toLowerCase()) throw invalidField('PullRequest', 'head', input.head);
    await this.syncRefs(repo);
    const headSha = await repo.git.resolveCommit(`refs/heads/${headBranch}`);
    const baseSha = await repo.git.resolveCommit(`refs/heads/${input.base}`);
    if (!headSha) throw invalidField('PullRequest', 'head', input.head);
    if (!baseSha) throw invalidField('PullRequest', 'base', input.base);
    for (const other of repo.issues.values()) {
      if (other.pull && other.state === 'open' && other.pull.headRef === headBranch && other.pull.baseRef === input.base) {
        throw validationFailed([{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner}:${headBranch}.` }]);
      }
    }
    if ((await repo.git.commitsBetween(baseSha, headSha)).length === 0) {
      throw validationFailed([{ resource: 'PullRequest', code: 'custom', message: `No commits between ${input.base} and ${headBranch}` }]);
    }
    const id = this.state.nextId();
    const pull: SimPull = {
      id,
      nodeId: makeNodeId('PR', id),
      headRef: headBranch,
      headSha,
      baseRef: input.base,
      baseSha,
      draft: input.draft ?? false,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      maintainerCanModify: input.maintainerCanModify ?? true,
      requestedReviewers: [],
      reviews: [],
      reviewComments: [],
      threads: [],
    };
    let issue: SimIssue;
    if (input.issue !== undefined) {
      // Turning an issue into a PR keeps its number and title.
      issue = this.requireIssue(repo, input.issue);
      if (issue.pull) throw invalidField('PullRequest', 'issue', input.issue);
      issue.pull = pull;
    } else {
      issue = { ...this.newIssue(repo, actor, input.title!, input.body), pull };
      repo.issues.set(issue.number, issue);
    }
    const withPull = issue as SimIssue & { pull: SimPull };
    await this.pullEvent(repo, withPull, 'opened', actor);
    return withPull;
  }

  async updatePull(repo: SimRepo, issue: SimIssue & { pull: SimPull }, actor: string, update: { title?: string; body?: string | null; state?: 'open' | 'closed'; base?: string }): Promise<void> {
    const changes: Json = {};
    if (update.title !== undefined && update.title !== issue.title) {
      changes.title = { from: issue.title };
      issue.title = update.title;
    }
    if (update.body !== undefined && update.body !== issue.body) {
      changes.body = { from: issue.body ?? '' };
      issue.body = update.body;
    }
    if (update.base !== undefined && update.base !== issue.pull.baseRef) {
      const baseSha = await repo.git.resolveCommit(`refs/heads/${update.base}`);
      if (!baseSha) throw invalidField('PullRequest', 'base', update.base);
      changes.base = { ref: { from: issue.pull.baseRef }, sha: { from: issue.pull.baseSha } };
      issue.pull.baseRef = update.base;
      issue.pull.baseSha = baseSha;
    }
    if (Object.keys(changes).length > 0) {
      issue.updatedAt = nowIso();
      await this.pullEvent(repo, issue, 'edited', actor, { changes });
    }
    if (update.state === 'closed' && issue.state === 'open') await this.closeIssue(repo, issue, actor);
    else if (update.state === 'open' && issue.state === 'closed') {
      if (!(await repo.git.resolveCommit(`refs/heads/${issue.pull.headRef}`))) {
        throw validationFailed([{ resource: 'PullRequest', code: 'custom', field: 'state', message: 'state cannot be changed. The head branch was deleted.' }]);
      }
      await this.reopenIssue(repo, issue, actor);
    }
  }

  async markReadyForReview(repo: SimRepo, issue: SimIssue & { pull: SimPull }, actor: string): Promise<void> {
    if (!issue.pull.draft) return;
    issue.pull.draft = false;
    issue.updatedAt = nowIso();
    await this.pullEvent(repo, issue, 'ready_for_review', actor);
  }

  async convertToDraft(repo: SimRepo, issue: SimIssue & { pull: SimPull }, actor: string): Promise<void> {
    if (issue.pull.draft) return;
    issue.pull.draft = true;
    issue.updatedAt = nowIso();
    await this.pullEvent(repo, issue, 'converted_to_draft', actor);
  }

  async requestReviewers(repo: SimRepo, issue: SimIssue & { pull: SimPull }, actor: string, reviewers: readonly string[]): Promise<void> {
    for (const login of reviewers) {
      const account = this.state.account(login);
      if (!account || !permissionAtLeast(this.state.permissionOf(repo, login), 'read')) {
        throw validationFailed([{ resource: 'PullRequest', code: 'custom', message: 'Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ' + `${repo.owner}/${repo.name} repository.` }]);
      }
      if (account.login.toLowerCase() === issue.user.toLowerCase()) {
        throw validationFailed([{ resource: 'PullRequest', code: 'custom', message: 'Review cannot be requested from pull request author.' }]);
      }
      if (issue.pull.requestedReviewers.some((r) => r.toLowerCase() === account.login.toLowerCase())) continue;
      issue.pull.requestedReviewers.push(account.login);
      await this.pullEvent(repo, issue, 'review_requested', actor, { requested_reviewer: this.render.user(account.login) });
    }
  }

  /** What git says about a PR now (counts, mergeability) plus GitHub's merge state. */
  async pullFacts(repo: SimRepo, issue: SimIssue & { pull: SimPull }, tip?: (branch: string) => Promise<string | undefined>): Promise<PullFacts> {
    const pull = issue.pull;
    if (pull.merged && pull.frozenFacts) return pull.frozenFacts;
    const baseTip = (await (tip ? tip(pull.baseRef) : repo.git.resolveCommit(`refs/heads/${pull.baseRef}`))) ?? pull.baseSha;
    const commits = (await repo.git.commitsBetween(baseTip, pull.headSha)).length;
    const diff = await repo.git.diffSummary(baseTip, pull.headSha);
    let mergeable: boolean | null = null;
    let mergeableState = 'unknown';
    if (issue.state === 'open') {
      mergeable = (await this.mergedTree(repo, baseTip, pull.headSha)) !== null;
      mergeableState = !mergeable ? 'dirty' : pull.draft ? 'draft' : this.protectionProblems(repo, issue).length > 0 ? 'blocked' : this.checksAllGreen(repo, pull.headSha) ? 'clean' : 'unstable';
    }
    return { commits, additions: diff.additions, deletions: diff.deletions, changedFiles: diff.files.length, mergeable, mergeableState };
  }

  private async mergedTree(repo: SimRepo, base: string, head: string): Promise<string | null> {
    const key = `${repo.id}:${base}:${head}`;
    if (!this.mergeTreeCache.has(key)) this.mergeTreeCache.set(key, (await repo.git.mergeTrees(base, head)) ?? null);
    return this.mergeTreeCache.get(key)!;
  }

  /** Latest review per reviewer that counts (approve / request changes / dismissed). */
  latestReviews(pull: SimPull): Map<string, SimReview> {
    const latest = new Map<string, SimReview>();
    for (const review of pull.reviews) {
      if (review.state === 'COMMENTED' || review.state === 'PENDING') continue;
      latest.set(review.user.toLowerCase(), review);
    }
    return latest;
  }

  /** GraphQL's reviewDecision: null unless branch protection requires reviews, as on GitHub. */
  reviewDecision(repo: SimRepo, issue: SimIssue & { pull: SimPull }): 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null {
    const required = repo.protection.get(issue.pull.baseRef)?.requiredApprovingReviews;
    if (!required) return null;
    const counted = [...this.latestReviews(issue.pull).values()].filter((r) => permissionAtLeast(this.state.permissionOf(repo, r.user), 'write'));
    if (counted.some((r) => r.state === 'CHANGES_REQUESTED')) return 'CHANGES_REQUESTED';
    return counted.filter((r) => r.state === 'APPROVED').length >= required ? 'APPROVED' : 'REVIEW_REQUIRED';
  }

  /** Why branch protection would refuse a merge right now (empty: it would not). */
  protectionProblems(repo: SimRepo, issue: SimIssue & { pull: SimPull }): string[] {
    const protection = repo.protection.get(issue.pull.baseRef);
    if (!protection) return [];
    const problems: string[] = [];
    const decision = this.reviewDecision(repo, issue);
    if (decision === 'CHANGES_REQUESTED') problems.push('Changes must be made through a pull request.');
    else if (decision === 'REVIEW_REQUIRED') {
      const n = protection.requiredApprovingReviews!;
      problems.push(`At least ${n} approving review${n === 1 ? ' is' : 's are'} required by reviewers with write access.`);
    }
    const contexts = this.rollupContexts(repo, issue.pull.headSha);
    for (const name of protection.requiredStatusChecks ?? []) {
      const context = contexts.find((c) => c.name === name);
      if (!context) problems.push(`Required status check "${name}" is expected.`);
      else if (context.state !== 'SUCCESS') problems.push(`Required status check "${name}" is ${context.state === 'PENDING' ? 'in progress' : 'failing'}.`);
    }
    return problems;
  }

  async mergePull(repo: SimRepo, issue: SimIssue & { pull: SimPull }, actor: string, input: { method?: MergeMethod; sha?: string; commitTitle?: string; commitMessage?: string }): Promise<{ sha: string }> {
    const method = input.method ?? 'merge';
    if (!['merge', 'squash', 'rebase'].includes(method)) throw invalidField('PullRequest', 'merge_method', method);
    await this.syncRefs(repo);
    const merged = await this.withRepoLock(repo, async () => {
      const pull = issue.pull;
      if (pull.merged || issue.state !== 'open') throw new ApiError(405, 'Pull Request is not mergeable');
      if (input.sha && input.sha !== pull.headSha) throw new ApiError(409, 'Head branch was modified. Review and try the merge again.');
      if (pull.draft) throw new ApiError(405, 'Pull Request is still a draft');
      const problems = this.protectionProblems(repo, issue);
      if (problems.length > 0) throw new ApiError(405, problems.join('\n'));
      const baseTip = await repo.git.resolveCommit(`refs/heads/${pull.baseRef}`);
      if (!baseTip) throw new ApiError(405, 'Base branch was deleted');
      const facts = await this.pullFacts(repo, issue);
      const committer = this.identityOf(actor);
      let newTip: string | undefined;
      if (method === 'rebase') {
        const commits = await repo.git.commitsBetween(baseTip, pull.headSha);
        newTip = await repo.git.replay(baseTip, commits, committer);
        if (!newTip) throw new ApiError(405, 'This branch can\'t be rebased');
      } else {
        const tree = await this.mergedTree(repo, baseTip, pull.headSha);
        if (!tree) throw new ApiError(405, 'Pull Request is not mergeable');
        if (method === 'squash') {
          const messages = await Promise.all((await repo.git.commitsBetween(baseTip, pull.headSha)).map(async (sha) => (await repo.git.commitInfo(sha)).message.trim()));
          const title = input.commitTitle ?? `${issue.title} (#${issue.number})`;
          const body = input.commitMessage ?? messages.map((m) => `* ${m}`).join('\n\n');
          newTip = await repo.git.commitTree(tree, [baseTip], `${title}\n\n${body}\n`, this.identityOf(issue.user), committer);
        } else {
          const title = input.commitTitle ?? `Merge pull request #${issue.number} from ${repo.owner}/${pull.headRef}`;
          const body = input.commitMessage ?? issue.title;
          newTip = await repo.git.commitTree(tree, [baseTip, pull.headSha], `${title}\n\n${body}\n`, committer);
        }
      }
      await repo.git.updateRef(`refs/heads/${pull.baseRef}`, newTip, baseTip);
      const now = nowIso();
      pull.frozenFacts = { ...facts, mergeable: null, mergeableState: 'unknown' };
      pull.merged = true;
      pull.mergedAt = now;
      pull.mergedBy = this.state.ensureAccount(actor).login;
      pull.mergeCommitSha = newTip;
      issue.state = 'closed';
      issue.closedAt = now;
      issue.closedBy = actor;
      issue.updatedAt = now;
      return newTip;
    });
    await this.pullEvent(repo, issue, 'closed', actor);
    await this.syncRefs(repo, actor);
    return { sha: merged };
  }

  // ---- reviews ------------------------------------------------------------------------------

  async createReview(
    repo: SimRepo,
    issue: SimIssue & { pull: SimPull },
    actor: string,
    input: { event?: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT'; body?: string; commitId?: string; comments?: readonly ReviewCommentInput[] },
  ): Promise<SimReview> {
    const pull = issue.pull;
    const event = input.event;
    if (event && !['APPROVE', 'REQUEST_CHANGES', 'COMMENT'].includes(event)) throw invalidField('PullRequestReview', 'event', event);
    const own = actor.toLowerCase() === issue.user.toLowerCase();
    if (own && event === 'APPROVE') throw validationFailed([{ code: 'custom', resource: 'PullRequestReview', message: 'Can not approve your own pull request' }], 'Unprocessable Entity');
    if (own && event === 'REQUEST_CHANGES') throw validationFailed([{ code: 'custom', resource: 'PullRequestReview', message: 'Can not request changes on your own pull request' }], 'Unprocessable Entity');
    if ((event === 'REQUEST_CHANGES' || event === 'COMMENT') && !input.body && !(input.comments?.length)) {
      throw validationFailed([{ code: 'custom', resource: 'PullRequestReview', message: `Review Can not request changes${event === 'COMMENT' ? ' or comment' : ''} without a body` }], 'Unprocessable Entity');
    }
    const changed = (await repo.git.diffSummary(pull.baseSha, pull.headSha)).files.map((f) => f.path);
    for (const comment of input.comments ?? []) {
      if (!changed.includes(comment.path)) {
        throw validationFailed([{ code: 'custom', resource: 'PullRequestReviewComment', field: 'path', message: 'Path could not be resolved' }], 'Unprocessable Entity');
      }
    }
    const state: ReviewState = event === 'APPROVE' ? 'APPROVED' : event === 'REQUEST_CHANGES' ? 'CHANGES_REQUESTED' : event === 'COMMENT' ? 'COMMENTED' : 'PENDING';
    const id = this.state.nextId();
    const commitId = input.commitId ?? pull.headSha;
    const review: SimReview = {
      id,
      nodeId: makeNodeId('PRR', id),
      user: this.state.ensureAccount(actor).login,
      body: input.body ?? '',
      state,
      commitId,
      submittedAt: state === 'PENDING' ? null : nowIso(),
    };
    pull.reviews.push(review);
    const created: SimReviewComment[] = [];
    for (const comment of input.comments ?? []) created.push(await this.addReviewComment(repo, issue, actor, { ...comment, reviewId: review.id, commitId }));
    if (state === 'PENDING') return review;
    pull.requestedReviewers = pull.requestedReviewers.filter((r) => r.toLowerCase() !== actor.toLowerCase());
    issue.updatedAt = nowIso();
    const facts = await this.pullFacts(repo, issue);
    const pullJson = this.render.pullRequest(repo, issue, facts);
    this.emit(repo, 'pull_request_review', { action: 'submitted', review: this.render.review(repo, issue, review), pull_request: pullJson }, actor);
    for (const comment of created) {
      this.emit(repo, 'pull_request_review_comment', { action: 'created', comment: this.render.reviewComment(repo, issue, comment), pull_request: pullJson }, actor);
    }
    return review;
  }

  private async addReviewComment(
    repo: SimRepo,
    issue: SimIssue & { pull: SimPull },
    actor: string,
    input: ReviewCommentInput & { reviewId: number | null; commitId: string; inReplyTo?: SimReviewComment },
  ): Promise<SimReviewComment> {
    const pull = issue.pull;
    const id = this.state.nextId();
    const now = nowIso();
    let thread = input.inReplyTo ? pull.threads.find((t) => t.id === input.inReplyTo!.threadId) : undefined;
    if (!thread) {
      const threadId = this.state.nextId();
      thread = { id: threadId, nodeId: makeNodeId('PRRT', threadId), path: input.path, line: input.line ?? null, isResolved: false, resolvedBy: null, commentIds: [] };
      pull.threads.push(thread);
    }
    const diff = await repo.git.fileDiff(pull.baseSha, pull.headSha, input.path);
    const comment: SimReviewComment = {
      id,
      nodeId: makeNodeId('PRRC', id),
      reviewId: input.reviewId,
      threadId: thread.id,
      user: this.state.ensureAccount(actor).login,
      body: input.body,
      path: input.path,
      line: input.line ?? null,
      startLine: input.startLine ?? null,
      side: input.side ?? 'RIGHT',
      commitId: input.commitId,
      originalCommitId: input.commitId,
      diffHunk: hunkFor(diff, input.line ?? null),
      inReplyToId: input.inReplyTo?.id ?? null,
      createdAt: now,
      updatedAt: now,
      reactions: [],
    };
    pull.reviewComments.push(comment);
    thread.commentIds.push(comment.id);
    return comment;
  }

  /** A single review comment outside a review, or a reply to one (REST "create review comment"). */
  async createReviewComment(
    repo: SimRepo,
    issue: SimIssue & { pull: SimPull },
    actor: string,
    input: { body?: string; path?: string; line?: number; side?: 'LEFT' | 'RIGHT'; commitId?: string; inReplyTo?: number },
  ): Promise<SimReviewComment> {
    if (!input.body) throw missingField('PullRequestReviewComment', 'body');
    const parent = input.inReplyTo !== undefined ? issue.pull.reviewComments.find((c) => c.id === input.inReplyTo) : undefined;
    if (input.inReplyTo !== undefined && !parent) throw notFound();
    const path = parent?.path ?? input.path;
    if (!path) throw missingField('PullRequestReviewComment', 'path');
    // A lone comment gets its own COMMENTED review, as on GitHub.
    const reviewId = this.state.nextId();
    const review: SimReview = { id: reviewId, nodeId: makeNodeId('PRR', reviewId), user: this.state.ensureAccount(actor).login, body: '', state: 'COMMENTED', commitId: input.commitId ?? issue.pull.headSha, submittedAt: nowIso() };
    issue.pull.reviews.push(review);
    const comment = await this.addReviewComment(repo, issue, actor, {
      path,
      body: input.body,
      line: parent ? (parent.line ?? undefined) : input.line,
      side: parent?.side ?? input.side,
      reviewId,
      commitId: review.commitId,
      inReplyTo: parent,
    });
    const facts = await this.pullFacts(repo, issue);
    const pullJson = this.render.pullRequest(repo, issue, facts);
    this.emit(repo, 'pull_request_review_comment', { action: 'created', comment: this.render.reviewComment(repo, issue, comment), pull_request: pullJson }, actor);
    return comment;
  }

  async setThreadResolved(threadId: string | number, actor: string, resolved: boolean): Promise<{ repo: SimRepo; issue: SimIssue & { pull: SimPull }; thread: SimReviewThread }> {
    const found = this.findThread(threadId);
    const { repo, issue, thread } = found;
    if (thread.isResolved === resolved) return found;
    thread.isResolved = resolved;
    thread.resolvedBy = resolved ? actor : null;
    const comments = thread.commentIds.map((id) => issue.pull.reviewComments.find((c) => c.id === id)!).map((c) => this.render.reviewComment(repo, issue, c));
    const facts = await this.pullFacts(repo, issue);
    this.emit(
      repo,
      'pull_request_review_thread',
      { action: resolved ? 'resolved' : 'unresolved', thread: { node_id: thread.nodeId, comments }, pull_request: this.render.pullRequest(repo, issue, facts) },
      actor,
    );
    return found;
  }

  // ---- checks and statuses -------------------------------------------------------------------

  private async headCommit(repo: SimRepo, sha: string): Promise<CommitInfo> {
    return repo.git.commitInfo(sha);
  }

  private branchOf(repo: SimRepo, sha: string): string | null {
    for (const [branch, tip] of repo.knownBranches) if (tip === sha) return branch;
    return null;
  }

  async createCheckRun(repo: SimRepo, appId: number, input: CheckRunInput): Promise<SimCheckRun> {
    if (!input.name) throw missingField('CheckRun', 'name');
    if (!input.headSha) throw missingField('CheckRun', 'head_sha');
    const sha = await repo.git.resolveCommit(input.headSha);
    if (!sha || sha !== input.headSha) throw validationFailed([{ resource: 'CheckRun', code: 'invalid', field: 'head_sha' }], 'No commit found for SHA: ' + input.headSha);
    let suite = repo.checkSuites.find((s) => s.headSha === sha && s.appId === appId);
    const now = nowIso();
    if (!suite) {
      const suiteId = this.state.nextId();
      suite = { id: suiteId, nodeId: makeNodeId('CS', suiteId), headSha: sha, headBranch: this.branchOf(repo, sha), appId, status: 'queued', conclusion: null, createdAt: now, updatedAt: now, before: null };
      repo.checkSuites.push(suite);
    } else if (suite.status === 'completed') {
      // A new run (a re-run) reopens the suite; it completes again with it.
      suite.status = 'queued';
    }
    const status: CheckStatus = input.conclusion ? 'completed' : (input.status ?? 'queued');
    const id = this.state.nextId();
    const run: SimCheckRun = {
      id,
      nodeId: makeNodeId('CR', id),
      suiteId: suite.id,
      headSha: sha,
      name: input.name,
      status,
      conclusion: status === 'completed' ? (input.conclusion ?? 'neutral') : null,
      startedAt: input.startedAt ?? now,
      completedAt: status === 'completed' ? (input.completedAt ?? now) : null,
      detailsUrl: input.detailsUrl ?? null,
      externalId: input.externalId ?? null,
      output: { title: input.output?.title ?? null, summary: input.output?.summary ?? null, text: input.output?.text ?? null },
      actions: [...(input.actions ?? [])],
      appId,
    };
    validateActions(run.actions);
    repo.checkRuns.push(run);
    const sender = this.appBot(appId);
    await this.emitCheckRun(repo, run, 'created', sender);
    if (run.status === 'completed') await this.emitCheckRun(repo, run, 'completed', sender);
    await this.refreshSuite(repo, suite, sender);
    return run;
  }

  async updateCheckRun(repo: SimRepo, run: SimCheckRun, appId: number, input: Partial<CheckRunInput>): Promise<SimCheckRun> {
    if (run.appId !== appId) throw new ApiError(403, 'Invalid app_id `' + appId + '` - check run can only be modified by the GitHub App that created it.');
    const wasCompleted = run.status === 'completed';
    if (input.name !== undefined) run.name = input.name;
    if (input.detailsUrl !== undefined) run.detailsUrl = input.detailsUrl;
    if (input.externalId !== undefined) run.externalId = input.externalId;
    if (input.startedAt !== undefined) run.startedAt = input.startedAt;
    if (input.output) run.output = { title: input.output.title ?? run.output.title, summary: input.output.summary ?? run.output.summary, text: input.output.text ?? run.output.text };
    if (input.actions) {
      validateActions(input.actions);
      run.actions = [...input.actions];
    }
    if (input.conclusion) {
      run.status = 'completed';
      run.conclusion = input.conclusion;
      run.completedAt = input.completedAt ?? nowIso();
    } else if (input.status) {
      if (input.status === 'completed' && !run.conclusion) throw missingField('CheckRun', 'conclusion');
      run.status = input.status;
      if (input.status !== 'completed') {
        run.conclusion = null;
        run.completedAt = null;
      }
    }
    const sender = this.appBot(appId);
    if (!wasCompleted && run.status === 'completed') await this.emitCheckRun(repo, run, 'completed', sender);
    const suite = repo.checkSuites.find((s) => s.id === run.suiteId)!;
    await this.refreshSuite(repo, suite, sender);
    return run;
  }

  /** A person pressed one of the check run's buttons. */
  async requestCheckRunAction(repo: SimRepo, run: SimCheckRun, actor: string, identifier: string): Promise<void> {
    if (!run.actions.some((a) => a.identifier === identifier)) throw invalidField('CheckRun', 'identifier', identifier);
    // Only the app that owns the run is told.
    if (run.appId !== this.primaryAppId) return;
    await this.emitCheckRun(repo, run, 'requested_action', actor, { requested_action: { identifier } });
  }

  private appBot(appId: number): string {
    const app = this.state.apps.get(appId);
    return app ? `${app.slug}[bot]` : 'github-actions[bot]';
  }

  private async emitCheckRun(repo: SimRepo, run: SimCheckRun, action: string, sender: string, extra: Json = {}): Promise<void> {
    const suite = repo.checkSuites.find((s) => s.id === run.suiteId)!;
    const head = await this.headCommit(repo, run.headSha);
    this.emit(repo, 'check_run', { action, check_run: this.render.checkRun(repo, run, suite, head), ...extra }, sender);
  }

  /** A suite completes when all its runs have; GitHub then sends check_suite.completed once. */
  private async refreshSuite(repo: SimRepo, suite: SimCheckSuite, sender: string): Promise<void> {
    const runs = repo.checkRuns.filter((r) => r.suiteId === suite.id);
    const wasCompleted = suite.status === 'completed';
    const allDone = runs.length > 0 && runs.every((r) => r.status === 'completed');
    suite.status = allDone ? 'completed' : runs.some((r) => r.status === 'in_progress') ? 'in_progress' : 'queued';
    suite.conclusion = allDone ? suiteConclusion(runs.map((r) => r.conclusion!)) : null;
    suite.updatedAt = nowIso();
    if (allDone && !wasCompleted) {
      const head = await this.headCommit(repo, suite.headSha);
      this.emit(repo, 'check_suite', { action: 'completed', check_suite: this.render.checkSuite(repo, suite, head) }, sender);
    }
  }

  async createStatus(repo: SimRepo, actor: string, sha: string, input: { state?: string; context?: string; description?: string | null; targetUrl?: string | null }): Promise<SimStatus> {
    if (!input.state) throw missingField('Status', 'state');
    if (!['error', 'failure', 'pending', 'success'].includes(input.state)) throw invalidField('Status', 'state', input.state);
    const resolved = await repo.git.resolveCommit(sha);
    if (!resolved) throw validationFailed([{ resource: 'Status', code: 'custom', field: 'sha', message: `No commit found for SHA: ${sha}` }], `No commit found for SHA: ${sha}`);
    const id = this.state.nextId();
    const status: SimStatus = {
      id,
      nodeId: makeNodeId('SC', id),
      sha: resolved,
      state: input.state as CommitState,
      context: input.context || 'default',
      description: input.description ?? null,
      targetUrl: input.targetUrl ?? null,
      creator: this.state.ensureAccount(actor).login,
      createdAt: nowIso(),
    };
    repo.statuses.push(status);
    const info = await repo.git.commitInfo(resolved);
    const branches = [...repo.knownBranches.entries()]
      .filter(([, tip]) => tip === resolved)
      .map(([name, tip]) => ({ name, commit: { sha: tip, url: `${this.render.urls.api}/repos/${repo.owner}/${repo.name}/commits/${tip}` }, protected: repo.protection.has(name) }));
    this.emit(
      repo,
      'status',
      {
        id: status.id,
        sha: resolved,
        name: `${repo.owner}/${repo.name}`,
        target_url: status.targetUrl,
        avatar_url: this.render.user(status.creator).avatar_url,
        context: status.context,
        description: status.description,
        state: status.state,
        commit: this.render.commit(repo, info),
        branches,
        created_at: status.createdAt,
        updated_at: status.createdAt,
      },
      actor,
    );
    return status;
  }

  /** Latest check run per (app, name) and latest status per context for a commit. */
  latestChecks(repo: SimRepo, sha: string): { runs: SimCheckRun[]; statuses: SimStatus[] } {
    const runs = new Map<string, SimCheckRun>();
    for (const run of repo.checkRuns) if (run.headSha === sha) runs.set(`${run.appId}:${run.name}`, run);
    const statuses = new Map<string, SimStatus>();
    for (const status of repo.statuses) if (status.sha === sha) statuses.set(status.context, status);
    return { runs: [...runs.values()], statuses: [...statuses.values()] };
  }

  /** Each context's name and rollup state (GraphQL StatusState) for a commit. */
  rollupContexts(repo: SimRepo, sha: string): { name: string; state: 'SUCCESS' | 'FAILURE' | 'PENDING' | 'ERROR' }[] {
    const { runs, statuses } = this.latestChecks(repo, sha);
    return [
      ...runs.map((run) => ({
        name: run.name,
        state: run.status !== 'completed' ? ('PENDING' as const) : FAILING_CONCLUSIONS.has(run.conclusion!) ? ('FAILURE' as const) : ('SUCCESS' as const),
      })),
      ...statuses.map((status) => ({
        name: status.context,
        state: status.state === 'success' ? ('SUCCESS' as const) : status.state === 'pending' ? ('PENDING' as const) : status.state === 'error' ? ('ERROR' as const) : ('FAILURE' as const),
      })),
    ];
  }

  rollupState(repo: SimRepo, sha: string): 'SUCCESS' | 'FAILURE' | 'PENDING' | 'ERROR' | null {
    const states = this.rollupContexts(repo, sha).map((c) => c.state);
    if (states.length === 0) return null;
    if (states.includes('FAILURE')) return 'FAILURE';
    if (states.includes('ERROR')) return 'ERROR';
    if (states.includes('PENDING')) return 'PENDING';
    return 'SUCCESS';
  }

  checksAllGreen(repo: SimRepo, sha: string): boolean {
    const state = this.rollupState(repo, sha);
    return state === null || state === 'SUCCESS';
  }

  /** REST combined status: only commit statuses, "pending" when there are none. */
  combinedState(statuses: readonly SimStatus[]): CommitState {
    if (statuses.length === 0) return 'pending';
    if (statuses.some((s) => s.state === 'error' || s.state === 'failure')) return 'failure';
    if (statuses.some((s) => s.state === 'pending')) return 'pending';
    return 'success';
  }

  // ---- check JSON with the head commit (async, so not in render.ts) ----------------------------------

  async suiteJson(repo: SimRepo, suite: SimCheckSuite): Promise<Json> {
    return this.render.checkSuite(repo, suite, await this.headCommit(repo, suite.headSha));
  }

  async checkRunJson(repo: SimRepo, run: SimCheckRun): Promise<Json> {
    const suite = repo.checkSuites.find((s) => s.id === run.suiteId)!;
    return this.render.checkRun(repo, run, suite, await this.headCommit(repo, run.headSha));
  }

}

function suiteConclusion(conclusions: readonly string[]): CheckConclusion {
  for (const worst of ['action_required', 'cancelled', 'timed_out', 'failure'] as const) if (conclusions.includes(worst)) return worst;
  if (conclusions.every((c) => c === 'skipped')) return 'skipped';
  if (conclusions.every((c) => c === 'neutral' || c === 'skipped')) return 'neutral';
  return 'success';
}

function validateActions(actions: readonly SimCheckAction[]): void {
  if (actions.length > 3) throw validationFailed([{ resource: 'CheckRun', field: 'actions', code: 'invalid', message: 'Only 3 actions are allowed' }]);
  for (const action of actions) {
    if (action.label.length > 20) throw invalidField('CheckRun', 'actions[].label', action.label);
    if (action.identifier.length > 20) throw invalidField('CheckRun', 'actions[].identifier', action.identifier);
    if (action.description.length > 40) throw invalidField('CheckRun', 'actions[].description', action.description);
  }
}

/** The diff hunk header and lines up to the commented line, like GitHub's `diff_hunk`. */
function hunkFor(fileDiff: string, line: number | null): string {
  const lines = fileDiff.split('\n');
  const start = lines.findIndex((l) => l.startsWith('@@'));
  if (start === -1) return '@@ -0,0 +0,0 @@';
  const hunk: string[] = [];
  let newLine = 0;
  for (let i = start; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.startsWith('@@')) {
      if (hunk.length > 0 && line !== null && newLine > line) break;
      newLine = Number(/\+(\d+)/.exec(text)?.[1] ?? '1') - 1;
      hunk.length = 0;
      hunk.push(text);
      continue;
    }
    hunk.push(text);
    if (!text.startsWith('-')) newLine++;
    if (line !== null && newLine >= line) break;
  }
  return hunk.join('\n');
}

const DEFAULT_LABELS: readonly (readonly [string, string, string])[] = [
  ['bug', 'd73a4a', "Something isn't working"],
  ['documentation', '0075ca', 'Improvements or additions to documentation'],
  ['enhancement', 'a2eeef', 'New feature or request'],
  ['good first issue', '7057ff', 'Good for newcomers'],
  ['help wanted', '008672', 'Extra attention is needed'],
  ['question', 'd876e3', 'Further information is requested'],
];
