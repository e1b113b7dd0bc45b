import { stripAnsi } from '../core/ansi.js';
import type { PaneState } from './adapter.js';

/**
 * Shared reading of pane text for the adapters. Each adapter lists, per
 * state, patterns and how far up from the bottom they may match: prompts,
 * spinners and dialogs live at the bottom of the screen, and anything
 * further up is scrollback that no longer describes the agent.
 */

export interface ScreenRule {
  patterns: readonly RegExp[];
  /** How many of the last content lines the patterns may match in. */
  within: number;
}

export interface ScreenRules {
  waitingInput?: ScreenRule;
  busy?: ScreenRule;
  error?: ScreenRule;
  ready?: ScreenRule;
}

// Box-drawing borders of TUI input boxes and dialogs, and the rules between sections.
const FRAME_ONLY = /^[\s─━═╌╍┄┅┈┉╭╮╯╰┌┐└┘├┤┬┴┼│┃║╹╻▀▄▔▁_-]*$/;
const LEADING_FRAME = /^[\s│┃║]+/;
const TRAILING_FRAME = /[\s│┃║]+$/;

/** A pane line as classifiers see it: no escapes, no box side borders, no surrounding spaces. */
export function unframe(line: string): string {
  return stripAnsi(line).replace(LEADING_FRAME, '').replace(TRAILING_FRAME, '');
}

/**
 * The last `count` lines that carry content, oldest first. Blank lines and
 * lines that are only borders or rules do not count, so a window means the
 * same whether an agent draws its input box with borders or without.
 */
export function contentTail(lines: readonly string[], count: number): string[] {
  const tail: string[] = [];
  for (let i = lines.length - 1; i >= 0 && tail.length < count; i--) {
    const line = unframe(lines[i] ?? '');
    if (line === '' || FRAME_ONLY.test(line)) continue;
    tail.unshift(line);
  }
  return tail;
}

/**
 * How long the pane of a full-screen agent (Claude Code, Codex, Gemini CLI,
 * OpenCode) must hold still before a message goes in: measured on the real
 * agents (test/agents/real), which redraw after they start or resume and
 * lose an Enter that comes while they still take a paste.
 */
export const FULL_SCREEN_SETTLE_MS = 700;

function matches(rule: ScreenRule | undefined, lines: readonly string[]): boolean {
  if (!rule) return false;
  const window = contentTail(lines, rule.within);
  return window.some((line) => rule.patterns.some((pattern) => pattern.test(line)));
}

/**
 * Classify with the precedence every agent shares: a question for a human
 * first (it must never be typed over), then work in progress (an agent that
 * retries after an error is still working), then an error it stopped at,
 * then its input prompt.
 */
export function classifyScreen(rules: ScreenRules, lines: readonly string[]): PaneState {
  if (matches(rules.waitingInput, lines)) return 'waiting_input';
  if (matches(rules.busy, lines)) return 'busy';
  if (matches(rules.error, lines)) return 'error';
  if (matches(rules.ready, lines)) return 'ready';
  return 'unknown';
}
