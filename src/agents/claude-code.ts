import { shellQuote } from '../core/shell.js';
import type { AgentAdapter, AgentLogReading, LaunchContext, PaneState } from './adapter.js';
import { baseCommand, commandEnv, withArguments } from './command.js';
import { hookCommand, type AgentHooks } from './hooks.js';
import { classifyScreen, FULL_SCREEN_SETTLE_MS, type ScreenRules } from './screen.js';

/**
 * Claude Code's terminal UI: a transcript, then (while working) a spinner
 * line such as "✻ Pondering… (12s · ↑ 1.2k tokens · esc to interrupt)",
 * then the input box ("> " between borders or rules) and a footer
 * ("? for shortcuts", "⏵⏵ accept edits on"). Permission requests replace
 * the input box with a dialog ("Do you want to proceed?" and a numbered
 * "❯ 1. Yes" menu).
 */
export const claudeCodeScreen: ScreenRules = {
  waitingInput: {
    // The question sits at most seven content lines above the bottom of a dialog
    // (the trust dialog: question, path, two lines of text, two choices, hint).
    within: 8,
    patterns: [
      /^Do you want to (?:proceed|make this edit|create|overwrite|delete|allow|run|use)\b.*\?$/i,
      /^Would you like to proceed\?$/i,
      /^Do you trust the files in this folder\?$/i,
      /\bYes, I trust this folder\b/,
      /^❯\s*\d+\.\s+Yes\b/,
      /^\d+\.\s+No, and tell Claude what to do differently\b/,
      // The key hints under every dialog (permission, trust, API key, a question from the model).
      /^Enter to (?:confirm|select)\b.*·\s*Esc to (?:cancel|exit)$/,
      /^Esc to cancel · Tab to amend$/,
      // First start without ~/.claude.json: the theme picker ends with the syntax theme line.
      /^Syntax theme: .*\(ctrl\+t to (?:disable|enable)\)$/,
    ],
  },
  busy: {
    // Spinner line, an optional tip under it, the prompt and up to two footer lines.
    within: 6,
    patterns: [/\besc to interrupt\b/i, /^[·✢✳✶✻✽]\s+\S[^…]*…/],
  },
  error: {
    // Only right above the input box: once the agent moves on, old errors scroll out of this window.
    within: 4,
    patterns: [
      /\bAPI Error\b/,
      /\b(?:rate_limit|overloaded|authentication|permission)_error\b/,
      /\blimit reached\b/i,
      /\bYou've hit your (?:usage )?limit\b/i,
      /\bInvalid API key\b/i,
      /\bPlease run \/login\b/i,
      /\bOAuth token (?:has )?expired\b/i,
      /\bCredit balance is too low\b/i,
    ],
  },
  ready: {
    within: 3,
    patterns: [/^[>❯](?:\s|$)/, /^\? for shortcuts$/],
  },
};

/** The hook events ao listens to, and what each says (a Notification by its kind). */
const CLAUDE_HOOK_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PermissionRequest', 'Notification', 'Stop', 'SessionEnd'] as const;

function claudeHookState(event: string, detail: string): PaneState | undefined {
  switch (event) {
    case 'SessionStart':
    case 'Stop':
      return 'ready';
    case 'UserPromptSubmit':
    case 'PreToolUse':
    case 'PostToolUse':
      return 'busy';
    case 'PermissionRequest':
      return 'waiting_input';
    case 'Notification':
      // permission_prompt, elicitation_dialog: a question for a human; idle_prompt: waiting for the next message.
      if (detail === 'permission_prompt' || detail === 'elicitation_dialog') return 'waiting_input';
      if (detail === 'idle_prompt') return 'ready';
      return undefined;
    default:
      return undefined; // SessionEnd: the pane tells that the agent exited
  }
}

/**
 * Claude Code's hooks come in a settings layer given on the command line
 * (`--settings <json>`): nothing is written into the worktree or the
 * operator's settings, and the operator's own hooks still run beside them.
 */
