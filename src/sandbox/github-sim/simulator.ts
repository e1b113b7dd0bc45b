// startGitHubSimulator(): a local, stateful stand-in for github.com with the
// REST and GraphQL routes the app uses, real git repos, and signed webhooks.
// The scenario methods below are how tests (or the offline sandbox) make
// things happen "on GitHub"; each returns once the webhooks it caused have
// been delivered.

import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { AuthRegistry, botLogin } from './auth.js';
import { ApiError } from './errors.js';
import type { FileChanges } from './git.js';
import { createGitHttpHandler, type GitHttpStats } from './git-http.js';
import { createHttpApp, RateLimits } from './http.js';
import type { BranchProtection, CheckConclusion, CheckStatus, Permission, SimCheckAction, SimRepo } from './model.js';
import { RouteRecorder } from './recorder.js';
import type { DeliveryRecord } from './webhooks.js';
import { WebhookDeliveries } from './webhooks.js';
import { World, type MergeMethod, type ReviewCommentInput } from './world.js';

export interface GitHubSimulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Where bare repos live; a temp dir (removed on close) when omitted. */
  readonly dataDir?: string;
  /** Where webhooks are POSTed; without one they are only logged. */
  readonly webhookUrl?: string;
  readonly webhookSecret?: string;
  /** The GitHub App under test. */
  readonly appId?: number;
  readonly appSlug?: string;
  readonly appName?: string;
  /** PEM private key of the app; one is generated when omitted (see `sim.app.privateKeyPem`). */
  readonly appPrivateKeyPem?: string;
  readonly appPermissions?: Record<string, string>;
  /** Check the bare repos for pushes on every repo API call (default true). */
  readonly autoSyncRefs?: boolean;
  /** Scenario methods wait for their webhooks to be delivered (default true). */
  readonly awaitDeliveries?: boolean;
  /** Install a post-receive hook in each bare repo so `git push` is noticed at once (default true). */
  readonly pushHooks?: boolean;
}

/** `as`: who does it (default: the repo owner). */
export interface As {
  readonly as?: string;
}

export interface RepoHandle {
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  readonly defaultBranch: string;
  /** `<sim>/<owner>/<repo>.git`: git smart HTTP with token auth (the REST `clone_url`). */
  readonly cloneUrl: string;
  /** Path of the bare repo on disk, for git commands that bypass HTTP (`git --git-dir`). */
  readonly gitDir: string;
  readonly id: number;
  readonly nodeId: string;
  readonly installationId: number | undefined;
}

export interface CheckRunScenario extends As {
  /** Commit sha, or a branch name resolved to its tip. */
  readonly ref: string;
  readonly name: string;
  readonly status?: CheckStatus;
  readonly conclusion?: CheckConclusion;
  readonly detailsUrl?: string;
  readonly output?: { title?: string; summary?: string; text?: string };
  readonly actions?: readonly SimCheckAction[];
  /** Which app owns the run: 'ci' (default, a GitHub Actions stand-in) or 'app' (the app under test). */
  readonly app?: 'ci' | 'app';
}

export const SCENARIO_METHODS = [
  'addUser',
  'tokenFor',
  'createRepo',
  'setPermission',
  'setBranchProtection',
  'createLabel',
  'createIssue',
  'editIssue',
  'addLabels',
  'removeLabel',
  'assign',
  'unassign',
  'comment',
  'editComment',
  'deleteComment',
  'react',
  'closeIssue',
  'reopenIssue',
  'pushCommit',
  'syncRefs',
  'openPullRequest',
  'markReadyForReview',
  'requestReviewers',
  'review',
  'replyToReviewComment',
  'resolveThread',
  'unresolveThread',
  'setCheckRun',
  'pressCheckRunAction',
  'setStatus',
  'merge',
  'closePullRequest',
  'reopenPullRequest',
  'expireInstallationTokens',
  'setRateLimitRemaining',
  'setWebhook',
  'headSha',
  'info',
] as const;

export type ScenarioMethod = (typeof SCENARIO_METHODS)[number];

const CI_APP_ID = 15368; // GitHub Actions' real app id, for a familiar look.

