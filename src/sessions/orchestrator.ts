import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { listAdapters } from '../agents/index.js';
import { AGENT_STATE_PROBE } from '../agents/hooks.js';
import { type Config, type ProjectConfig, findProject } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { absolutePaths, deploymentName, type HostPaths } from '../core/layout.js';
import { TERMINAL_STATUSES } from '../core/model.js';
import { instanceHash, parseSessionId } from '../core/names.js';
import type { SessionRecord } from '../core/record.js';
import type { GitHubPort } from '../github/port.js';
import type { AgentCredentials, PreparedCredentials } from './credentials.js';
import type { HostPool } from '../hosts/pool.js';
import { takeSnapshot, type HostSnapshot } from '../hosts/snapshot.js';
import type { SessionStore } from '../hosts/store.js';
import { TmuxRuntime } from '../hosts/tmux.js';
import { Workspace } from '../hosts/workspace.js';
import { createLogger } from '../log.js';

export type { HostSnapshot } from '../hosts/snapshot.js';

/** A step of a long operation, for progress lines and (later) status comments. */
export interface ProgressEvent {
  session?: string;
  step: string;
  message: string;
}

export interface OrchestratorOptions {
  /** Who acts, as the surface knows it: `cli:<user>`, `github:<login>`, `action:<workflow>`. */
  actor: string;
  log?: Logger;
  progress?: (event: ProgressEvent) => void;
  /**
   * GitHub for this surface: the CLI and the Action make a port from the
   * environment's token, the app from its installation. Undefined (or a
   * factory that gives undefined): the GitHub columns stay as last recorded.
   */
  github?: () => Promise<GitHubPort | undefined>;
  /**
   * How agents reach GitHub: the app passes its installation tokens
   * (InstallationTokenCredentials); without it (the CLI) hosts use their own
   * git credentials.
   */
  credentials?: AgentCredentials;
}

export interface LocatedSession {
  host: string;
  project: ProjectConfig;
  record: SessionRecord;
}

export type SessionQuery = string | { id: string } | { project: string; issue: number } | { project: string; branch: string };

export const PANE_HISTORY_LINES = 40;

/**
 * The shared context of every operation: configuration, hosts, the acting
 * identity and where progress goes. Operations (spawn, send, kill...) are
 * functions that take it; it holds no decisions of its own.
 */
export class Orchestrator {
  readonly hash12: string;
  readonly log: Logger;
  readonly actor: string;
  private readonly roots = new Map<string, Promise<string>>();
  private port: Promise<GitHubPort | undefined> | undefined;

  constructor(
    readonly config: Config,
    readonly pool: HostPool,
    private readonly options: OrchestratorOptions,
  ) {
    this.hash12 = instanceHash(config.instance, config.dataDir);
    this.log = options.log ?? createLogger();
    this.actor = options.actor;
  }

  progress(event: ProgressEvent): void {
    this.options.progress?.(event);
  }

  /** The same deployment (config, hosts, GitHub) acting for someone else: the app runs each command as its author. */
  withActor(actor: string): Orchestrator {
    const other = new Orchestrator(this.config, this.pool, { ...this.options, actor });
    other.port = this.port;
    return other;
  }

