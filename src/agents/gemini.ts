import type { AgentAdapter } from './adapter.js';
import { baseCommand, withArguments } from './command.js';
import { classifyScreen, FULL_SCREEN_SETTLE_MS, type ScreenRules } from './screen.js';

/**
 * Gemini CLI's terminal UI: a transcript, a loading line with a braille
 * spinner and a witty phrase ("⠏ Counting electrons... (esc to cancel, 8s)")
 * while it works, the input box ("> Type your message or @path/to/file")
 * and a footer with the directory and model. Tool confirmations ask
 * "Allow execution of: 'npm'?" or "Apply this change?" over a
 * "1. Yes, allow once" menu.
 */
export const geminiScreen: ScreenRules = {
  waitingInput: {
    within: 12,
    patterns: [
      /^Allow (?:execution|modification|edit)\b.*\?$/i,
      /^Apply this change\?$/i,
      /\bYes, allow once\b/,
      /^Do you want to proceed\?$/i,
      /\bWaiting for user confirmation\b/i,
      /^Do you trust (?:the files in )?this folder\?$/i,
      /^●?\s*1\. Trust folder\b/,
      /^How would you like to authenticate\b/i,
      // The key hints under a question the model asks with its ask_user tool.
      /^Enter to select · ↑\/↓ to navigate · Esc to cancel$/,
    ],
  },
  busy: {
    within: 6,
    patterns: [/\(esc to cancel\b/i],
  },
  error: {
    // The input box, the two footer lines and the shortcuts hint take five lines; the error and
    // its "This request failed" note sit right above them.
    within: 7,
    patterns: [
      /\bAPI Error\b/,
      /^ℹ This request failed\b/,
      /\bQuota exceeded\b/i,
      /\bRESOURCE_EXHAUSTED\b/,
      /\b429 Too Many Requests\b/i,
      /\bstatus 429\b/i,
      /\bPERMISSION_DENIED\b/,
      /\bUNAUTHENTICATED\b/,
      /\bPlease set an Auth method\b/i,
    ],
  },
  ready: {
    within: 3,
    patterns: [/^>(?:\s|$)/, /\bType your message or @path\/to\/file\b/],
  },
};

export const geminiAdapter: AgentAdapter = {
  name: 'gemini',
  description: "Google's Gemini CLI (`gemini`); restore resumes the latest session",
  installHint: 'npm install -g @google/gemini-cli',
  initialPrompt: 'message',
  settleMs: FULL_SCREEN_SETTLE_MS,
  doctorScript: 'gemini-doctor',
  launchCommand: (ctx) => baseCommand(ctx, 'gemini'),
  resumeCommand: (ctx) => withArguments(baseCommand(ctx, 'gemini'), '--resume latest'),
  classify: (lines) => classifyScreen(geminiScreen, lines),
};