export class GitHubSimulator {
  readonly url: string;
  readonly graphqlUrl: string;
  readonly dataDir: string;
  readonly routeRecorder = new RouteRecorder();
  /** Git smart HTTP requests served (fetches, pushes, refusals). */
  readonly gitHttp: GitHttpStats = { fetches: 0, pushes: 0, refused: 0 };
  readonly deliveries: WebhookDeliveries;
  readonly world: World;
  readonly app: { readonly id: number; readonly slug: string; readonly botLogin: string; readonly privateKeyPem: string };
  private readonly auth: AuthRegistry;
  private readonly rateLimits: RateLimits;
  private readonly awaitDeliveries: boolean;
  private readonly pushHooks: boolean;

  private constructor(
    private readonly server: Server,
    private readonly ownsDataDir: boolean,
    init: { url: string; dataDir: string; world: World; deliveries: WebhookDeliveries; auth: AuthRegistry; rateLimits: RateLimits; app: GitHubSimulator['app']; awaitDeliveries: boolean; pushHooks: boolean },
  ) {
    this.url = init.url;
    this.graphqlUrl = `${init.url}/graphql`;
    this.dataDir = init.dataDir;
    this.world = init.world;
    this.deliveries = init.deliveries;
    this.auth = init.auth;
    this.rateLimits = init.rateLimits;
    this.app = init.app;
    this.awaitDeliveries = init.awaitDeliveries;
    this.pushHooks = init.pushHooks;
  }

