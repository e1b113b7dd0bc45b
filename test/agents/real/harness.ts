import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PaneState } from '../../../src/agents/adapter.js';
import { getAdapter } from '../../../src/agents/index.js';
import { contentTail } from '../../../src/agents/screen.js';
import { git, makeOrigin } from '../../support/git.js';
import { startModelServer, type ModelServer, type ScriptStep } from '../../support/model-server.js';
import { makeTempDir } from '../../support/tmp.js';
import { TmuxServer, waitFor } from '../tmux-harness.js';
import { REAL_AGENTS_BIN, type HostLayout, type RealAgent } from './agents.js';

/**
 * One real agent in a real tmux pane on an isolated socket, in a real git
 * worktree, with a fresh HOME, talking to the scripted model server. The
 * pane is read the way ao reads it (`capture-pane -p -J`, 220x50, UTF-8)
 * and classified by the agent's own adapter.
 */

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/real/', import.meta.url));

// Variables of the machine that would point an agent at a real service or account.
const FOREIGN_ENV = /^(?:ANTHROPIC|CLAUDE|OPENAI|CODEX|GEMINI|GOOGLE|OPENCODE|VERTEX|AWS|AZURE|XAI|GROQ|MISTRAL|OPENROUTER)_|^TMUX/;

/** tmux as ao drives it: -u, 220x50, the session's environment given with -e; nothing of our own environment leaks to the agent. */
class AgentTmux extends TmuxServer {
  override run(args: string[], input?: string, path?: string): string {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!FOREIGN_ENV.test(key)) env[key] = value;
    // tmux gives a new pane the PATH of the client that creates it, whatever -e says.
    if (path !== undefined) env.PATH = path;
    return execFileSync('tmux', ['-u', '-L', this.socket, '-f', '/dev/null', ...args], { input, env, encoding: 'utf8' });
  }

  startWith(name: string, cwd: string, command: string, env: Record<string, string>): void {
    const envArgs = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    // sh -c, as ao's pane wrapper: the user's login shell files could change PATH under us.
    // and the CI markers it unsets (a CI machine sets them; Gemini CLI then runs headless and exits).
    const script = `unset CI GITHUB_ACTIONS CONTINUOUS_INTEGRATION\n${command}\nprintf '\\n[exited with status %s]\\n' "$?"`;
    this.run(['new-session', '-d', '-s', name, '-x', '220', '-y', '50', '-c', cwd, ...envArgs, 'sh', '-c', script, ';', 'set-option', '-t', name, 'remain-on-exit', 'on'], undefined, env.PATH);
  }
}

export interface AgentRunOptions {
  script?: ScriptStep[];
  /**
   * Settings other than the operator's (RealAgent.prepare): what a fresh host
   * shows with fewer of them. Returns the pane's environment.
   */
  prepare?: (layout: HostLayout) => Record<string, string>;
  /** Extra environment for the pane. */
  env?: Record<string, string>;
}

let runs = 0;

export class AgentRun {
  private constructor(
    readonly agent: RealAgent,
    readonly tmux: AgentTmux,
    private session: string,
    private readonly env: Record<string, string>,
    readonly server: ModelServer,
    readonly dir: string,
    readonly home: string,
    readonly worktree: string,
    private readonly cleanup: () => Promise<void>,
  ) {}

