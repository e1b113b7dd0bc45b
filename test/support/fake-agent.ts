import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AgentAdapter } from '../../src/agents/adapter.js';
import { genericScreen } from '../../src/agents/generic.js';
import { classifyScreen } from '../../src/agents/screen.js';
import { shellLine } from '../../src/core/shell.js';

/** Absolute path of the scripted fake agent (see fake-agent.mjs for its behaviour). */
export const FAKE_AGENT_PATH = fileURLToPath(new URL('./fake-agent.mjs', import.meta.url));

/** What the fake agent shows, for tests that read its pane. */
export const FAKE_AGENT_SCREEN = {
  bannerPrefix: 'fake-agent ready (pid ',
  resumed: 'resumed previous conversation',
  prompt: '❯ ',
  busy: 'Working... (esc to interrupt)',
  question: 'Allow fake-agent to edit files? [y/n] ',
  error: 'Error: simulated failure (rate limited)',
  done: 'done.',
} as const;

export interface FakeAgentOptions {
  /** FAKE_AGENT_LOG: file that receives one JSON line per message, answer and paste-while-asking. */
  log?: string;
  /** FAKE_AGENT_BUSY_MS (default 300). */
  busyMs?: number;
  /** FAKE_AGENT_START_DELAY_MS (default 0). */
  startDelayMs?: number;
  promptFile?: string;
  script?: string;
  resume?: boolean;
  /** More environment for the agent (e.g. AO_FAKE_GITHUB_API / _TOKEN / _REPO for `fake:pr`). */
  env?: Record<string, string>;
}

/** A shell command line that starts the fake agent with these options; every value is quoted. */
export function fakeAgentCommand(options: FakeAgentOptions = {}): string {
  const env: string[] = [];
  if (options.log !== undefined) env.push(`FAKE_AGENT_LOG=${options.log}`);
  if (options.busyMs !== undefined) env.push(`FAKE_AGENT_BUSY_MS=${options.busyMs}`);
  if (options.startDelayMs !== undefined) env.push(`FAKE_AGENT_START_DELAY_MS=${options.startDelayMs}`);
  for (const [name, value] of Object.entries(options.env ?? {})) env.push(`${name}=${value}`);
  const args = [process.execPath, FAKE_AGENT_PATH];
  if (options.promptFile !== undefined) args.push('--prompt-file', options.promptFile);
  if (options.script !== undefined) args.push('--script', options.script);
  if (options.resume) args.push('--resume');
  return shellLine(env.length > 0 ? ['env', ...env, ...args] : args);
}

export type FakeAgentLogEntry =
  | { at: string; text: string }
  | { at: string; answer: 'yes' | 'no'; input: string }
  | { at: string; pasteWhileAsking: string }
  | { at: string; dropped: string };

export function readFakeAgentLog(file: string): FakeAgentLogEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as FakeAgentLogEntry);
}

/**
 * An adapter named "fake" that runs the fake agent, for session tests:
 * register it with registerAdapter(fakeAgentAdapter({ log })). It reads the
 * pane like the generic adapter, and also knows the fake agent's error line.
 */
export function fakeAgentAdapter(options: Omit<FakeAgentOptions, 'promptFile' | 'resume'> & { initialPrompt?: 'message' | 'launch' } = {}): AgentAdapter {
  const initialPrompt = options.initialPrompt ?? 'message';
  const rules = { ...genericScreen, error: { within: 2, patterns: [/^Error: simulated failure\b/] } };
  return {
    name: 'fake',
    description: 'The scripted fake agent of the test suite',
    initialPrompt,
    launchCommand: (ctx) =>
      ctx.agentCommand?.trim() || fakeAgentCommand({ ...options, promptFile: initialPrompt === 'launch' ? ctx.promptFile : undefined }),
    resumeCommand: (ctx) => (ctx.agentCommand?.trim() ? `${ctx.agentCommand.trim()} --resume` : fakeAgentCommand({ ...options, resume: true })),
    classify: (lines) => classifyScreen(rules, lines),
  };
}