  /** GitHub, when this surface has access (asked once per orchestrator). */
  github(): Promise<GitHubPort | undefined> {
    this.port ??= (this.options.github?.() ?? Promise.resolve(undefined)).catch((error: unknown) => {
      this.log.warn(`GitHub is not available: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    return this.port;
  }

  /**
   * A named point of an operation where the fault-injection tests stop it
   * (AO_FAULT_DIR and AO_FAULT_AT=point,...): it writes <point>.reached in
   * that directory and waits for <point>.go, while the test kills sshd or
   * this process. Without those variables it returns at once.
   */
  async fault(point: string): Promise<void> {
    const dir = process.env.AO_FAULT_DIR;
    if (!dir || !(process.env.AO_FAULT_AT ?? '').split(',').includes(point)) return;
    const file = (suffix: string) => path.join(dir, `${point.replace(/[^A-Za-z0-9-]/g, '_')}.${suffix}`);
    writeFileSync(file('reached'), String(process.pid));
    const deadline = Date.now() + 120_000;
    while (!existsSync(file('go')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /**
   * What a session of `project` on `host` needs to reach GitHub (spawn and
   * restore ask before the mirror is fetched): env for its tmux session and
   * the credential helper for its mirror. Nothing without credentials.
   */
  prepareCredentials(host: string, project: ProjectConfig): Promise<PreparedCredentials> {
    return this.options.credentials?.prepare(this, host, project) ?? Promise.resolve({ env: {} });
  }

  /** Agents the configuration names (records of other agents are still read, from their screens). */
  private get agentsInUse(): Set<string> {
    return new Set(this.config.projects.map((p) => p.agent));
  }

  /** This deployment's name in refs it writes to shared repositories (`<instance>-<hash12>`). */
  get deployment(): string {
    return deploymentName(this.config.instance, this.hash12);
  }

  get tmuxSocket(): string {
    return this.config.tmuxSocket ?? `ao-${this.hash12}`;
  }

  /** The tmux session name of a session: derived from its ID, never read from a record. */
  tmuxName(id: string): string {
    return `${this.hash12}-${id}`;
  }

  store(host: string): SessionStore {
    return this.pool.store(host);
  }

  runtime(host: string): TmuxRuntime {
    return new TmuxRuntime(this.pool.host(host), this.tmuxSocket);
  }

  workspace(host: string): Workspace {
    return new Workspace(this.pool.host(host));
  }

  project(nameOrRepo: string): ProjectConfig {
    return findProject(this.config, nameOrRepo);
  }

  /** Absolute paths on a host (its data root's `~` expanded there, asked once per process). */
  async paths(host: string): Promise<HostPaths> {
    let root = this.roots.get(host);
    if (!root) {
      root = this.store(host).absoluteRoot();
      root.catch(() => this.roots.delete(host));
      this.roots.set(host, root);
    }
    return absolutePaths(await root, this.config.instance);
  }

  /** One round trip: every record of this deployment on the host, every pane of ours, the agents' own logs. */
  async snapshot(host: string): Promise<HostSnapshot> {
    const snapshot = await takeSnapshot(host, this.pool.host(host), {
      dataDir: this.pool.dataDir(host),
      instance: this.config.instance,
      tmuxSocket: this.tmuxSocket,
      namePrefix: `${this.hash12}-`,
      historyLines: PANE_HISTORY_LINES,
      // Only the agents this deployment runs: a log probe costs its host a process. The hooks'
      // reports always: without any session that has them, they cost none.
      logProbes: [...listAdapters().flatMap((a) => (a.logProbe && this.agentsInUse.has(a.name) ? [{ name: a.name, script: a.logProbe.script }] : [])), AGENT_STATE_PROBE],
    });
    // Every surface shows these from the result (hosts[].error, warnings[]); the log keeps them for a server's operator.
    if (!snapshot.reachable) this.log.info({ host }, `host unreachable: ${snapshot.error}`);
    for (const warning of snapshot.warnings) this.log.info({ host, file: warning.file }, `skipping session record: ${warning.problem}`);
    return snapshot;
  }

  async snapshotAll(): Promise<HostSnapshot[]> {
    return Promise.all(this.pool.names().map((h) => this.snapshot(h)));
  }

  /**
   * Find a session by ID (validated first, so malformed input never reaches
   * a host), or the live session of an issue or a branch.
   */
  async locate(query: SessionQuery, snapshots?: HostSnapshot[]): Promise<LocatedSession & { snapshot: HostSnapshot }> {
    const q = typeof query === 'string' ? { id: query } : query;
    if ('id' in q && !parseSessionId(q.id)) {
      throw new AoError('usage', `malformed session ID ${JSON.stringify(q.id)}`, 'session IDs look like "app-1": the project prefix, a dash and a number');
    }
    const projectName = 'project' in q ? this.project(q.project).name : undefined;
    const all = snapshots ?? (await this.snapshotAll());
    const matches = (r: SessionRecord) => {
      if ('id' in q) return r.id === q.id;
      if (r.project !== projectName || TERMINAL_STATUSES.has(r.status)) return false;
      return 'issue' in q ? r.issue === q.issue : r.branch === q.branch;
    };
    for (const snapshot of all) {
      const found = snapshot.records.find((s) => matches(s.record));
      if (found) {
        const project = this.config.projects.find((p) => p.name === found.project);
        if (!project) throw new AoError('not_found', `session ${found.id} belongs to project "${found.project}", which is not in the configuration`, 'add the project back to the config to manage this session');
        return { host: snapshot.host, project, record: found.record, snapshot };
      }
    }
    // A record that is there but does not parse is not "no session": say so, and where.
    if ('id' in q) {
      for (const snapshot of all) {
        const bad = snapshot.warnings.find((w) => w.file.endsWith(`/sessions/${q.id}`));
        if (bad) {
          throw new AoError('failed', `the record of session ${q.id} on host "${snapshot.host}" is unreadable (${bad.problem}); it was left untouched`, `fix or remove ${this.pool.dataDir(snapshot.host)}/${this.config.instance}/${bad.file} by hand`, { reason: 'corrupt_record' });
        }
      }
    }
    const down = all.filter((s) => !s.reachable).map((s) => s.host);
    const what = 'id' in q ? `session ${q.id}` : 'issue' in q ? `live session for issue #${q.issue} of ${projectName}` : `live session on branch ${q.branch} of ${projectName}`;
    // With a host down, "not there" is not certain: that is a host problem, not a wrong name.
    if (down.length) throw new AoError('host', `no ${what} on the reachable hosts (unreachable: ${down.join(', ')})`, 'the session may be on an unreachable host; check `ao doctor`');
    throw new AoError('not_found', `no ${what}`, 'list sessions with `ao session ls`');
  }
}