  static async start(agent: RealAgent, options: AgentRunOptions = {}): Promise<AgentRun> {
    const tmp = makeTempDir(`ao-real-${agent.adapter}`);
    const dir = realpathSync(tmp.dir);
    const origin = makeOrigin();
    const server = await startModelServer({ script: options.script });
    // A mirror and a linked worktree on a new branch, the way spawn lays a session out.
    const mirror = path.join(dir, 'mirror');
    const worktreesRoot = path.join(dir, 'worktrees');
    const worktree = path.join(worktreesRoot, `${agent.adapter}-1`);
    execFileSync('git', ['clone', '-q', origin.url, mirror]);
    mkdirSync(worktreesRoot, { recursive: true });
    git(mirror, 'worktree', 'add', '-q', '-b', `ao/${agent.adapter}-1`, worktree, 'origin/main');
    const home = path.join(dir, 'home');
    mkdirSync(home, { recursive: true });
    const layout: HostLayout = { home, worktree, worktreesRoot, repoRoot: mirror, modelUrl: server.url };
    const agentEnv = (options.prepare ?? agent.prepare)(layout);
    const env: Record<string, string> = {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      XDG_STATE_HOME: path.join(home, '.local', 'state'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      PATH: `${REAL_AGENTS_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      GIT_AUTHOR_NAME: 'Agent',
      GIT_AUTHOR_EMAIL: 'agent@example.invalid',
      GIT_COMMITTER_NAME: 'Agent',
      GIT_COMMITTER_EMAIL: 'agent@example.invalid',
      ...agentEnv,
      ...options.env,
    };
    const tmux = new AgentTmux();
    const name = `${agent.adapter}-${++runs}`;
    // The adapter's own launch command, as spawn runs it.
    const command = getAdapter(agent.adapter).launchCommand({ sessionId: name, worktree });
    tmux.startWith(name, worktree, command, env);
    return new AgentRun(agent, tmux, name, env, server, dir, home, worktree, async () => {
      await stopProcesses(tmux, dir);
      await server.close();
      origin.cleanup();
      // An agent killed with its tmux may still be writing into its home for a moment.
      for (let attempt = 0; ; attempt++) {
        try {
          rmSync(dir, { recursive: true, force: true });
          break;
        } catch (error) {
          if (attempt >= 30) throw error;
          await sleep(100);
        }
      }
    });
  }

  /** The tmux session the agent runs in now. */
  get name(): string {
    return this.session;
  }

  /**
   * After the agent exited: start it again in the same worktree and home with
   * the adapter's resume command, as restore does, in a new tmux session.
   */
  resume(): void {
    const command = getAdapter(this.agent.adapter).resumeCommand?.({ sessionId: this.session, worktree: this.worktree });
    if (!command) throw new Error(`${this.agent.adapter} has no resume command`);
    this.session = `${this.session}-resumed`;
    this.tmux.startWith(this.session, this.worktree, command, this.env);
  }

  lines(): string[] {
    return this.tmux.capture(this.name);
  }

  screen(): string {
    return this.lines().join('\n');
  }

  classify(lines: readonly string[] = this.lines()): PaneState {
    return getAdapter(this.agent.adapter).classify(lines);
  }

  /** Poll the pane until the adapter reads `state`; returns the screen that showed it. */
  async waitForState(state: PaneState, timeoutMs = 30_000): Promise<string[]> {
    let last: string[] = [];
    return waitFor(
      () => {
        last = this.lines();
        return this.classify(last) === state ? last : undefined;
      },
      timeoutMs,
      () => `waiting for ${state}, the adapter reads ${this.classify(last)}:\n${last.join('\n')}\n--- requests ---\n${this.requestSummary()}`,
    );
  }

  /** Poll until the screen satisfies `predicate`. */
  async waitForScreen(predicate: (lines: string[]) => boolean, timeoutMs = 30_000, what = 'screen'): Promise<string[]> {
    let last: string[] = [];
    return waitFor(
      () => {
        last = this.lines();
        return predicate(last) ? last : undefined;
      },
      timeoutMs,
      () => `waiting for ${what} (adapter reads ${this.classify(last)}):\n${last.join('\n')}\n--- requests ---\n${this.requestSummary()}`,
    );
  }

  /**
   * Deliver a message as ao does: a bracketed paste from a named buffer, then
   * one Enter once the pane shows the paste arrived (it changed).
   */
  async send(text: string): Promise<void> {
    // A prompt can be on screen before the agent takes input: Gemini CLI, resuming, draws its
    // prompt, then clears the screen and redraws the history, and an Enter in between is lost.
    // Wait for the pane to hold still first.
    await this.quiet(700, 10_000);
    const before = this.screen();
    this.tmux.paste(this.name, text);
    await this.waitForScreen((lines) => lines.join('\n') !== before, 10_000, 'the paste to show');
    // Agents take a paste in pieces; let it settle before the one Enter.
    await new Promise((resolve) => setTimeout(resolve, 300));
    this.tmux.key(this.name, 'Enter');
  }

  /** Wait until the pane has not changed for `quietMs` (at most `timeoutMs`). */
  async quiet(quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = this.screen();
    let since = Date.now();
    while (Date.now() < deadline && Date.now() - since < quietMs) {
      await sleep(100);
      const now = this.screen();
      if (now !== last) {
        last = now;
        since = Date.now();
      }
    }
  }

  type(text: string): void {
    this.tmux.type(this.name, text);
  }

  key(key: string): void {
    this.tmux.key(this.name, key);
  }

  exitStatus(): number | undefined {
    return this.tmux.exitStatus(this.name);
  }

  requestSummary(): string {
    return this.server.requests.map((r) => `${r.seq} ${r.method} ${r.url}${r.main ? ` [main: ${r.turn?.type}]` : ''}`).join('\n');
  }

  /** Stop the agent and everything it started, remove the host's files. */
  stop(): Promise<void> {
    return this.cleanup();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Processes whose working directory or command line is inside `dir`: what this run started (agents may start helpers outside tmux). */
function processesUnder(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cwd.startsWith(dir) || cmdline.includes(dir)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** End the tmux server, then anything of this run still alive (by process id), and wait until it is gone. */
async function stopProcesses(tmux: TmuxServer, dir: string): Promise<void> {
  tmux.kill();
  for (let attempt = 0; attempt < 20; attempt++) {
    const left = processesUnder(dir).filter(alive);
    if (left.length === 0) return;
    if (attempt >= 5) for (const pid of left) process.kill(pid, 'SIGKILL');
    else if (attempt === 2) for (const pid of left) process.kill(pid, 'SIGTERM');
    await sleep(100);
  }
}

/** The lines ao would show as the agent's question: the last content lines (no borders, no blank lines). */
export function questionLines(lines: readonly string[], count = 10): string[] {
  return contentTail(lines, count);
}

/**
 * Keep a screen as a fixture for the fast table tests (only when
 * AO_UPDATE_REAL_FIXTURES=1, so a normal run never rewrites the repository).
 * Name: <agent>-<expected state>-<label>.txt.
 */
export function saveFixture(agent: RealAgent, expected: PaneState, label: string, lines: readonly string[]): void {
  if (process.env.AO_UPDATE_REAL_FIXTURES !== '1') return;
  mkdirSync(FIXTURES_DIR, { recursive: true });
  writeFileSync(path.join(FIXTURES_DIR, `${agent.adapter}-${expected}-${label}.txt`), `${lines.join('\n')}\n`);
}
