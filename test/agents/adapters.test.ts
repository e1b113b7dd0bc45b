import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentAdapter, LaunchContext, PaneState } from '../../src/agents/adapter.js';
import { getAdapter, listAdapters, registerAdapter } from '../../src/agents/index.js';
import { contentTail, unframe } from '../../src/agents/screen.js';
import { AoError } from '../../src/core/errors.js';
import { fakeAgentAdapter, FAKE_AGENT_PATH } from '../support/fake-agent.js';
import { makeTempDir } from '../support/tmp.js';
import { aiderScreens, claudeCodeScreens, codexScreens, geminiScreens, genericScreens, opencodeScreens, paneLines, type Screen } from './screens.js';

const PANE_STATES: readonly PaneState[] = ['busy', 'ready', 'waiting_input', 'error', 'unknown'];

const SCREENS_BY_AGENT: Record<string, Screen[]> = {
  'claude-code': claudeCodeScreens,
  codex: codexScreens,
  aider: aiderScreens,
  opencode: opencodeScreens,
  gemini: geminiScreens,
  generic: genericScreens,
};

describe.each(Object.entries(SCREENS_BY_AGENT))('%s reads its screens', (agent, screens) => {
  const adapter = getAdapter(agent);

  it.each(screens.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    expect(adapter.classify(paneLines(s.text))).toBe(s.expected);
  });

  it('covers every state it can recognise', () => {
    const seen = new Set(screens.map((s) => s.expected));
    for (const state of ['busy', 'ready', 'waiting_input'] as const) expect(seen).toContain(state);
    if (agent !== 'generic') expect(seen).toContain('error');
  });

  it('reads the same through colours and trailing spaces', () => {
    for (const s of screens) {
      const coloured = paneLines(s.text).map((line) => (line === '' ? line : `\x1b[2m${line}\x1b[0m   `));
      expect(adapter.classify(coloured), s.name).toBe(s.expected);
    }
  });

  it('reads only the bottom: a screen pushed up by unrelated output is no longer what the agent shows', () => {
    const filler = Array.from({ length: 30 }, (_, i) => `   log line ${i}: compiled module ${i} in 12ms`);
    for (const s of screens) {
      expect(adapter.classify([...paneLines(s.text), ...filler]), s.name).toBe('unknown');
    }
  });
});

describe('every adapter', () => {
  it.each(listAdapters().map((a) => [a.name, a] as const))('%s classifies any screen into a pane state', (_name, adapter) => {
    for (const s of Object.values(SCREENS_BY_AGENT).flat()) {
      expect(PANE_STATES).toContain(adapter.classify(paneLines(s.text)));
    }
    expect(adapter.classify([])).toBe('unknown');
    expect(adapter.classify(['', '   ', ''])).toBe('unknown');
  });
});

describe('screen reading helpers', () => {
  it('drops box borders and rules and keeps the content', () => {
    expect(unframe('│ > fix it                  │')).toBe('> fix it');
    expect(unframe('┃  Build  Claude')).toBe('Build  Claude');
    expect(unframe('\x1b[1m│\x1b[0m ❯ 1. Yes │')).toBe('❯ 1. Yes');
    expect(contentTail(['a', '╭────╮', '│ b  │', '╰────╯', '', '────', 'c', '  '], 2)).toEqual(['b', 'c']);
    expect(contentTail(['only'], 5)).toEqual(['only']);
  });
});

