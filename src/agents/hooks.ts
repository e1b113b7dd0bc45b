import { shellQuote as quote } from '../core/shell.js';
import type { AgentLogReading, PaneState } from './adapter.js';

/**
 * Agents that report their own state: spawn installs hooks on the agent's
 * command line (never in the worktree); each hook runs the host script
 * scripts/agent-hook.sh, which appends "<epoch> <event> <detail>" to the
 * session's state directory on the host and keeps its token counts from the
 * transcripts the agent names. The snapshot reads every session's state in
 * the same round trip (scripts/agent-state.sh); the adapter says what an
 * event means. The screen stays the first witness (src/core/activity.ts).
 *
 * The script and the state directory travel in the session's environment
 * (`hookEnv`), once: the hooks themselves are one short fixed command per
 * event, so the agent's command line stays small (tmux takes at most 16 KB
 * in one command) and names nothing of the session.
 */

/** Where a session's hooks report, and the script they run (both on the host). */
export interface HookTarget {
  /** Absolute directory on the host, private to the session, outside its worktree. */
  stateDir: string;
  /** The text of scripts/agent-hook.sh. */
  script: string;
}

/** The session's environment that its hooks read (tmux gives it to the agent, the agent to its hooks). */
export function hookEnv(target: HookTarget): Record<string, string> {
  return { AO_AGENT_HOOK: target.script, AO_AGENT_STATE: target.stateDir };
}

export interface AgentHooks {
  /** Arguments added to the launch and resume commands that install the hooks. */
  install(): string;
  /** What an event (with its detail: a tool name, a notification kind) says about the agent; undefined: nothing. */
  state(event: string, detail: string): PaneState | undefined;
}

/** Tokens the agent's model used for a session, from the agent's own transcripts. */
export interface TokenUsage {
  /** Input tokens not read from or written to the prompt cache. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** In US dollars, where the agent itself counts it (Claude Code); null otherwise. */
  cost: number | null;
}

/** The snapshot's log-probe section that carries the hooks' reports (one probe for every agent). */
export const AGENT_STATE_PROBE = { name: 'agent-state', script: 'agent-state' } as const;

// The script from the environment, run with the event (and the agent's JSON, where it gives it as an argument).
const RUN_HOOK = 'eval "$AO_AGENT_HOOK"';

/** The argument vector of a hook for one event (for agents that run a program: Codex's notify). */
export function hookArgv(event: string): string[] {
  return ['sh', '-c', RUN_HOOK, 'ao-hook', event];
}

/** The same as a shell command line (for agents that run a command: Claude Code's hooks). */
export function hookCommand(event: string): string {
  return hookArgv(event).map(quote).join(' ');
}

export interface HookEvent {
  /** Epoch ms (the host's clock). */
  at: number;
  event: string;
  detail: string;
}

/** One line of a state file: "<epoch seconds> <event> [detail]". */
export function parseHookLine(line: string): HookEvent | undefined {
  const m = /^(\d{9,12}) ([A-Za-z0-9_-]+)(?: ([A-Za-z0-9_.:-]+))?$/.exec(line.trim());
  if (!m) return undefined;
  return { at: Number(m[1]) * 1000, event: m[2]!, detail: m[3] ?? '' };
}

export interface AgentStateEntry {
  event?: HookEvent;
  usage?: TokenUsage;
}

/** One session's entry of the agent-state probe ("event <line>" and "usage <in> <out> <cacheRead> <cacheWrite> <cost|->"). */
export function parseAgentState(body: string): AgentStateEntry {
  const entry: AgentStateEntry = {};
  for (const line of body.split('\n')) {
    if (line.startsWith('event ')) {
      const event = parseHookLine(line.slice(6));
      if (event) entry.event = event;
    } else if (line.startsWith('usage ')) {
      const [input, output, cacheRead, cacheWrite, cost] = line.slice(6).trim().split(/\s+/);
      const n = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : Number.NaN);
      const usage = { input: n(input), output: n(output), cacheRead: n(cacheRead), cacheWrite: n(cacheWrite) };
      if (Object.values(usage).some((v) => !Number.isFinite(v))) continue;
      const dollars = cost !== undefined && /^\d+(?:\.\d+)?$/.test(cost) ? Number(cost) : null;
      entry.usage = { ...usage, cost: dollars };
    }
  }
  return entry;
}

/** What an agent's hooks said about a session: its state (per its adapter) and its token counts. */
export function readAgentState(hooks: AgentHooks | undefined, entry: AgentStateEntry | undefined): { report?: AgentLogReading; usage?: TokenUsage } {
  if (!entry) return {};
  const out: { report?: AgentLogReading; usage?: TokenUsage } = {};
  if (entry.usage) out.usage = entry.usage;
  if (hooks && entry.event) {
    const state = hooks.state(entry.event.event, entry.event.detail);
    const note = `the agent's hook reported ${entry.event.event}${entry.event.detail ? ` (${entry.event.detail})` : ''}`;
    out.report = state ? { at: entry.event.at, state, note } : { at: entry.event.at, note };
  }
  return out;
}
