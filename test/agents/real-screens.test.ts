/**
 * The adapters against screens captured from the real agents (test/agents/real,
 * saved with AO_UPDATE_REAL_FIXTURES=1): fast, no agent binaries needed.
 * A fixture's name says what it must be read as: <agent>-<state>-<label>.txt.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PaneState } from '../../src/agents/adapter.js';
import { getAdapter } from '../../src/agents/index.js';
import { contentTail } from '../../src/agents/screen.js';

const DIR = fileURLToPath(new URL('./fixtures/real/', import.meta.url));
const AGENTS = ['claude-code', 'codex', 'gemini', 'opencode'] as const;
const NAME = /^(claude-code|codex|gemini|opencode)-(busy|ready|waiting_input|error|unknown)-([a-z0-9-]+)\.txt$/;

interface Fixture {
  file: string;
  agent: (typeof AGENTS)[number];
  expected: PaneState;
  label: string;
  lines: string[];
}

/** As the runtime hands a pane to classify: `capture-pane -p -J` lines, trailing blank lines removed. */
function paneLines(text: string): string[] {
  const lines = text.split('\n').map((line) => line.trimEnd());
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

const files = readdirSync(DIR).filter((file) => file.endsWith('.txt')).sort();
const fixtures: Fixture[] = files.map((file) => {
  const match = NAME.exec(file);
  if (!match) throw new Error(`fixture ${file} is not named <agent>-<state>-<label>.txt`);
  return { file, agent: match[1] as Fixture['agent'], expected: match[2] as PaneState, label: match[3]!, lines: paneLines(readFileSync(path.join(DIR, file), 'utf8')) };
});

describe('real agent screens', () => {
  it.each(fixtures.map((f) => [f.file, f] as const))('%s', (_file, f) => {
    expect(getAdapter(f.agent).classify(f.lines)).toBe(f.expected);
  });

  it.each(AGENTS)('%s: there are real screens of its prompt, its work, its questions and its errors', (agent) => {
    const states = new Set(fixtures.filter((f) => f.agent === agent).map((f) => f.expected));
    for (const state of ['ready', 'busy', 'waiting_input', 'error'] as const) expect(states, `${agent} ${state}`).toContain(state);
    // A permission prompt for a shell command, captured from the agent itself.
    expect(fixtures.some((f) => f.agent === agent && f.label === 'permission')).toBe(true);
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s reads the same through colours', (_file, f) => {
    const coloured = f.lines.map((line) => (line === '' ? line : `\x1b[38;5;75m${line}\x1b[0m  `));
    expect(getAdapter(f.agent).classify(coloured)).toBe(f.expected);
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s pushed up by unrelated output is no longer what the agent shows', (_file, f) => {
    const filler = Array.from({ length: 30 }, (_, i) => `   log line ${i}: compiled module ${i} in 12ms`);
    expect(getAdapter(f.agent).classify([...f.lines, ...filler])).toBe('unknown');
  });

  it.each(fixtures.filter((f) => f.label === 'permission').map((f) => [f.file, f] as const))(
    '%s: the last content lines hold the command the agent asks about',
    (_file, f) => {
      expect(contentTail(f.lines, 10).join('\n')).toContain('echo permitted');
    },
  );

  it.each(fixtures.filter((f) => f.label === 'ask-user').map((f) => [f.file, f] as const))('%s: the question and its choices are at the bottom', (_file, f) => {
    const tail = contentTail(f.lines, 14).join('\n');
    expect(tail).toContain('Which database should the session store use?');
    expect(tail).toContain('Postgres');
  });
});
