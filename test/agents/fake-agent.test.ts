import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { getAdapter } from '../../src/agents/index.js';
import { fakeAgentAdapter, fakeAgentCommand, readFakeAgentLog, FAKE_AGENT_SCREEN, type FakeAgentOptions } from '../support/fake-agent.js';
import { git, makeOrigin } from '../support/git.js';
import { makeTempDir } from '../support/tmp.js';
import { TmuxServer, waitFor } from './tmux-harness.js';

const TIMEOUT = 15_000;
const PROMPT = FAKE_AGENT_SCREEN.prompt.trimEnd();
const QUESTION = FAKE_AGENT_SCREEN.question.trimEnd();

const tmux = new TmuxServer();
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});
afterAll(() => tmux.kill());

let sessions = 0;

/** Start the fake agent in a fresh tmux session and a fresh directory. */
function startAgent(options: FakeAgentOptions & { cwd?: string } = {}) {
  const tmp = makeTempDir('ao-fake-agent');
  cleanups.push(tmp.cleanup);
  const name = `fa${++sessions}`;
  const log = path.join(tmp.dir, 'agent log.jsonl');
  const cwd = options.cwd ?? tmp.dir;
  tmux.start(name, cwd, fakeAgentCommand({ busyMs: 50, ...options, log }));
  const screen = () => tmux.capture(name).join('\n');
  const until = <T>(probe: () => T | undefined | false) => waitFor(probe, TIMEOUT, () => `${screen()}\n--- log ---\n${readFileSync(log, { flag: 'a+', encoding: 'utf8' })}`);
  return {
    name,
    dir: tmp.dir,
    cwd,
    log: () => readFakeAgentLog(log),
    messages: () => readFakeAgentLog(log).filter((e) => 'text' in e).map((e) => (e as { text: string }).text),
    lines: () => tmux.capture(name),
    screen,
    until,
    atPrompt: () => until(() => tmux.lastLine(name) === PROMPT),
    classify: () => getAdapter('generic').classify(tmux.capture(name)),
  };
}

