import type { Logger } from 'pino';
import { type Config, type ProjectConfig, findProject } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { instanceHash, parseSessionId } from '../core/names.js';
import { execScript } from '../hosts/host.js';
import type { HostPool } from '../hosts/pool.js';
import { parseRecordDump, READ_ALL, ROOT_PRELUDE, type StoredSession, type StoreWarning, type SessionStore } from '../hosts/store.js';
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
  /** Last transcript line per agent log directory name (Claude Code). */
  transcripts: Map<string, string>;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}

export function parseTranscriptDump(out: string): Map<string, string> {
  const transcripts = new Map<string, string>();
  for (const chunk of out.split('\u001e')) {
    const newline = chunk.indexOf('\n');
    if (newline <= 0) continue;
    transcripts.set(chunk.slice(0, newline), chunk.slice(newline + 1).trim());
  }
  return transcripts;
}

export interface LocatedSession {
  host: string;
  project: ProjectConfig;
  meta: Record<string, string>;
}

/**
 * The newest Claude Code transcript line of each worktree of this instance
 * (see src/agents/claude-code.ts), for activity: no process at all when
 * there are none.
 */
const CLAUDE_TRANSCRIPTS = `${ROOT_PRELUDE}instance=$1
base=\${CLAUDE_CONFIG_DIR:-$HOME/.claude}/projects
[ -d "$base" ] || exit 0
real=$(cd "$root/$instance" 2>/dev/null && pwd -P) || exit 0
prefix=$(printf '%s/' "$real" | tr -c 'A-Za-z0-9' '-')
for d in "$base/$prefix"*; do
  [ -d "$d" ] || continue
  newest=$(ls -t "$d" 2>/dev/null | grep '[.]jsonl$' | head -n 1)
  [ -n "$newest" ] || continue
  printf '\\036%s\\n' "\${d##*/}"
  tail -n 1 "$d/$newest"
  printf '\\n'
done
exit 0
`;

const SNAPSHOT = `( set -- "$1" "$2"
${READ_ALL}
) || exit 1
printf '\\035\\n'
( set -- "$3" "$4" "$5"
${PROBE_ALL}
) || exit 2
printf '\\034\\n'
( set -- "$1" "$2"
${CLAUDE_TRANSCRIPTS}
)
exit 0
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
      const [recordPart = '', rest = ''] = splitOnce(result.stdout, '\u001d\n');
      const [panePart = '', transcriptPart = ''] = splitOnce(rest, '\u001c\n');
      const records = parseRecordDump(recordPart);
      const panes = parseProbeOutput(panePart, PANE_HISTORY_LINES);
      const transcripts = parseTranscriptDump(transcriptPart);
      for (const warning of records.warnings) this.log.warn({ host, file: warning.file }, `skipping session record: ${warning.problem}`);
      return { host, reachable: true, sessions: records.sessions, warnings: records.warnings, panes, transcripts };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn({ host }, `host unreachable: ${message}`);
      return { host, reachable: false, error: message, sessions: [], warnings: [], panes: new Map(), transcripts: new Map() };
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
