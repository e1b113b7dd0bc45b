import type { AgentAdapter } from './adapter.js';
import { baseCommand, withArguments } from './command.js';
import { classifyScreen, type ScreenRules } from './screen.js';

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

export const claudeCodeAdapter: AgentAdapter = {
  name: 'claude-code',
  description: "Anthropic's Claude Code (`claude`); restore continues the worktree's last conversation",
  initialPrompt: 'message',
  launchCommand: (ctx) => baseCommand(ctx, 'claude'),
  // --continue picks the most recent conversation in the current directory: the worktree is the agent's alone.
  resumeCommand: (ctx) => withArguments(baseCommand(ctx, 'claude'), '--continue'),
  classify: (lines) => classifyScreen(claudeCodeScreen, lines),
};
