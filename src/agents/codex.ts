import { shellQuote } from '../core/shell.js';
import type { AgentAdapter, LaunchContext } from './adapter.js';
import { baseCommand, commandEnv, withArguments } from './command.js';
import { hookArgv, type AgentHooks } from './hooks.js';
import { classifyScreen, FULL_SCREEN_SETTLE_MS, type ScreenRules } from './screen.js';

/**
 * OpenAI Codex CLI's terminal UI: a transcript of "•" items, a status line
 * "• Working (12s • esc to interrupt)" while it works, then the composer
 * ("› " with a placeholder) and a footer ("100% context left · ? for
 * shortcuts"; older versions: "▌" composer, "⏎ send" footer). Approvals ask
 * "Would you like to run the following command?" with a "› 1. Yes, proceed"
 * menu; errors are "■" lines.
 */
export const codexScreen: ScreenRules = {
  waitingInput: {
    within: 14,
    patterns: [
      /^Would you like to (?:run|make|apply|allow)\b.*\?$/i,
      /^Allow command\?$/i,
      /\bYes, proceed\b/,
      /\bNo, and tell Codex what to do differently\b/i,
      /^Press enter to confirm or esc to cancel\b/i,
      /\bDo you trust the (?:files|contents) (?:in|of) this (?:folder|directory)\b/i,
      /\ballow Codex to work in this folder\b/i,
      // The trust screen of a folder not listed in config.toml ([projects."<repo root>"]).
      /^Trust this folder\?/,
      /\bTrust and continue\b/,
      /^enter continue · esc back$/i,
      // First start without a provider or a login: the sign-in choice.
      /\bSign in with ChatGPT\b/,
      /^Press enter to continue$/i,
    ],
  },
  busy: {
    within: 6,
    patterns: [/\besc to interrupt\b/i],
  },
  error: {
    within: 4,
    patterns: [
      /^■.*(?:limit|quota|\b40[13]\b|\b429\b|unauthori[sz]ed|forbidden|stream error|exceeded retry|log ?in|api key)/i,
      /\bYou've hit your usage limit\b/i,
      /\b429 Too Many Requests\b/i,
    ],
  },
  ready: {
    within: 3,
    patterns: [/^[›▌](?:\s|$)/, /\bcontext left\b/, /^⏎ send\b/],
  },
};

const CODEX_COMMAND = 'codex --no-daemon';

/**
 * Codex runs a `notify` program at the end of each turn with a JSON
 * argument ({"type": "agent-turn-complete", "thread-id": ...}). It is given
 * as a config override on the command line (`-c notify=[...]`, TOML), so
 * nothing is written to the operator's config.toml; an operator's own
 * notify is replaced for ao's sessions.
 */
export const codexHooks: AgentHooks = {
  install: () => `-c ${shellQuote(`notify=${JSON.stringify(hookArgv('notify'))}`)}`,
  state(event, detail) {
    if (event !== 'notify') return undefined;
    if (detail === 'agent-turn-complete') return 'ready';
    if (detail === 'approval-requested') return 'waiting_input';
    return undefined;
  },
};

function codexCommand(ctx: LaunchContext, ...args: string[]): string {
  // The override goes before a subcommand (`resume`), where every Codex command takes it.
  const parts = [ctx.hooks ? codexHooks.install() : '', ...args].filter(Boolean);
  const base = baseCommand(ctx, CODEX_COMMAND);
  return parts.length ? withArguments(base, parts.join(' ')) : base;
}

export const codexAdapter: AgentAdapter = {
  name: 'codex',
  description: "OpenAI's Codex CLI (`codex`); restore resumes the last session",
  installHint: 'npm install -g @openai/codex',
  initialPrompt: 'message',
  settleMs: FULL_SCREEN_SETTLE_MS,
  doctorScript: 'codex-doctor',
  // --no-daemon: the agent runs in the pane's own process. By default Codex hands the work to a
  // shared background server that outlives the TUI, so quitting (or killing) the pane would not
  // stop it and an exited pane would not mean a stopped agent.
  launchCommand: (ctx) => codexCommand(ctx),
  resumeCommand: (ctx) => codexCommand(ctx, 'resume --last'),
  classify: (lines) => classifyScreen(codexScreen, lines),
  hooks: codexHooks,
  // Trust is kept per project root, and a worktree of ao's bare mirror is its own: each is marked trusted.
  firstRun: {
    script: 'codex-trust',
    args(ctx) {
      const env = commandEnv(baseCommand(ctx, CODEX_COMMAND));
      return [ctx.worktree, env.CODEX_HOME ?? '', env.HOME ?? ''];
    },
  },
};
