import type { AgentAdapter } from './adapter.js';
import { baseCommand, withArguments } from './command.js';
import { classifyScreen, type ScreenRules } from './screen.js';

/**
 * Aider is a line-oriented REPL: its prompt ("> ", "architect> ", "ask> ",
 * "multi> ") or its question ("Run shell command? (Y)es/(N)o [Yes]: ") is
 * always the last line when it waits, and everything above is scrollback.
 * So every rule here looks at the last line, except errors, which aider
 * prints just before returning to its prompt.
 */
export const aiderScreen: ScreenRules = {
  waitingInput: {
    within: 1,
    patterns: [/\(Y\)es\/\(N\)o\b.*\[(?:Yes|No)\]:$/, /\[(?:y\/n|Y\/n|y\/N)\]:?$/],
  },
  busy: {
    within: 1,
    patterns: [/\bWaiting for (?:LLM|[\w./:@-]+)$/, /\bUpdating repo map\b/i, /\bScanning repo\b/i, /\bRetrying in [\d.]+ seconds\b/],
  },
  error: {
    within: 4,
    patterns: [
      /\blitellm\.\w*Error\b/,
      /\bThe API provider has rate limited you\b/i,
      /\bAPI provider's servers are down or overloaded\b/i,
      /\b(?:Authentication|RateLimit|PermissionDenied)Error\b/,
      /\binsufficient_quota\b/,
      /\bMissing these environment variables\b/i,
    ],
  },
  ready: {
    within: 1,
    patterns: [/^(?:[a-z][\w-]* ?){0,2}>(?:\s|$)/],
  },
};

// Skip the update check and release notes (network, noise); no analytics; and do not
// stop at start-up to ask about adding .aider* to .gitignore, which would block an unattended spawn.
const AIDER_DEFAULT = 'aider --no-check-update --no-show-release-notes --no-analytics --no-gitignore';

export const aiderAdapter: AgentAdapter = {
  name: 'aider',
  description: 'Aider (`aider`); restore reloads the chat history of the worktree',
  installHint: 'python3 -m pip install aider-install && aider-install',
  initialPrompt: 'message',
  launchCommand: (ctx) => baseCommand(ctx, AIDER_DEFAULT),
  resumeCommand: (ctx) => withArguments(baseCommand(ctx, AIDER_DEFAULT), '--restore-chat-history'),
  classify: (lines) => classifyScreen(aiderScreen, lines),
};
