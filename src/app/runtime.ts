import type { Logger } from 'pino';
import { COMMANDS } from '../commands/index.js';
import { bindSlash, mayRun, slashHelp, slashPermission, type SlashContext } from '../commands/slash.js';
import type { CommandContext } from '../commands/types.js';
import { knownAgentNames } from '../agents/index.js';
import type { Config, ProjectConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { derivePrefix, PROJECT_NAME_PATTERN } from '../core/names.js';
import { applyRepoConfig, parseRepoConfig, REPO_CONFIG_PATH, triggerLabel } from '../core/repo-config.js';
import { isCheckAction, sessionCheckRun } from '../core/check-run.js';
import { parseSlashComment } from '../core/slash.js';
import { renderStatusComment, STATUS_MARKER, type StatusCommentNote } from '../core/status-comment.js';
import { intentsFor, type Intent, type SessionMatch } from '../core/triggers.js';
import type { GitHubPort, RepoPermission, RepoRef } from '../github/port.js';
import type { ProjectControl } from '../core/control.js';
import { spawnForIssue } from '../lifecycle/issue.js';
import type { HostPool } from '../hosts/pool.js';
import { reconcileLoop, reconcileOnce, type ReconcileResult } from '../lifecycle/reconcile.js';
import { redactSecrets } from '../log.js';
import type { Notification } from '../sessions/apply.js';
import type { InstallationTokenCredentials } from '../sessions/credentials.js';
import { Orchestrator } from '../sessions/orchestrator.js';
import type { SessionView } from '../sessions/view.js';
import { KeyedQueue, SeenSet } from './queue.js';

/**
 * The app's behaviour, apart from Probot: webhooks in, the core's
 * operations out. `accept` answers at once (a webhook is acknowledged
 * within a second); the work goes to a queue per issue or session, so one
 * session's events are handled in order and others go on meanwhile. The
 * reconcile loop runs beside it and catches whatever a missed webhook left.
 *
 * Nothing here decides: intents come from core/triggers, commands from the
 * registry (commands/slash), statuses and reactions from the lifecycle
 * engine, the comment from core/status-comment.
 */

export interface AppGitHub {
  /** GitHub as the app's installations see it, routed by repo. */
  port: GitHubPort;
  botLogin(): Promise<string>;
  /** The repo's `.github/agent-orchestrator.yml` (null: none), from its default branch. */
  repoConfig(repo: RepoRef): Promise<unknown>;
  remember?(owner: string, installationId: number): void;
}

export interface AppRuntimeOptions {
  config: Config;
  pool: HostPool;
  github: AppGitHub;
  log: Logger;
  /** Seconds between reconcile cycles (default: app.reconcileIntervalSec, then defaults.reconcileIntervalSec). */
  intervalSec?: number;
  /** Milliseconds a status comment waits for more changes before it is written (default 500). */
  commentDelayMs?: number;
  /** How agents reach GitHub: the installation's token, on the hosts, refreshed before it expires. */
  credentials?: InstallationTokenCredentials;
}

export interface AcceptResult {
  /** False for a delivery already seen (GitHub's redelivery): nothing is done twice. */
  accepted: boolean;
  key?: string;
}

const WRITERS: ReadonlySet<RepoPermission> = new Set(['write', 'maintain', 'admin']);
const NOTES_KEPT = 8;

type CommentTarget = { repo: string; number: number };

export class AppRuntime {
  readonly orch: Orchestrator;
  readonly queue: KeyedQueue;
  private readonly deliveries = new SeenSet();
  private readonly views = new Map<string, SessionView>();
  private readonly notes = new Map<string, StatusCommentNote[]>();
  private readonly notesLoaded = new Set<string>();
  private readonly problems = new Map<string, string>();
  private readonly published = new Map<string, string>();
  private readonly checks = new Map<string, string>();
  private readonly commentTimers = new Map<string, NodeJS.Timeout>();
  private readonly repoConfigs = new Map<string, { at: number; project: ProjectConfig | undefined; problem?: string }>();
  private readonly baseProjects = new Map<string, ProjectConfig>();
  private readonly waitingReconciles = new Map<string, Promise<void>>();
  /** Each project's switches as last seen (pause-all, queued spawns): shown in its comments. */
  private readonly controls = new Map<string, ProjectControl>();
  /** Issues whose spawn waits for a slot: what their comment says about it. */
  private readonly queued = new Map<string, string>();
  private waitingCycle: Promise<void> | undefined;
  private loop: AbortController | undefined;
  private refreshing: { stop(): void } | undefined;
  private looping: Promise<void> | undefined;
  private stopped = false;
  readonly stats = { webhooks: 0, duplicates: 0, ignored: 0, commands: 0, spawns: 0, reconciles: 0, comments: 0, failures: 0 };

  constructor(private readonly options: AppRuntimeOptions) {
    this.orch = new Orchestrator(options.config, options.pool, { actor: 'github:app', log: options.log, github: async () => options.github.port, ...(options.credentials ? { credentials: options.credentials } : {}) });
    this.queue = new KeyedQueue((key, error) => {
      this.stats.failures++;
      options.log.error({ key, err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, `work for ${key} failed`);
    });
    for (const project of options.config.projects) this.baseProjects.set(project.repo.toLowerCase(), project);
  }

  private get log(): Logger {
    return this.options.log;
  }

  // ---- webhooks ------------------------------------------------------------------------

  /**
   * Take a verified webhook. Returns at once; the work is queued. Never
   * throws: a payload it cannot make sense of is logged and dropped.
   */
  accept(name: string, deliveryId: string, payload: unknown): AcceptResult {
    this.stats.webhooks++;
    if (this.stopped) return { accepted: false };
    if (deliveryId && !this.deliveries.add(deliveryId)) {
      this.stats.duplicates++;
      this.log.info({ deliveryId, event: name }, 'webhook delivered again: already handled');
      return { accepted: false };
    }
    try {
      const repo = typeof payload === 'object' && payload ? ((payload as { repository?: { full_name?: unknown } }).repository?.full_name as string | undefined) : undefined;
      const installation = (payload as { installation?: { id?: unknown } } | undefined)?.installation?.id;
      if (repo && typeof installation === 'number') this.options.github.remember?.(repo.split('/')[0]!, installation);
      const key = queueKey(name, payload);
      void this.queue.run(key, () => this.process(name, deliveryId, payload));
      return { accepted: true, key };
    } catch (error) {
      this.log.warn({ deliveryId, event: name, err: String(error) }, 'webhook not understood; acknowledged and dropped');
      return { accepted: false };
    }
  }

  private async process(name: string, deliveryId: string, payload: unknown): Promise<void> {
    const repo = (payload as { repository?: { full_name?: string } } | undefined)?.repository?.full_name;
    // A push to the default branch may change the repo's config: read it again next time.
    const defaultBranch = (payload as { repository?: { default_branch?: string } } | undefined)?.repository?.default_branch;
    if (name === 'push' && repo && (payload as { ref?: string }).ref === `refs/heads/${defaultBranch}`) this.repoConfigs.delete(repo.toLowerCase());
    const project = repo ? await this.projectFor(repo, payload) : undefined;
    const botLogin = await this.options.github.botLogin();
    const intents = intentsFor(name, payload, { botLogin, triggerLabel: () => (project ? triggerLabel(project, this.options.config) : this.options.config.app.triggerLabel) });
    for (const intent of intents) {
      if (intent.kind === 'ignore') {
        this.stats.ignored++;
        this.log.debug({ deliveryId, event: name, why: intent.why }, 'webhook ignored');
        continue;
      }
      if (!project) {
        this.log.info({ deliveryId, event: name, repo }, `webhook for ${repo ?? 'an unknown repo'}, which is not a project of this deployment (app.repos: ${this.options.config.app.repos})`);
        continue;
      }
      this.log.info({ deliveryId, event: name, intent: intent.kind, why: intent.why }, `webhook: ${intent.kind}`);
      await this.act(intent, project);
    }
  }

  private async act(intent: Exclude<Intent, { kind: 'ignore' }>, project: ProjectConfig): Promise<void> {
    const repo = refOf(project.repo);
    switch (intent.kind) {
      case 'spawn':
        return this.spawnForIssue(project, intent.issue, intent.actor);
      case 'reconcile':
        for (const id of await this.matchSessions(project, intent.match)) void this.requestReconcile(id);
        return;
      case 'command':
        return this.runComment(project, repo, intent);
      case 'check_action':
        return this.checkAction(project, repo, intent);
    }
  }

  // ---- projects and repo config ----------------------------------------------------------

  /** The project for a repo, shaped by its `.github/agent-orchestrator.yml` (read at most once a minute). */
  async projectFor(repo: string, payload?: unknown): Promise<ProjectConfig | undefined> {
    const key = repo.toLowerCase();
    const cached = this.repoConfigs.get(key);
    if (cached && Date.now() - cached.at < 60_000) return cached.project;
    let base = this.baseProjects.get(key);
    const cloneUrl = (payload as { repository?: { clone_url?: string } } | undefined)?.repository?.clone_url;
    if (!base && this.options.config.app.repos === 'any') base = this.implicitProject(repo, cloneUrl);
    if (!base) return undefined;
    // The deployment did not say where to clone from: GitHub's own answer works on GHES and the simulator too.
    if (base.urlDefaulted && cloneUrl && base.url !== cloneUrl) base = { ...base, url: cloneUrl };
    let project = base;
    let problem: string | undefined;
    try {
      const raw = await this.options.github.repoConfig(refOf(repo));
      const parsed = parseRepoConfig(raw, knownAgentNames());
      if (parsed.ok) {
        const applied = applyRepoConfig(base, parsed.config, this.options.config);
        project = applied.project;
        for (const note of applied.notes) this.log.warn({ repo }, note);
      } else {
        problem = `\`${REPO_CONFIG_PATH}\` is not valid, so the deployment's settings are used:\n${parsed.problems.map((p) => `- ${p}`).join('\n')}`;
      }
    } catch (error) {
      problem = `\`${REPO_CONFIG_PATH}\` could not be read (${error instanceof Error ? error.message : String(error)}), so the deployment's settings are used`;
    }
    if (problem) this.log.warn({ repo }, problem);
    this.install(project);
    this.repoConfigs.set(key, { at: Date.now(), project, problem });
    return project;
  }

  /** Put a project (as its repo config shapes it) where every operation finds it. */
  private install(project: ProjectConfig): void {
    const projects = this.options.config.projects;
    const index = projects.findIndex((p) => p.repo.toLowerCase() === project.repo.toLowerCase());
    if (index >= 0) projects[index] = project;
    else projects.push(project);
  }

  private implicitProject(repo: string, cloneUrl: string | undefined): ProjectConfig | undefined {
    const [owner = '', name = ''] = repo.split('/');
    const taken = new Set(this.options.config.projects.map((p) => p.name));
    const candidates = [name, `${owner}-${name}`].filter((n) => PROJECT_NAME_PATTERN.test(n) && !taken.has(n));
    const projectName = candidates[0];
    if (!projectName) return undefined;
    const prefixes = new Set(this.options.config.projects.map((p) => p.prefix));
    let prefix = derivePrefix(projectName);
    for (let i = 2; prefixes.has(prefix); i++) prefix = `${derivePrefix(projectName).slice(0, 10)}${i}`;
    const d = this.options.config.defaults;
    const project: ProjectConfig = {
      repo,
      name: projectName,
      prefix,
      url: cloneUrl ?? `https://github.com/${repo}.git`,
      urlDefaulted: !cloneUrl,
      baseBranch: 'main',
      agent: d.agent,
      postCreate: [],
      hostLabels: [],
      disposable: d.disposable,
    };
    this.baseProjects.set(repo.toLowerCase(), project);
    return project;
  }

  // ---- spawning ------------------------------------------------------------------------

  private async spawnForIssue(project: ProjectConfig, issueNumber: number, actor: string): Promise<void> {
    const repo = refOf(project.repo);
    const target = { repo: project.repo, number: issueNumber };
    const key = targetKey(target);
    const port = this.options.github.port;
    const problem = this.repoConfigs.get(project.repo.toLowerCase())?.problem;
    if (problem) this.problems.set(key, problem);
    else this.problems.delete(key);
    const permission = await port.collaboratorPermission(repo, actor);
    if (!WRITERS.has(permission)) {
      this.problems.set(key, `@${actor} asked for an agent, but starting one needs write access to the repository (they have ${permission}); nothing was started.`);
      this.scheduleComment(target, 0);
      return;
    }
    // One spawn of a project at a time: the cap counts sessions, and two at once would both see a free slot.
    await this.queue.run(`spawn:${project.name}`, async () => {
      try {
        this.stats.spawns++;
        // The issue's text reaches the agent only as far as its author may write (lifecycle/issue.ts).
        const outcome = await spawnForIssue(this.orch.withActor(`github:${actor}`), project.name, issueNumber, actor);
        if ('started' in outcome) {
          this.queued.delete(key);
          const result = outcome.started;
          this.log.info({ session: result.id, host: result.host, issue: issueNumber, existing: result.existing }, result.existing ? 'issue already has a session' : 'spawned');
          await this.reconcile({ session: result.id });
        } else if ('queued' in outcome) {
          this.queued.set(key, `Queued (position ${outcome.queued}): ${outcome.reason}. The agent starts when that changes.`);
          this.log.info({ issue: issueNumber, position: outcome.queued }, `spawn queued: ${outcome.reason}`);
          await this.refreshControl(project.name);
          this.scheduleComment(target, 0);
          // A slot may be free already (queued behind others, or after a restart): a full cycle starts the queue's head.
          void this.requestCycle();
        } else {
          this.problems.set(key, `Could not start an agent: ${outcome.refused}`);
          this.scheduleComment(target, 0);
        }
      } catch (error) {
        this.problems.set(key, `Could not start an agent: ${describeError(error)}`);
        this.scheduleComment(target, 0);
        throw error;
      }
    });
  }

  /** Read a project's switches again and redraw its comments when they changed. */
  private async refreshControl(project: string): Promise<void> {
    const { projectControl } = await import('../sessions/control.js');
    this.noteControls({ [project]: await projectControl(this.orch, project) });
  }

  private noteControls(controls: Record<string, ProjectControl>): void {
    for (const [project, control] of Object.entries(controls)) {
      const before = this.controls.get(project);
      this.controls.set(project, control);
      const queuedIssues = new Set(control.queue.map((q) => q.issue));
      const repo = this.repoOf(project);
      if (!repo) continue;
      // A spawn that left the queue (started, or dropped) no longer says it waits.
      for (const key of [...this.queued.keys()]) {
        const [r, n] = key.split('#');
        if (r === repo.toLowerCase() && !queuedIssues.has(Number(n))) {
          this.queued.delete(key);
          this.scheduleComment({ repo, number: Number(n) });
        }
      }
      if (Boolean(before?.paused) !== Boolean(control.paused)) {
        // The banner is on every comment of the project's sessions.
        for (const v of this.views.values()) {
          if (v.project !== project) continue;
          if (v.issue) this.scheduleComment({ repo: v.repo, number: v.issue });
          if (v.prNumber) this.scheduleComment({ repo: v.repo, number: v.prNumber });
        }
      }
    }
  }

  /**
   * A full cycle soon: queued spawns start only in one (it counts every live
   * session of the project). Asked for when a slot may have freed or a
   * pause was lifted; requests while one waits join it.
   */
  requestCycle(): Promise<void> {
    if (this.waitingCycle) return this.waitingCycle;
    const run = this.queue.run('cycle', async () => {
      this.waitingCycle = undefined;
      await this.reconcile();
    });
    this.waitingCycle = run;
    return run;
  }

  private repoOf(project: string): string | undefined {
    return this.options.config.projects.find((p) => p.name === project)?.repo;
  }

  private hasQueue(project: string): boolean {
    return (this.controls.get(project)?.queue.length ?? 0) > 0;
  }

  // ---- slash commands ------------------------------------------------------------------

  private async runComment(project: ProjectConfig, repo: RepoRef, intent: Extract<Intent, { kind: 'command' }>): Promise<void> {
    if (intent.actorIsBot && !this.options.config.app.bots.some((b) => b.toLowerCase() === intent.actor.toLowerCase())) {
      this.log.info({ actor: intent.actor, comment: intent.commentId }, 'slash command from a bot that is not allowed (app.bots); ignored');
      return;
    }
    const takesText = (verb: string) => Boolean(COMMANDS.find((c) => c.name === verb)?.slash?.text);
    const parsed = parseSlashComment(intent.body, { takesText });
    if (parsed.invocations.length === 0 && parsed.errors.length === 0) return;
    const port = this.options.github.port;
    // The 👀 is the receipt and the claim: only the copy of the app that creates it runs the comment, and only once.
    const { created } = await port.addReaction(repo, intent.commentId, 'eyes');
    if (!created) {
      this.log.info({ comment: intent.commentId }, 'comment already taken (another copy of the app, or before a restart); not run again');
      return;
    }
    this.stats.commands++;
    const permission = await port.collaboratorPermission(repo, intent.actor);
    const context = await this.slashContext(project, intent);
    const replies: string[] = parsed.errors.map((e) => `❓ line ${e.lineNumber}: ${e.message}`);
    const touched = new Set<string>();
    let switched = false;
    for (const invocation of parsed.invocations) {
      const label = `\`/ao ${invocation.verb}\``;
      if (invocation.verb === 'help') {
        replies.push(slashHelp(COMMANDS));
        continue;
      }
      let binding;
      try {
        binding = bindSlash(COMMANDS, invocation, context);
      } catch (error) {
        replies.push(`❓ ${label}: ${describeError(error)}`);
        continue;
      }
      if (!mayRun(permission, binding.command)) {
        replies.push(`🙅 ${label}: sorry @${intent.actor}, this needs ${slashPermission(binding.command)} access to the repository and you have ${permission}; nothing was done.`);
        continue;
      }
      try {
        const result = await binding.command.run(this.commandContext(`github:${intent.actor}`), binding.input as never);
        const text = result === undefined ? 'done' : binding.command.render(result as never).trimEnd();
        replies.push(`✅ ${label}\n\n${fence(redactSecrets(text))}`);
        if (typeof binding.input.session === 'string') touched.add(binding.input.session);
        const spawned = (result as { id?: unknown } | undefined)?.id;
        if ((binding.command.name === 'spawn' || binding.command.name === 'claim') && typeof spawned === 'string') touched.add(spawned);
        if (binding.command.name === 'pause-all' || binding.command.name === 'resume-all' || (binding.command.name === 'kill' && this.hasQueue(project.name))) switched = true;
      } catch (error) {
        replies.push(`❌ ${label}: ${describeError(error)}`);
      }
    }
    if (replies.length > 0) await port.comment(repo, intent.issue, `@${intent.actor}\n\n${replies.join('\n\n')}`);
    for (const id of touched) void this.requestReconcile(id);
    if (switched) {
      await this.refreshControl(project.name);
      void this.requestCycle();
    }
  }

  private async slashContext(project: ProjectConfig, intent: Extract<Intent, { kind: 'command' }>): Promise<SlashContext> {
    const context: SlashContext = { project: project.name };
    if (!intent.isPullRequest) context.issue = intent.issue;
    else context.pr = intent.issue;
    const match: SessionMatch = intent.isPullRequest ? { prNumbers: [intent.issue] } : { issue: intent.issue };
    const ids = await this.matchSessions(project, match, { live: true });
    if (ids.length > 0) context.session = ids[ids.length - 1];
    return context;
  }

  private commandContext(actor: string): CommandContext {
    const orch = this.orch.withActor(actor);
    return {
      orchestrator: async () => orch,
      config: async () => this.options.config,
      pool: async () => this.options.pool,
      json: true,
      emit: () => undefined,
      signal: new AbortController().signal,
    };
  }

  // ---- check runs ----------------------------------------------------------------------

  /** A button on a session's check run: the same operation and permission rule as the slash command. */
  private async checkAction(project: ProjectConfig, repo: RepoRef, intent: Extract<Intent, { kind: 'check_action' }>): Promise<void> {
    const id = intent.externalId;
    const command = intent.action === 'stop' ? COMMANDS.find((c) => c.name === 'kill') : intent.action === 'restore' ? COMMANDS.find((c) => c.name === 'restore') : undefined;
    if (!command || !isCheckAction(intent.action) || !id) {
      this.log.warn({ action: intent.action, checkRun: intent.checkRunId }, 'unknown check run action; ignored');
      return;
    }
    const known = (await this.matchSessions(project, { sessions: [id] })).includes(id);
    if (!known) {
      this.log.warn({ session: id, checkRun: intent.checkRunId }, 'check run action for a session this project does not have; ignored');
      return;
    }
    const permission = await this.options.github.port.collaboratorPermission(repo, intent.actor);
    if (!mayRun(permission, command)) {
      this.log.warn({ session: id, actor: intent.actor, permission }, `${intent.action} pressed by ${intent.actor} without ${slashPermission(command)} access; nothing done`);
      return;
    }
    this.log.info({ session: id, actor: intent.actor }, `${intent.action} pressed on the check run`);
    await this.queue.run(`session:${id}`, async () => {
      await command.run(this.commandContext(`github:${intent.actor}`), { session: id } as never);
    });
    void this.requestReconcile(id);
    if (intent.action === 'stop' && this.hasQueue(project.name)) void this.requestCycle();
  }

  /** The session's check run on its PR head, written when what it shows changed. */
  private async publishCheck(view: SessionView): Promise<void> {
    if (!view.prNumber || !view.headSha) return;
    const run = sessionCheckRun(view);
    const key = `${view.id}\0${view.headSha}`;
    const shown = JSON.stringify(run);
    if (this.checks.get(key) === shown) return;
    await this.options.github.port.upsertCheckRun(refOf(view.repo), { headSha: view.headSha, ...run });
    this.checks.set(key, shown);
  }

  // ---- sessions and reconcile ----------------------------------------------------------

  /** Sessions of a project that a webhook concerns: first from what the last look saw, else from the hosts' records. */
  private async matchSessions(project: ProjectConfig, match: SessionMatch, options: { live?: boolean } = {}): Promise<string[]> {
    const fits = (s: { id: string; project: string; branch: string; prNumber?: number | null; issue?: number | null; status: string }) =>
      s.project === project.name &&
      (!options.live || s.status !== 'killed') &&
      (Boolean(match.sessions?.includes(s.id)) ||
        Boolean(match.branches?.includes(s.branch)) || Boolean(s.prNumber && match.prNumbers?.includes(s.prNumber)) || (match.issue !== undefined && s.issue === match.issue));
    const known = [...this.views.values()].filter(fits).map((v) => v.id);
    if (known.length > 0) return known;
    const snapshots = await Promise.all(this.options.pool.names().map((host) => this.orch.store(host).readAll().catch(() => undefined)));
    const ids: string[] = [];
    for (const snapshot of snapshots) {
      for (const stored of snapshot?.sessions ?? []) {
        const m = stored.meta;
        if (fits({ id: stored.id, project: stored.project, branch: m.branch ?? '', prNumber: m.prNumber ? Number(m.prNumber) : null, issue: m.issue ? Number(m.issue) : null, status: m.status ?? '' })) ids.push(stored.id);
      }
    }
    return ids.sort((a, b) => Number(a.slice(a.lastIndexOf('-') + 1)) - Number(b.slice(b.lastIndexOf('-') + 1)));
  }

  /**
   * Reconcile a session soon, in its queue. A burst of webhooks about one
   * session (a review with ten comments, a check suite) needs one look, not
   * ten: a request while one is already waiting joins it.
   */
  requestReconcile(id: string): Promise<void> {
    const waiting = this.waitingReconciles.get(id);
    if (waiting) return waiting;
    const run = this.queue.run(`session:${id}`, async () => {
      this.waitingReconciles.delete(id);
      // Only the session's host is looked at when the last look knows where it lives.
      const host = this.views.get(id)?.host;
      await this.reconcile({ session: id, ...(host ? { host } : {}) });
    });
    this.waitingReconciles.set(id, run);
    return run;
  }

  /** One reconcile (a session's, or a whole cycle), then the status comments it changed. */
  async reconcile(options: { session?: string; host?: string } = {}): Promise<ReconcileResult> {
    this.stats.reconciles++;
    const notifications: Notification[] = [];
    const result = await reconcileOnce(this.orch, { ...options, notify: (n) => notifications.push(n) });
    if (options.session) this.log.info({ session: options.session, timings: result.timings, actions: result.actions.map((a) => a.description) }, `reconciled ${options.session}`);
    this.absorb(result, notifications);
    return result;
  }

  private absorb(result: ReconcileResult, notifications: readonly Notification[]): void {
    const changed = new Set<string>();
    if (result.controls) this.noteControls(result.controls);
    for (const a of result.actions) {
      if (!a.spawned) continue;
      const repo = this.repoOf(a.spawned.project);
      if (repo) this.queued.delete(targetKey({ repo, number: a.spawned.issue }));
      void this.requestReconcile(a.spawned.id);
    }
    let freed = false;
    for (const n of notifications) {
      // A queued spawn that could not start is told on its issue (it has no session to be a note of).
      const queuedIssue = /^(.+)#(\d+)$/.exec(n.session);
      if (queuedIssue) {
        const repo = this.repoOf(queuedIssue[1]!);
        if (repo) {
          const target = { repo, number: Number(queuedIssue[2]) };
          this.queued.delete(targetKey(target));
          this.problems.set(targetKey(target), `Could not start the queued agent: ${n.text}`);
          this.scheduleComment(target, 0);
        }
        continue;
      }
      const list = this.notes.get(n.session) ?? [];
      list.push({ session: n.session, reaction: n.reaction, text: n.text, at: new Date().toISOString() });
      this.notes.set(n.session, list.slice(-NOTES_KEPT));
      changed.add(n.session);
    }
    for (const view of result.sessions) {
      const before = this.views.get(view.id);
      this.views.set(view.id, view);
      const ended = (v: SessionView | undefined) => v?.status === 'killed' || v?.status === 'merged';
      if (before && !ended(before) && ended(view) && this.hasQueue(view.project)) freed = true;
      if (!before || commentFacts(before) !== commentFacts(view)) changed.add(view.id);
    }
    for (const id of changed) {
      const view = this.views.get(id);
      if (!view) continue;
      if (view.prNumber && view.headSha) void this.queue.run(`check:${id}`, () => this.publishCheck(this.views.get(id) ?? view));
      if (view.issue) this.scheduleComment({ repo: view.repo, number: view.issue });
      if (view.prNumber) this.scheduleComment({ repo: view.repo, number: view.prNumber });
    }
    // A slot freed while spawns wait: a look at one session cannot start them, a full cycle does.
    if (freed && !result.actions.some((a) => a.kind === 'spawn')) void this.requestCycle();
  }

  // ---- status comments -----------------------------------------------------------------

  /** Write a target's status comment soon: changes that come meanwhile are coalesced into one edit. */
  private scheduleComment(target: CommentTarget, delayMs = this.options.commentDelayMs ?? 500): void {
    const key = targetKey(target);
    if (this.commentTimers.has(key)) return;
    const timer = setTimeout(() => {
      this.commentTimers.delete(key);
      void this.queue.run(`comment:${key}`, () => this.publish(target));
    }, delayMs);
    this.commentTimers.set(key, timer);
  }

  private async publish(target: CommentTarget): Promise<void> {
    const key = targetKey(target);
    const sessions = [...this.views.values()]
      .filter((v) => v.repo.toLowerCase() === target.repo.toLowerCase() && (v.issue === target.number || v.prNumber === target.number))
      .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
    for (const s of sessions) await this.loadNotes(s);
    const problem = this.problems.get(key);
    const queued = this.queued.get(key);
    // Nothing to show is worth an edit only when the comment said something before (a queue left).
    if (sessions.length === 0 && !problem && !queued && !this.published.has(key)) return;
    const projectName = this.options.config.projects.find((p) => p.repo.toLowerCase() === target.repo.toLowerCase())?.name;
    const paused = projectName ? this.controls.get(projectName)?.paused : undefined;
    // The latest of each kind per session: the comment says what stands now, the event log keeps the history.
    const latest = new Map<string, StatusCommentNote>();
    for (const n of sessions.flatMap((s) => this.notes.get(s.id) ?? [])) {
      latest.delete(`${n.session}\0${n.reaction}`);
      latest.set(`${n.session}\0${n.reaction}`, n);
    }
    const body = renderStatusComment({
      sessions,
      notes: [...latest.values()].slice(-NOTES_KEPT),
      ...(problem ? { problem } : {}),
      ...(queued ? { queued } : {}),
      ...(paused ? { paused: `by @${paused.by.replace(/^github:/, '')}${paused.at ? ` since ${paused.at.slice(0, 16).replace('T', ' ')} UTC` : ''}` } : {}),
    });
    if (this.published.get(key) === body) return;
    await this.options.github.port.upsertComment(refOf(target.repo), target.number, STATUS_MARKER, body);
    this.stats.comments++;
    this.published.set(key, body);
  }

  /** The notifications a session had before this process started, from its event log (once). */
  private async loadNotes(view: SessionView): Promise<void> {
    if (this.notesLoaded.has(view.id)) return;
    this.notesLoaded.add(view.id);
    try {
      const events = await this.orch.store(view.host).readEvents(view.project, { session: view.id });
      const earlier = events
        .filter((e) => e.type === 'notified' && typeof e.text === 'string')
        .map((e) => ({ session: view.id, reaction: String(e.reaction ?? ''), text: String(e.text), at: e.at }));
      const now = this.notes.get(view.id) ?? [];
      const seen = new Set(now.map((n) => `${n.reaction}\0${n.text}`));
      this.notes.set(view.id, [...earlier.filter((n) => !seen.has(`${n.reaction}\0${n.text}`)), ...now].slice(-NOTES_KEPT));
    } catch (error) {
      this.log.debug({ session: view.id, err: String(error) }, 'could not read earlier notifications');
    }
  }

  // ---- the loop ------------------------------------------------------------------------

  start(): void {
    if (this.loop) return;
    this.loop = new AbortController();
    const intervalSec = this.options.intervalSec ?? this.options.config.app.reconcileIntervalSec ?? this.options.config.defaults.reconcileIntervalSec;
    this.looping = reconcileLoop(this.orch, {
      intervalSec,
      signal: this.loop.signal,
      notify: () => undefined,
      onCycle: (result) => this.absorb(result, result.notifications),
      onError: (error) => this.log.error({ err: String(error) }, 'reconcile cycle failed'),
    });
    this.refreshing = this.options.credentials?.startRefreshing(this.orch);
  }

  /** Views as the last look saw them (for /sessions). */
  sessions(): SessionView[] {
    return [...this.views.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Resolves when all work taken so far is done (tests, graceful stop). */
  async idle(): Promise<void> {
    for (;;) {
      await this.queue.idle();
      if (this.commentTimers.size === 0 && this.queue.size === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.refreshing?.stop();
    this.loop?.abort();
    await this.looping;
    await this.idle();
    await this.options.pool.close();
  }
}

function refOf(repo: string): RepoRef {
  const [owner = '', name = ''] = repo.split('/');
  return { owner, repo: name };
}

function targetKey(target: CommentTarget): string {
  return `${target.repo.toLowerCase()}#${target.number}`;
}

/** What the status comment shows of a session: a change here is worth an edit. */
function commentFacts(v: SessionView): string {
  return JSON.stringify([v.status, v.statusReason, v.activity, v.prNumber, v.headSha, v.ci, v.review, v.unresolvedThreads, v.hostReachable, v.question]);
}

/** Which queue a webhook's work goes to: the issue or PR it is about, so its events are handled in order. */
function queueKey(name: string, payload: unknown): string {
  const p = payload as { repository?: { full_name?: string }; issue?: { number?: number }; pull_request?: { number?: number } } | undefined;
  const repo = p?.repository?.full_name ?? '?';
  const number = p?.issue?.number ?? p?.pull_request?.number;
  return number ? `${repo}#${number}` : `${repo}:${name}`;
}

function describeError(error: unknown): string {
  if (error instanceof AoError) return `${error.message}${error.hint ? ` (${error.hint})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}\n${text}\n${f}`;
}