describe('launch and resume commands', () => {
  const ctx: LaunchContext = { sessionId: 'app-1', worktree: '/home/ao/wt/app-1', promptFile: '/home/ao/prompts/app-1.md' };

  it.each([
    ['claude-code', 'claude', 'claude --continue'],
    ['codex', 'codex --no-daemon', 'codex --no-daemon resume --last'],
    ['aider', 'aider --no-check-update --no-show-release-notes --no-analytics --no-gitignore', 'aider --no-check-update --no-show-release-notes --no-analytics --no-gitignore --restore-chat-history'],
    ['opencode', 'opencode', 'opencode --continue'],
    ['gemini', 'gemini', 'gemini --resume latest'],
  ])('%s: default launch %j, resume %j', (agent, launch, resume) => {
    const adapter = getAdapter(agent);
    expect(adapter.launchCommand(ctx)).toBe(launch);
    expect(adapter.resumeCommand?.(ctx)).toBe(resume);
    expect(adapter.initialPrompt).toBe('message');
  });

  const operatorCommand = `FOO='a b' "/opt/My Tools/agent" --model "big one" --flag`;

  it.each([
    ['claude-code', '--continue'],
    ['codex', 'resume --last'],
    ['aider', '--restore-chat-history'],
    ['opencode', '--continue'],
    ['gemini', '--resume latest'],
  ])('%s: an operator agentCommand with spaces and quotes is used verbatim', (agent, resumeArgs) => {
    const adapter = getAdapter(agent);
    const withCommand = { ...ctx, agentCommand: operatorCommand };
    expect(adapter.launchCommand(withCommand)).toBe(operatorCommand);
    expect(adapter.resumeCommand?.(withCommand)).toBe(`${operatorCommand} ${resumeArgs}`);
    // Blank means unset: the default comes back.
    expect(adapter.launchCommand({ ...ctx, agentCommand: '   ' })).toBe(adapter.launchCommand(ctx));
  });

  it('generic runs the operator command as is and has no resume', () => {
    const generic = getAdapter('generic');
    expect(generic.launchCommand({ ...ctx, agentCommand: operatorCommand })).toBe(operatorCommand);
    expect(generic.resumeCommand?.({ ...ctx, agentCommand: operatorCommand })).toBeUndefined();
    expect(generic.initialPrompt).toBe('message');
  });

  it.each([undefined, '', '  \t '])('generic without agentCommand (%j) is a usage error naming projects[].agentCommand', (agentCommand) => {
    const generic = getAdapter('generic');
    let caught: unknown;
    try {
      generic.launchCommand({ ...ctx, agentCommand });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AoError);
    const error = caught as AoError;
    expect(error.kind).toBe('usage');
    expect(`${error.message} ${error.hint}`).toContain('projects[].agentCommand');
  });

  const hostile: LaunchContext = {
    sessionId: 'app-1; touch /tmp/ao-pwned',
    worktree: `/tmp/wt with space/$(touch /tmp/ao-pwned)/\`id\`/it's`,
    promptFile: `/tmp/p "q"/$(touch /tmp/ao-pwned).md`,
  };

  it.each(listAdapters().filter((a) => a.name !== 'generic').map((a) => [a.name, a] as const))(
    '%s: session values never reach its command lines (they do not depend on them)',
    (_name, adapter: AgentAdapter) => {
      expect(adapter.launchCommand(hostile)).toBe(adapter.launchCommand(ctx));
      expect(adapter.resumeCommand?.(hostile)).toBe(adapter.resumeCommand?.(ctx));
    },
  );

  describe('an adapter that does put a value in its command line quotes it', () => {
    const tmp = makeTempDir('ao-adapter-quote');
    afterAll(() => tmp.cleanup());

    /** The argv a POSIX sh builds from a command line (the command word becomes an argument). */
    function argvThroughSh(line: string): string[] {
      const out = execFileSync('sh', ['-c', `show() { printf '%s\\0' "$@"; }; show ${line}`], { encoding: 'utf8', cwd: tmp.dir });
      return out.split('\0').slice(0, -1);
    }

    it('the fake agent reading its prompt file at launch', () => {
      const marker = path.join(tmp.dir, 'pwned');
      const promptFile = `${tmp.dir}/it's a "prompt" $(touch ${marker}) \`touch ${marker}\` ü.md`;
      const adapter = fakeAgentAdapter({ initialPrompt: 'launch', log: `${tmp.dir}/log $(touch ${marker}).jsonl` });
      const argv = argvThroughSh(adapter.launchCommand({ sessionId: 'app-1', worktree: tmp.dir, promptFile }));
      expect(existsSync(marker)).toBe(false);
      expect(argv).toEqual([
        'env',
        `FAKE_AGENT_LOG=${tmp.dir}/log $(touch ${marker}).jsonl`,
        process.execPath,
        FAKE_AGENT_PATH,
        '--prompt-file',
        promptFile,
      ]);
    });
  });
});

describe('the adapter registry', () => {
  it('knows the six agents, generic first', () => {
    expect(listAdapters().map((a) => a.name)).toEqual(['generic', 'claude-code', 'codex', 'aider', 'opencode', 'gemini']);
    for (const adapter of listAdapters()) {
      expect(getAdapter(adapter.name)).toBe(adapter);
      expect(adapter.description.length).toBeGreaterThan(0);
    }
  });

  it('accepts the names people write for Claude Code and Gemini CLI', () => {
    expect(getAdapter('claude').name).toBe('claude-code');
    expect(getAdapter('gemini-cli').name).toBe('gemini');
  });

  it.each(['claude-cod', 'Claude', '', 'toString', '__proto__', 'generic '])('refuses unknown agent %j with the list of known ones', (name) => {
    let caught: unknown;
    try {
      getAdapter(name);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AoError);
    const error = caught as AoError;
    expect(error.kind).toBe('usage');
    expect(error.message).toBe(`unknown agent "${name}"`);
    expect(error.hint).toBe('known agents: generic, claude-code, codex, aider, opencode, gemini');
  });

  it('registers a new adapter, refuses a taken name unless replacing, and rejects bad names', () => {
    const first = fakeAgentAdapter();
    registerAdapter({ ...first, name: 'registry-test' });
    expect(getAdapter('registry-test').description).toBe(first.description);
    expect(listAdapters().at(-1)!.name).toBe('registry-test');

    expect(() => registerAdapter({ ...first, name: 'registry-test' })).toThrow(/already registered/);
    expect(() => registerAdapter({ ...first, name: 'claude-code' })).toThrow(AoError);
    expect(getAdapter('claude-code').description).toContain('Claude Code');

    registerAdapter({ ...first, name: 'registry-test', description: 'replacement' }, { replace: true });
    expect(getAdapter('registry-test').description).toBe('replacement');

    for (const bad of ['', 'Fake', 'has space', '-dash', 'semi;colon']) {
      expect(() => registerAdapter({ ...first, name: bad })).toThrow(/invalid agent name/);
    }
  });
});
