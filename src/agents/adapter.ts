import type { AgentHooks, HookTarget } from './hooks.js';

/**
 * An agent adapter is data plus small pure functions: how to launch (and
 * resume) one kind of agent, and how to read its pane. Adding an agent is
 * adding one file in this folder and one line in ./index.ts.
 */

/** What the pane shows, in the adapter's reading. */
export type PaneState =
  | 'busy' // the agent is thinking / writing / running tools
  | 'ready' // the agent shows its input prompt and waits for the next message
  | 'waiting_input' // the agent asks a human something: a permission prompt, a yes/no question
  | 'error' // the agent shows an error it cannot get past by itself (rate limit, auth, crash banner)
  | 'unknown'; // nothing recognisable (generic agents, or output that matches no pattern)

export interface LaunchContext {
  sessionId: string;
  /** Absolute worktree path on the host. */
  worktree: string;
  /** Operator-configured command line (projects[].agentCommand) overriding the adapter's default. */
  agentCommand?: string;
  /** Absolute path on the host of a file holding the initial task prompt (outside the worktree). */
  promptFile?: string;
  /** Where the agent's hooks report, when spawn installs them (adapters with `hooks` add them to the command). */
  hooks?: HookTarget;
}

export interface AgentAdapter {
  readonly name: string;
  /** Human description for `ao --help` and docs. */
  readonly description: string;
  /** How an operator installs the agent's program on a runner host (shown when a host lacks it). */
  readonly installHint?: string;
  /**
   * Shell command line (run by `sh -c` inside the tmux pane, in the worktree)
   * that starts the agent. Operator-trusted text (agentCommand) is used as
   * is; any other value in it must be shell-quoted with src/core/shell.ts.
   */
  launchCommand(ctx: LaunchContext): string;
  /** Command line that resumes the agent's previous conversation, where the agent supports that. */
  resumeCommand?(ctx: LaunchContext): string | undefined;
  /**
   * How the first task prompt is delivered: 'message' = sent like any other
   * message once the agent is ready; 'launch' = the launch command reads
   * ctx.promptFile itself.
   */
  readonly initialPrompt: 'message' | 'launch';
  /**
   * Full-screen agents redraw after they start and take a paste in pieces:
   * a message is pasted only once the pane has held still this long (ms),
   * and its Enter goes once the pasted text has settled. Unset: at once.
   */
  readonly settleMs?: number;
  /** Classify the last lines of the pane (ANSI already stripped, trailing blank lines removed). */
  classify(lines: readonly string[]): PaneState;
  /**
   * For agents that keep their own log (Claude Code's transcripts): a host
   * script run inside the per-host snapshot round trip, and the reading of
   * its output for one session. The screen stays the first witness; the log
   * fills in when the screen says nothing recognisable.
   */
  readonly logProbe?: AgentLogProbe;
  /**
   * For agents that can run a program on their own events (Claude Code's
   * hooks, Codex's notify): how spawn installs them on the command line and
   * what each event means. Read in the same snapshot (./hooks.ts).
   */
  readonly hooks?: AgentHooks;
  /**
   * What spawn does on the host before the agent first starts in a new
   * worktree, so that it does not stop at a first-run screen (a trust
   * dialog kept per folder): a host script run in the same round trip that
   * writes the task prompt.
   */
  readonly firstRun?: AgentFirstRun;
  /**
   * What `ao doctor` asks on a host about this agent: a host script (in
   * src/hosts/scripts, on lib/agent-check.sh) that prints the agent's
   * version and whether it will start without a first-run screen or a login.
   */
  readonly doctorScript?: string;
}

export interface AgentFirstRun {
  /** Name of a host script in src/hosts/scripts; prints `key=value` facts and never fails. */
  readonly script: string;
  /** Its arguments for a session. */
  args(ctx: LaunchContext): string[];
}

export interface AgentLogReading {
  /** Epoch ms of the newest log entry. */
  at?: number;
  state?: PaneState;
  /** What the agent said, in words, for a human shown its question before the screen has it. */
  note?: string;
}

export interface AgentLogProbe {
  /** Name of a host script in src/hosts/scripts, called with (dataDir, instance), printing `\036key\nline` entries. */
  readonly script: string;
  /** What the entries say about one session. `worktreeTail` is its worktree path below the instance: `<project>/worktrees/<id>`. */
  read(entries: ReadonlyMap<string, string>, worktreeTail: string): AgentLogReading | undefined;
}
