import { AoError } from '../core/errors.js';
import type { AgentAdapter } from './adapter.js';
import { classifyScreen, type ScreenRules } from './screen.js';

/**
 * Any terminal program. It knows no agent's UI, so it only trusts signs that
 * mean the same in every program: a question ending the last line, a braille
 * spinner or an "esc to interrupt" hint, a bare prompt glyph. Everything else
 * is 'unknown' and the caller decides by how long the pane has been quiet.
 */

// Answer hints and question forms that ask a human for a decision.
const QUESTION_AT_END = [
  /(?:\[|\()\s*(?:y\s*\/\s*n|yes\s*\/\s*no)\s*(?:\]|\))\s*[:?]?$/i,
  /\byes\s*\/\s*no\s*\??:?$/i,
  /\ballow\b.*\?\s*:?$/i,
  /\bdo you want to\b.*\?$/i,
  /\b(?:continue|proceed|overwrite)\?\s*:?$/i,
  /\bare you sure\b.*\?$/i,
  /\bpress (?:enter|return|any key) to continue\b.*$/i,
];

// U+2801..U+28FF: the braille dots terminal spinners cycle through (U+2800 is blank).
const BRAILLE_SPINNER_LINE = /^[\u2801-\u28ff]\s+\S.*(?:\.\.\.|…)/;

export const genericScreen: ScreenRules = {
  waitingInput: { within: 1, patterns: QUESTION_AT_END },
  busy: { within: 1, patterns: [/\besc to (?:interrupt|cancel)\b/i, BRAILLE_SPINNER_LINE] },
  ready: { within: 1, patterns: [/^[❯›>]$/] },
};

export const genericAdapter: AgentAdapter = {
  name: 'generic',
  description: 'Any terminal program, started with projects[].agentCommand',
  initialPrompt: 'message',
  launchCommand(ctx) {
    const command = ctx.agentCommand?.trim();
    if (!command) {
      throw new AoError(
        'usage',
        'agent "generic" needs a command to run: projects[].agentCommand is not set',
        'set projects[].agentCommand in the configuration (e.g. agentCommand: "my-agent --flag"), or choose a known agent',
      );
    }
    return command;
  },
  classify: (lines) => classifyScreen(genericScreen, lines),
};