  static async start(options: GitHubSimulatorOptions = {}): Promise<GitHubSimulator> {
    const ownsDataDir = !options.dataDir;
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'github-sim-')));
    await mkdir(dataDir, { recursive: true });
    const privateKeyPem =
      options.appPrivateKeyPem ??
      generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    const publicKeyPem = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();

    // The world needs the URL and the URL needs a listening server, so the
    // server starts first and hands requests on once the simulator exists.
    const holder: { sim?: GitHubSimulator } = {};
    const server = await new Promise<Server>((resolve, reject) => {
      const front = express();
      front.disable('x-powered-by');
      front.use((req, res, next) => (holder.sim ? holder.sim.handle(req, res, next) : res.status(503).end()));
      const listening = front.listen(options.port ?? 0, '127.0.0.1', () => resolve(listening));
      listening.on('error', reject);
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let primaryAppId: number | undefined;
    const hookId = 400_000 + Math.floor(Math.random() * 99_999);
    const deliveries = new WebhookDeliveries({ url: options.webhookUrl, secret: options.webhookSecret }, hookId, () => primaryAppId);
    const world = new World({ dataDir, urls: { api: url, html: url }, deliveries });
    const auth = new AuthRegistry(world.state);
    const rateLimits = new RateLimits(() => auth.now());
    const slug = options.appSlug ?? 'agent-orchestrator';
    const app = world.registerApp({
      id: options.appId ?? 12345,
      slug,
      name: options.appName ?? 'Agent Orchestrator',
      owner: 'agent-orchestrator-dev',
      publicKeyPem,
      ...(options.appPermissions ? { permissions: options.appPermissions } : {}),
    });
    primaryAppId = app.id;
    world.primaryAppId = app.id;
    world.registerApp({ id: CI_APP_ID, slug: 'github-actions', name: 'GitHub Actions', owner: 'github' });
    const sim = new GitHubSimulator(server, ownsDataDir, {
      url,
      dataDir,
      world,
      deliveries,
      auth,
      rateLimits,
      app: { id: app.id, slug, botLogin: botLogin(slug), privateKeyPem },
      awaitDeliveries: options.awaitDeliveries ?? true,
      pushHooks: options.pushHooks ?? true,
    });
    const control = express.Router();
    sim.mountControl(control);
    const git = createGitHttpHandler({ world, auth, onPush: async (repo, pusher) => void (await sim.act(() => world.syncRefs(repo, pusher))) }, sim.gitHttp);
    sim.httpApp = createHttpApp({ world, auth, recorder: sim.routeRecorder, rateLimits, autoSyncRefs: options.autoSyncRefs ?? true, control, git });
    holder.sim = sim;
    return sim;
  }

  private httpApp: express.Express | undefined;

  private handle(req: express.Request, res: express.Response, next: express.NextFunction): void {
    this.httpApp!(req, res, next);
  }

  async close(): Promise<void> {
    await this.deliveries.idle();
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
    if (this.ownsDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  // ---- plumbing for scenario methods ---------------------------------------------

  private repo(owner: string, name: string): SimRepo {
    return this.world.requireRepo(owner, name);
  }

  private actor(repo: SimRepo, options?: As): string {
    return options?.as ?? repo.owner;
  }

  /** Runs a state change and, unless disabled, waits until its webhooks were delivered. */
  private async act<T>(fn: () => Promise<T>): Promise<T> {
    const { result, deliveries } = await this.world.collectDeliveries(fn);
    if (this.awaitDeliveries) await Promise.all(deliveries.map((d) => this.deliveries.settled(d)));
    return result;
  }

  /** Deliveries caused by `fn` (for tests that want to look at exactly those). */
  async capture<T>(fn: () => Promise<T>): Promise<{ result: T; deliveries: DeliveryRecord[] }> {
    const captured = await this.world.collectDeliveries(fn);
    await Promise.all(captured.deliveries.map((d) => this.deliveries.settled(d)));
    return captured;
  }

  // ---- scenario API --------------------------------------------------------------------

  info(): { url: string; graphqlUrl: string; appId: number; appSlug: string; botLogin: string; appPrivateKeyPem: string; webhookUrl: string | undefined } {
    return { url: this.url, graphqlUrl: this.graphqlUrl, appId: this.app.id, appSlug: this.app.slug, botLogin: this.app.botLogin, appPrivateKeyPem: this.app.privateKeyPem, webhookUrl: this.deliveries.url };
  }

  /** Where webhooks go from now on (undefined url: log only). */
  setWebhook(target: { url?: string; secret?: string }): void {
    this.deliveries.configure(target);
  }

  /** A person (or bot) with a default role on every repo; returns a token to act as them over the API. */
  addUser(login: string, options: { permission?: Permission; type?: 'User' | 'Bot'; name?: string; email?: string } = {}): { login: string; token: string } {
    const account = this.world.state.ensureAccount(login, options.type ?? 'User');
    if (options.permission) account.defaultPermission = options.permission;
    if (options.name !== undefined) account.name = options.name;
    if (options.email !== undefined) account.email = options.email;
    return { login: account.login, token: this.auth.userToken(account.login) };
  }

  tokenFor(login: string): string {
    this.world.state.ensureAccount(login);
    return this.auth.userToken(login);
  }

  async createRepo(input: { owner: string; name: string; defaultBranch?: string; files?: Record<string, string>; private?: boolean; description?: string; ownerType?: 'User' | 'Organization'; installApp?: boolean }): Promise<RepoHandle> {
    const repo = await this.world.createRepo(input);
    if (this.pushHooks) await repo.git.installPushHook(`${this.url}/_sim/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}/sync`);
    let installationId: number | undefined;
    if (input.installApp !== false) {
      installationId = this.world.installApp(this.app.id, repo.owner).id;
      this.world.installApp(CI_APP_ID, repo.owner);
    }
    return {
      owner: repo.owner,
      name: repo.name,
      fullName: `${repo.owner}/${repo.name}`,
      defaultBranch: repo.defaultBranch,
      cloneUrl: `${this.url}/${repo.owner}/${repo.name}.git`,
      gitDir: repo.git.gitDir,
      id: repo.id,
      nodeId: repo.nodeId,
      installationId,
    };
  }

  setPermission(owner: string, name: string, login: string, permission: Permission | 'none'): void {
    this.world.setPermission(this.repo(owner, name), login, permission);
  }

  setBranchProtection(owner: string, name: string, branch: string, protection: BranchProtection | null): void {
    this.world.setBranchProtection(this.repo(owner, name), branch, protection ?? undefined);
  }

  createLabel(owner: string, name: string, label: { name: string; color?: string; description?: string }): { id: number; name: string } {
    const created = this.world.createLabel(this.repo(owner, name), label);
    return { id: created.id, name: created.name };
  }

  async createIssue(owner: string, name: string, input: { title: string; body?: string; labels?: string[]; assignees?: string[] } & As): Promise<{ number: number; id: number; nodeId: string; url: string }> {
    const repo = this.repo(owner, name);
    const issue = await this.act(() => this.world.createIssue(repo, this.actor(repo, input), input));
    return { number: issue.number, id: issue.id, nodeId: issue.nodeId, url: String(this.world.render.issue(repo, issue).html_url) };
  }

  async editIssue(owner: string, name: string, number: number, update: { title?: string; body?: string } & As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.updateIssue(repo, this.world.requireIssue(repo, number), this.actor(repo, update), update));
  }

  async addLabels(owner: string, name: string, number: number, labels: string[], options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.addLabels(repo, this.world.requireIssue(repo, number), this.actor(repo, options), labels));
  }

  async removeLabel(owner: string, name: string, number: number, label: string, options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.removeLabel(repo, this.world.requireIssue(repo, number), this.actor(repo, options), label));
  }

  async assign(owner: string, name: string, number: number, logins: string[], options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.addAssignees(repo, this.world.requireIssue(repo, number), this.actor(repo, options), logins));
  }

  async unassign(owner: string, name: string, number: number, logins: string[], options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.removeAssignees(repo, this.world.requireIssue(repo, number), this.actor(repo, options), logins));
  }

  async comment(owner: string, name: string, number: number, body: string, options?: As): Promise<{ id: number; nodeId: string; url: string }> {
    const repo = this.repo(owner, name);
    const comment = await this.act(async () => this.world.createComment(repo, this.world.requireIssue(repo, number), this.actor(repo, options), body));
    return { id: comment.id, nodeId: comment.nodeId, url: String(this.world.render.issueComment(repo, comment).html_url) };
  }

  async editComment(owner: string, name: string, commentId: number, body: string, options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(async () => this.world.updateComment(repo, commentId, this.actor(repo, options), body));
  }

  async deleteComment(owner: string, name: string, commentId: number, options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(async () => this.world.deleteComment(repo, commentId, this.actor(repo, options)));
  }

  /** Reacts to an issue/PR (`target: {issue}`) or an issue comment (`target: {comment}`). */
  react(owner: string, name: string, target: { issue?: number; comment?: number }, content: string, options?: As): { id: number } {
    const repo = this.repo(owner, name);
    const list = target.comment !== undefined ? this.world.findIssueComment(repo, target.comment).comment.reactions : this.world.requireIssue(repo, target.issue ?? 0).reactions;
    return { id: this.world.addReaction(list, this.actor(repo, options), content).reaction.id };
  }

  async closeIssue(owner: string, name: string, number: number, options?: As & { reason?: 'completed' | 'not_planned' }): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.closeIssue(repo, this.world.requireIssue(repo, number), this.actor(repo, options), options?.reason));
  }

  async reopenIssue(owner: string, name: string, number: number, options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.reopenIssue(repo, this.world.requireIssue(repo, number), this.actor(repo, options)));
  }

  /**
   * Commits files to a branch of the bare repo (created from `from`, default
   * the default branch) and reports the push as GitHub would. Returns the sha.
   */
  async pushCommit(owner: string, name: string, input: { branch: string; files: Record<string, string | null>; message?: string; from?: string } & As): Promise<string> {
    const repo = this.repo(owner, name);
    return this.act(() => this.world.pushCommit(repo, this.actor(repo, input), { branch: input.branch, files: input.files as FileChanges, message: input.message, from: input.from }));
  }

  /** Notices pushes made with git (push events, PR synchronize). `as` is the pusher. */
  async syncRefs(owner: string, name: string, options?: As): Promise<{ branch: string; before: string; after: string }[]> {
    const repo = this.repo(owner, name);
    return this.act(() => this.world.syncRefs(repo, options?.as));
  }

  /** The current tip of a branch. */
  async headSha(owner: string, name: string, branch: string): Promise<string> {
    const sha = await this.repo(owner, name).git.resolveCommit(`refs/heads/${branch}`);
    if (!sha) throw new ApiError(404, `No branch ${branch}`);
    return sha;
  }

  async openPullRequest(owner: string, name: string, input: { head: string; base?: string; title: string; body?: string; draft?: boolean } & As): Promise<{ number: number; id: number; nodeId: string; headSha: string; url: string }> {
    const repo = this.repo(owner, name);
    const issue = await this.act(() => this.world.createPull(repo, this.actor(repo, input), { ...input, base: input.base ?? repo.defaultBranch }));
    return { number: issue.number, id: issue.pull.id, nodeId: issue.pull.nodeId, headSha: issue.pull.headSha, url: String(this.world.render.issue(repo, issue).html_url) };
  }

  async markReadyForReview(owner: string, name: string, number: number, options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.markReadyForReview(repo, this.world.requirePull(repo, number), this.actor(repo, options)));
  }

  async requestReviewers(owner: string, name: string, number: number, reviewers: string[], options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.requestReviewers(repo, this.world.requirePull(repo, number), this.actor(repo, options), reviewers));
  }

  /** Submits a review; inline comments each start a review thread. */
  async review(
    owner: string,
    name: string,
    number: number,
    input: { event: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT'; body?: string; comments?: ReviewCommentInput[] } & As,
  ): Promise<{ id: number; comments: { id: number; threadId: string }[] }> {
    const repo = this.repo(owner, name);
    const issue = this.world.requirePull(repo, number);
    const review = await this.act(() => this.world.createReview(repo, issue, this.actor(repo, input), input));
    const comments = issue.pull.reviewComments.filter((c) => c.reviewId === review.id);
    return { id: review.id, comments: comments.map((c) => ({ id: c.id, threadId: issue.pull.threads.find((t) => t.id === c.threadId)!.nodeId })) };
  }

  async replyToReviewComment(owner: string, name: string, number: number, commentId: number, body: string, options?: As): Promise<{ id: number }> {
    const repo = this.repo(owner, name);
    const comment = await this.act(() => this.world.createReviewComment(repo, this.world.requirePull(repo, number), this.actor(repo, options), { body, inReplyTo: commentId }));
    return { id: comment.id };
  }

  /** Resolves a review thread by its GraphQL node id (as `review()` returns it). */
  async resolveThread(owner: string, name: string, threadId: string, options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.setThreadResolved(threadId, this.actor(repo, options), true));
  }

  async unresolveThread(owner: string, name: string, threadId: string, options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.setThreadResolved(threadId, this.actor(repo, options), false));
  }

  /**
   * Sets a check run's state on a commit: updates the latest run with that
   * name by the same app, or creates one. CI runs belong to a GitHub Actions
   * stand-in app unless `app: 'app'`.
   */
  async setCheckRun(owner: string, name: string, input: CheckRunScenario): Promise<{ id: number; headSha: string }> {
    const repo = this.repo(owner, name);
    const appId = input.app === 'app' ? this.app.id : CI_APP_ID;
    return this.act(async () => {
      const sha = await repo.git.resolveCommit(input.ref);
      if (!sha) throw new ApiError(422, `No commit found for SHA: ${input.ref}`);
      const existing = [...repo.checkRuns].reverse().find((r) => r.headSha === sha && r.name === input.name && r.appId === appId);
      const fields = {
        ...(input.status ? { status: input.status } : {}),
        ...(input.conclusion ? { conclusion: input.conclusion } : {}),
        ...(input.detailsUrl ? { detailsUrl: input.detailsUrl } : {}),
        ...(input.output ? { output: input.output } : {}),
        ...(input.actions ? { actions: input.actions } : {}),
      };
      // A finished run is not reopened: a new attempt is a new run, as a CI re-run is.
      const run = existing && existing.status !== 'completed' ? await this.world.updateCheckRun(repo, existing, appId, fields) : await this.world.createCheckRun(repo, appId, { name: input.name, headSha: sha, ...fields });
      return { id: run.id, headSha: sha };
    });
  }

  /** A person clicks one of a check run's action buttons (GitHub tells only the app that owns the run). */
  async pressCheckRunAction(owner: string, name: string, checkRunId: number, identifier: string, options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    const run = repo.checkRuns.find((r) => r.id === checkRunId);
    if (!run) throw new ApiError(404, 'Not Found');
    await this.act(() => this.world.requestCheckRunAction(repo, run, this.actor(repo, options), identifier));
  }

  async setStatus(owner: string, name: string, input: { ref: string; context: string; state: 'error' | 'failure' | 'pending' | 'success'; description?: string; targetUrl?: string } & As): Promise<{ id: number; sha: string }> {
    const repo = this.repo(owner, name);
    return this.act(async () => {
      const sha = await repo.git.resolveCommit(input.ref);
      if (!sha) throw new ApiError(422, `No commit found for SHA: ${input.ref}`);
      const status = await this.world.createStatus(repo, this.actor(repo, input), sha, input);
      return { id: status.id, sha };
    });
  }

  async merge(owner: string, name: string, number: number, options?: As & { method?: MergeMethod; sha?: string }): Promise<{ sha: string }> {
    const repo = this.repo(owner, name);
    return this.act(() => this.world.mergePull(repo, this.world.requirePull(repo, number), this.actor(repo, options), { method: options?.method, sha: options?.sha }));
  }

  async closePullRequest(owner: string, name: string, number: number, options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.updatePull(repo, this.world.requirePull(repo, number), this.actor(repo, options), { state: 'closed' }));
  }

  async reopenPullRequest(owner: string, name: string, number: number, options?: As): Promise<void> {
    const repo = this.repo(owner, name);
    await this.act(() => this.world.updatePull(repo, this.world.requirePull(repo, number), this.actor(repo, options), { state: 'open' }));
  }

  /** Every installation token stops working now, as they do after an hour. */
  expireInstallationTokens(): void {
    this.auth.expireInstallationTokens();
  }

  /** Every caller's remaining requests (0 to exercise rate-limit handling; undefined to reset). */
  setRateLimitRemaining(remaining: number | undefined): void {
    this.rateLimits.setRemaining(remaining);
  }

  // ---- control over HTTP -----------------------------------------------------------------

  private mountControl(router: express.Router): void {
    const send = (res: express.Response, work: () => unknown) => {
      Promise.resolve()
        .then(work)
        .then(
          (result) => res.status(200).json({ result: result ?? null }),
          (error: unknown) => {
            const status = error instanceof ApiError ? error.status : 400;
            res.status(status).json({ error: error instanceof Error ? error.message : String(error), ...(error instanceof ApiError ? { body: error.body() } : {}) });
          },
        );
    };
    router.post('/call/:method', (req, res) => {
      const method = String(req.params.method);
      if (!(SCENARIO_METHODS as readonly string[]).includes(method)) return void res.status(404).json({ error: `No scenario method ${method}` });
      const args = Array.isArray((req.body as { args?: unknown })?.args) ? (req.body as { args: unknown[] }).args : [];
      send(res, () => (this[method as ScenarioMethod] as (...a: unknown[]) => unknown).apply(this, args));
    });
    router.post('/repos/:owner/:repo/sync', (req, res) =>
      send(res, () => this.syncRefs(String(req.params.owner), String(req.params.repo), typeof req.query.as === 'string' && req.query.as ? { as: req.query.as } : undefined)),
    );
    router.get('/deliveries', (req, res) => {
      const list = this.deliveries.list({ event: req.query.event as string | undefined, action: req.query.action as string | undefined });
      res.json(list.map(({ body: _body, ...rest }) => rest));
    });
    router.post('/deliveries/idle', (_req, res) => send(res, () => this.deliveries.idle()));
    router.post('/deliveries/:id/redeliver', (req, res) =>
      send(res, async () => {
        const record = this.deliveries.redeliver(Number(req.params.id));
        await this.deliveries.settled(record);
        const { body: _body, ...rest } = record;
        return rest;
      }),
    );
    router.get('/requests', (_req, res) => res.json(this.routeRecorder.entries));
  }
}

export function startGitHubSimulator(options: GitHubSimulatorOptions = {}): Promise<GitHubSimulator> {
  return GitHubSimulator.start(options);
}
