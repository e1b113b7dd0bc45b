import type { AgentAdapter } from './adapter.js';
import { baseCommand, withArguments } from './command.js';
import { classifyScreen, FULL_SCREEN_SETTLE_MS, type ScreenRules } from './screen.js';

/**
 * OpenCode's full-screen UI: the session above, the input box at the bottom
 * with the agent and model under it, and a footer of key hints
 * ("tab agents  ctrl+p commands"; older versions: "enter send"). While it
 * works the footer shows an "esc interrupt" hint next to a progress bar;
 * permission requests show "Permission required" with "Allow once",
 * "Allow always" and "Reject".
 */
export const opencodeScreen: ScreenRules = {
  waitingInput: {
    within: 12,
    patterns: [
      /\bPermission required\b/i,
      /\bAllow once\b/,
      /\bAllow always\b/,
      /^Allow \(a\)/,
      // The key hints under a question the model asks with its question tool.
      /↑↓ select\s+enter submit\s+esc dismiss\b/,
    ],
  },
  busy: {
    within: 4,
    patterns: [/\besc (?:to |again to )?interrupt\b/i, /^working\.\.\.$/i],
  },
  error: {
    within: 8,
    patterns: [
      /\bAI_APICallError\b/,
      /\bProviderAuthError\b/,
      /\bRate limit (?:reached|exceeded)\b/i,
      /\b429 Too Many Requests\b/i,
      /\binsufficient (?:balance|quota)\b/i,
      /\binvalid (?:x-)?api[- ]key\b/i,
      // A provider's error is shown as the provider's own message (OpenAI's words for a bad key).
      /\bIncorrect API key provided\b/,
    ],
  },
  ready: {
    within: 4,
    patterns: [/\bctrl\+p commands\b/, /\benter send\b/, /\bctrl\+x h help\b/],
  },
};

export const opencodeAdapter: AgentAdapter = {
  name: 'opencode',
  description: 'OpenCode (`opencode`); restore continues the last session',
  installHint: 'npm install -g opencode-ai',
  initialPrompt: 'message',
  settleMs: FULL_SCREEN_SETTLE_MS,
  doctorScript: 'opencode-doctor',
  launchCommand: (ctx) => baseCommand(ctx, 'opencode'),
  resumeCommand: (ctx) => withArguments(baseCommand(ctx, 'opencode'), '--continue'),
  classify: (lines) => classifyScreen(opencodeScreen, lines),
};