export const claudeCodeHooks: AgentHooks = {
  install(): string {
    const hooks = Object.fromEntries(CLAUDE_HOOK_EVENTS.map((event) => [event, [{ hooks: [{ type: 'command', command: hookCommand(event) }] }]]));
    return `--settings ${shellQuote(JSON.stringify({ hooks }))}`;
  },
  state: claudeHookState,
};

function claudeCommand(ctx: LaunchContext, ...args: string[]): string {
  const parts = [ctx.hooks ? claudeCodeHooks.install() : '', ...args].filter(Boolean);
  const base = baseCommand(ctx, 'claude');
  return parts.length ? withArguments(base, parts.join(' ')) : base;
}

export const claudeCodeAdapter: AgentAdapter = {
  name: 'claude-code',
  description: "Anthropic's Claude Code (`claude`); restore continues the worktree's last conversation",
  installHint: 'npm install -g @anthropic-ai/claude-code',
  initialPrompt: 'message',
  settleMs: FULL_SCREEN_SETTLE_MS,
  doctorScript: 'claude-code-doctor',
  launchCommand: (ctx) => claudeCommand(ctx),
  // --continue picks the most recent conversation in the current directory: the worktree is the agent's alone.
  resumeCommand: (ctx) => claudeCommand(ctx, '--continue'),
  classify: (lines) => classifyScreen(claudeCodeScreen, lines),
  logProbe: {
    script: 'claude-code-transcripts',
    read: (entries, worktreeTail) => readClaudeTranscripts(entries, worktreeTail),
  },
  hooks: claudeCodeHooks,
  // Trust is kept per folder: each new worktree is marked trusted in the agent's global config.
  firstRun: {
    script: 'claude-code-trust',
    args(ctx) {
      const env = commandEnv(baseCommand(ctx, 'claude'));
      return [ctx.worktree, env.CLAUDE_CONFIG_DIR ?? '', env.HOME ?? ''];
    },
  },
};

/**
 * Claude Code also writes its own log: one JSONL transcript per conversation
 * in `~/.claude/projects/<dir>/` (or `$CLAUDE_CONFIG_DIR/projects`), where
 * <dir> is the working directory with every character other than a letter or
 * digit replaced by "-".
 */
export function claudeProjectDirName(absolutePath: string): string {
  return absolutePath.replace(/[^A-Za-z0-9]/g, '-');
}

export type TranscriptReading = AgentLogReading;

/** Read the last line of a transcript: who spoke last tells whether the agent is working. */
export function readClaudeTranscriptLine(line: string): TranscriptReading | undefined {
  let entry: { type?: unknown; timestamp?: unknown; message?: { stop_reason?: unknown } };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return undefined; // a line being written, or not a transcript
  }
  if (!entry || typeof entry !== 'object') return undefined;
  const at = typeof entry.timestamp === 'string' ? Date.parse(entry.timestamp) : Number.NaN;
  const reading: TranscriptReading = Number.isFinite(at) ? { at } : {};
  if (entry.type === 'user') return { ...reading, state: 'busy' }; // a prompt or a tool result: the model is on it
  if (entry.type === 'assistant') {
    const stop = entry.message?.stop_reason;
    return { ...reading, state: stop === 'end_turn' || stop === 'stop_sequence' ? 'ready' : 'busy' };
  }
  return reading;
}

/**
 * The session's transcript among the entries the snapshot found (keyed by
 * Claude Code's directory name for each worktree of the instance).
 */
function readClaudeTranscripts(entries: ReadonlyMap<string, string>, worktreeTail: string): TranscriptReading | undefined {
  const suffix = claudeProjectDirName(`/${worktreeTail}`);
  for (const [dir, line] of entries) if (dir.endsWith(suffix)) return readClaudeTranscriptLine(line);
  return undefined;
}