describe('the fake agent in a real tmux pane', () => {
  it('delivers a multi-line paste with shell metacharacters and unicode verbatim, as one message, on Enter only', async () => {
    const agent = startAgent();
    await agent.atPrompt();
    expect(agent.lines()[0]).toMatch(/^fake-agent ready \(pid \d+\)$/);
    expect(agent.classify()).toBe('ready');

    const message = [
      `Fix the "login" bug in 'auth.ts'`,
      '  keep $(rm -rf ~) and `id` and $HOME as text; a && b | c > d',
      'ünïcødé → ✓ 🚀 日本',
      '\tan indented line',
      'last line: fake: is not a directive here',
    ].join('\n');
    tmux.paste(agent.name, message);
    await agent.until(() => agent.screen().includes('last line: fake: is not a directive here'));
    // The paste is on screen, newlines and all, and nothing was submitted.
    expect(agent.log()).toEqual([]);

    tmux.key(agent.name, 'Enter');
    await agent.until(() => agent.messages().length === 1);
    expect(agent.messages()).toEqual([message]);
    await agent.until(() => agent.screen().includes('done.') && tmux.lastLine(agent.name) === PROMPT);
    expect(agent.screen()).toContain(`received: Fix the "login" bug in 'auth.ts' (5 lines, ${Buffer.byteLength(message)} bytes)`);
    expect(agent.messages()).toEqual([message]);
  });

  it('types keys literally, edits with backspace, and queues a message typed while busy', async () => {
    const agent = startAgent({ busyMs: 400 });
    await agent.atPrompt();
    tmux.type(agent.name, 'helo');
    tmux.key(agent.name, 'BSpace');
    tmux.type(agent.name, 'lo world');
    tmux.key(agent.name, 'Enter');
    await agent.until(() => agent.messages().length === 1);
    // Typed during the busy phase: held, then taken once the prompt is back.
    tmux.type(agent.name, 'second');
    tmux.key(agent.name, 'Enter');
    await agent.until(() => agent.messages().length === 2);
    expect(agent.messages()).toEqual(['hello world', 'second']);
    await agent.atPrompt();
  });

  it('shows a busy spinner the generic adapter reads as busy, and Esc interrupts it', async () => {
    const agent = startAgent();
    await agent.atPrompt();
    tmux.type(agent.name, 'fake:busy 60000');
    tmux.key(agent.name, 'Enter');
    await agent.until(() => /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Working\.\.\. \(esc to interrupt\)$/.test(tmux.lastLine(agent.name)));
    expect(agent.classify()).toBe('busy');
    expect(fakeAgentAdapter().classify(agent.lines())).toBe('busy');

    tmux.key(agent.name, 'Escape');
    await agent.until(() => agent.screen().includes('interrupted.') && tmux.lastLine(agent.name) === PROMPT);
    expect(agent.screen()).not.toContain('Working...');
    expect(agent.classify()).toBe('ready');
  });

  it('asks for permission; a paste is not an answer, not even with Enter unless it says y or n', async () => {
    const agent = startAgent();
    await agent.atPrompt();
    tmux.paste(agent.name, 'edit the files please\nfake:ask\nfake:ask');
    tmux.key(agent.name, 'Enter');

    // First question.
    await agent.until(() => tmux.lastLine(agent.name) === QUESTION);
    expect(agent.classify()).toBe('waiting_input');
    tmux.paste(agent.name, 'y and then\nsome more text');
    await agent.until(() => agent.log().some((e) => 'pasteWhileAsking' in e));
    expect(agent.log().filter((e) => 'answer' in e)).toEqual([]);
    expect(agent.screen()).not.toContain('answer:');
    // Enter turns the pasted text into an attempted answer: it is neither y nor n, so the question comes back.
    tmux.key(agent.name, 'Enter');
    await agent.until(() => agent.screen().includes('please answer y or n') && tmux.lastLine(agent.name) === QUESTION);
    expect(agent.log().filter((e) => 'answer' in e)).toEqual([]);
    expect(agent.classify()).toBe('waiting_input');
    // A single key answers without Enter.
    tmux.type(agent.name, 'y');
    await agent.until(() => agent.log().some((e) => 'answer' in e));

    // Second question: a pasted "n" waits for Enter.
    await agent.until(() => tmux.lastLine(agent.name) === QUESTION);
    tmux.paste(agent.name, 'n');
    await agent.until(() => agent.log().filter((e) => 'pasteWhileAsking' in e).length === 2);
    expect(agent.log().filter((e) => 'answer' in e)).toHaveLength(1);
    tmux.key(agent.name, 'Enter');
    await agent.until(() => agent.screen().includes('done.') && tmux.lastLine(agent.name) === PROMPT);

    const answers = agent.log().flatMap((e) => ('answer' in e ? [{ answer: e.answer, input: e.input }] : []));
    expect(answers).toEqual([
      { answer: 'yes', input: 'y' },
      { answer: 'no', input: 'n' },
    ]);
    expect(agent.screen()).toMatch(/answer: yes\n(?:.*\n)*answer: no/);
    expect(agent.messages()).toEqual(['edit the files please\nfake:ask\nfake:ask']);
  });

  it('writes, commits and pushes in a git worktree', async () => {
    const origin = makeOrigin();
    cleanups.push(origin.cleanup);
    const work = path.join(origin.dir, 'worktree');
    git(origin.dir, 'clone', '-q', origin.url, work);
    git(work, 'checkout', '-q', '-b', 'ao/app-1');
    git(work, 'config', 'user.name', 'Fake Agent');
    git(work, 'config', 'user.email', 'fake-agent@example.com');
    git(work, 'config', 'commit.gpgsign', 'false');

    const agent = startAgent({ cwd: work });
    await agent.atPrompt();
    tmux.paste(agent.name, 'Add a greeting.\nfake:write src/greeting/hello.txt hello from the fake agent\nfake:commit add greeting\nfake:push');
    tmux.key(agent.name, 'Enter');
    await agent.until(() => agent.screen().includes('done.') && tmux.lastLine(agent.name) === PROMPT);

    expect(agent.screen()).not.toContain('failed');
    expect(readFileSync(path.join(work, 'src/greeting/hello.txt'), 'utf8')).toBe('hello from the fake agent\n');
    expect(git(work, 'log', '-1', '--format=%s').trim()).toBe('add greeting');
    expect(git(work, 'status', '--porcelain').trim()).toBe('');
    const head = git(work, 'rev-parse', 'HEAD').trim();
    expect(git(origin.url, 'rev-parse', 'refs/heads/ao/app-1').trim()).toBe(head);
  });

  it('shows an error the generic adapter does not claim to understand but the fake adapter reads as an error', async () => {
    const agent = startAgent();
    await agent.atPrompt();
    tmux.type(agent.name, 'fake:error');
    tmux.key(agent.name, 'Enter');
    await agent.until(() => agent.screen().includes(FAKE_AGENT_SCREEN.error) && tmux.lastLine(agent.name) === PROMPT);
    expect(agent.screen()).not.toContain('done.');
    expect(fakeAgentAdapter().classify(agent.lines())).toBe('error');
    expect(agent.classify()).toBe('ready');
  });

  it('starts from a prompt file and a script, says it resumed, holds early input, and exits with the asked status', async () => {
    const tmp = makeTempDir('ao-fake-agent-files');
    cleanups.push(tmp.cleanup);
    const promptFile = path.join(tmp.dir, 'task prompt.md');
    writeFileSync(promptFile, 'First task: "quotes" $(not run)\nfake:write task.txt task done\n');
    const script = path.join(tmp.dir, 'script.txt');
    writeFileSync(script, '# set-up\nfake:write started.txt started\n');

    const agent = startAgent({ promptFile, script, resume: true, startDelayMs: 800 });
    // Typed before the agent is ready: held until its prompt shows.
    tmux.type(agent.name, 'typed early');
    tmux.key(agent.name, 'Enter');
    await agent.until(() => agent.messages().length === 2 && tmux.lastLine(agent.name) === PROMPT);
    expect(agent.messages()).toEqual(['First task: "quotes" $(not run)\nfake:write task.txt task done', 'typed early']);
    const screen = agent.screen();
    expect(screen.indexOf('fake-agent ready (pid ')).toBeGreaterThanOrEqual(0);
    expect(screen.indexOf(FAKE_AGENT_SCREEN.resumed)).toBeGreaterThan(screen.indexOf('fake-agent ready (pid '));
    expect(screen.indexOf('received: First task')).toBeGreaterThan(screen.indexOf(FAKE_AGENT_SCREEN.resumed));
    expect(readFileSync(path.join(agent.cwd, 'started.txt'), 'utf8')).toBe('started\n');
    expect(readFileSync(path.join(agent.cwd, 'task.txt'), 'utf8')).toBe('task done\n');

    tmux.type(agent.name, 'fake:exit 3');
    tmux.key(agent.name, 'Enter');
    expect(await agent.until(() => tmux.exitStatus(agent.name))).toBe(3);
  });

  it('exits 130 on Ctrl-C', async () => {
    const agent = startAgent();
    await agent.atPrompt();
    tmux.type(agent.name, 'half a message');
    tmux.key(agent.name, 'C-c');
    expect(await agent.until(() => tmux.exitStatus(agent.name))).toBe(130);
    expect(agent.messages()).toEqual([]);
  });
});
