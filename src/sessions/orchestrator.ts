import type { Logger } from 'pino';
import { type Config, type ProjectConfig, findProject } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { instanceHash, parseSessionId } from '../core/names.js';
import { execScript } from '../hosts/host.js';
import type { HostPool } from '../hosts/pool.js';
import { parseRecordDump, READ_ALL, type StoredSession, type StoreWarning, type SessionStore } from '../hosts/store.js';
import { parseProbeOutput, PROBE_ALL, TmuxRuntime, type PaneProbe } from '../hosts/tmux.js';
import { Workspace } from '../hosts/workspace.js';
import { createLogger } from '../log.js';

/** What one round trip to a host tells: its session records and the state of their tmux panes. */
export interface HostSnapshot {
  host: string;
  reachable: boolean;
  error?: string;
  sessions: StoredSession[];
  warnings: StoreWarning[];
  panes: Map<string, PaneProbe>;
}

export interface LocatedSession {
  host: string;
  project: ProjectConfig;
  meta: Record<string, string>;
}

const SNAPSHOT = `( set -- "$1" "$2"
${READ_ALL}
) || exit 1
printf '\\035\\n'
( set -- "$3" "$4" "$5"
${PROBE_ALL}
) || exit 2
`;

export const PANE_HISTORY_LINES = 40;

/** The shared context of every operation: configuration, hosts, and per-host helpers. */
export class Orchestrator {
  readonly hash12: string;
  readonly log: Logger;
  private readonly roots = new Map<string, Promise<string>>();

  constructor(
    readonly config: Config,
    readonly pool: HostPool,
    readonly options: { actor?: string; log?: Logger; progress?: (message: string) => void } = {},
  ) {
    this.hash12 = instanceHash(config.instance, config.dataDir);
    this.log = options.log ?? createLogger();
  }

  get actor(): string {
    return this.options.actor ?? `cli:${process.env.USER ?? 'unknown'}`;
  }

  progress(message: string): void {
    this.options.progress?.(message);
  }

  get tmuxSocket(): string {
    return this.config.tmuxSocket ?? `ao-${this.hash12}`;
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

  /** The absolute data root on a host (`~` expanded there), asked once per process. */
  root(host: string): Promise<string> {
    let root = this.roots.get(host);
    if (!root) {
      root = this.store(host).absoluteRoot();
      root.catch(() => this.roots.delete(host));
      this.roots.set(host, root);
    }
    return root;
  }

  async paths(host: string, project: ProjectConfig, id: string) {
    const root = await this.root(host);
    const base = `${root}/${this.config.instance}`;
    return {
      worktree: `${base}/${project.name}/worktrees/${id}`,
      prompt: `${base}/${project.name}/prompts/${id}.md`,
      mirror: `${base}/repos/${project.repo}.git`,
    };
  }

  /** One round trip: every record of this instance on the host, and every pane of ours. */
  async snapshot(host: string): Promise<HostSnapshot> {
    try {
      const result = await execScript(this.pool.host(host), SNAPSHOT, [this.pool.dataDir(host), this.config.instance, this.tmuxSocket, `${this.hash12}-`, String(PANE_HISTORY_LINES)], { timeoutMs: 30_000 });
      if (result.code !== 0) throw new Error(result.stderr.trim() || `exit ${result.code}`);
      const split = result.stdout.indexOf('\u001d\n');
      const records = parseRecordDump(split < 0 ? result.stdout : result.stdout.slice(0, split));
      const panes = parseProbeOutput(split < 0 ? '' : result.stdout.slice(split + 2), PANE_HISTORY_LINES);
      for (const warning of records.warnings) this.log.warn({ host, file: warning.file }, `skipping session record: ${warning.problem}`);
      return { host, reachable: true, sessions: records.sessions, warnings: records.warnings, panes };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn({ host }, `host unreachable: ${message}`);
      return { host, reachable: false, error: message, sessions: [], warnings: [], panes: new Map() };
    }
  }

  async snapshotAll(): Promise<HostSnapshot[]> {
    return Promise.all(this.pool.names().map((h) => this.snapshot(h)));
  }

  /** Find a session by ID on any host. Validates the ID first, so malformed input never reaches a host. */
  async locate(id: string, snapshots?: HostSnapshot[]): Promise<LocatedSession & { snapshot: HostSnapshot }> {
    if (!parseSessionId(id)) {
      throw new AoError('usage', `malformed session ID ${JSON.stringify(id)}`, 'session IDs look like "app-1": the project prefix, a dash and a number');
    }
    const all = snapshots ?? (await this.snapshotAll());
    for (const snapshot of all) {
      const found = snapshot.sessions.find((s) => s.id === id);
      if (found) {
        const project = this.config.projects.find((p) => p.name === found.project);
        if (!project) throw new AoError('not_found', `session ${id} belongs to project "${found.project}", which is not in the configuration`, 'add the project back to the config to manage this session');
        return { host: snapshot.host, project, meta: found.meta, snapshot };
      }
    }
    const down = all.filter((s) => !s.reachable).map((s) => s.host);
    throw new AoError(
      'not_found',
      `no session ${id}${down.length ? ` on the reachable hosts (unreachable: ${down.join(', ')})` : ''}`,
      down.length ? 'the session may be on an unreachable host; check `ao doctor`' : 'list sessions with `ao session ls`',
    );
  }
}
