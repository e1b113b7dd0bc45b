import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendMessage } from '../../src/sessions/send.js';
import { spawnSession, type SpawnResult } from '../../src/sessions/spawn.js';
import { messages, readAgentLog } from '../support/agent-log.js';
import { startRig, waitFor, type SessionRig } from '../support/rig.js';

let rig: SessionRig;
let local: SpawnResult;
let remote: SpawnResult;

beforeAll(async () => {
  rig = await startRig({ ssh: true });
  local = await spawnSession(rig.orch, { project: 'demo', prompt: 'first task', host: 'local' });
  remote = await spawnSession(rig.orch, { project: 'demo', prompt: 'second task', host: 'ssh1' });
});
afterAll(async () => {
  await rig?.stop();
});

const NASTY_LINE = `Fix "it's" $(rm -rf ~) \`id\` $HOME \\n ünïcødé → ✓ 🚀 ; && | > <`;

function longMessage(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `${String(i + 1).padStart(3, '0')}: ${NASTY_LINE} ${'x'.repeat(i % 40)}`).join('\n');
}

describe('send', () => {
  it.each([
    ['a one-line message', () => NASTY_LINE],
    ['a 200-line message', () => longMessage(200)],
  ])('delivers %s verbatim over SSH and submits it once', async (_name, make) => {
    const text = make();
    const before = messages(rig.agentLog).length;
    const result = await sendMessage(rig.orch, remote.id, text);
    expect(result).toMatchObject({ delivered: true, confirmed: true, needsInput: false });
    const received = await waitFor(() => (messages(rig.agentLog).length > before ? messages(rig.agentLog).slice(before) : undefined), 10_000, 'delivery');
    expect(received).toEqual([text]);
  });

  it('waits for a busy agent to be ready, or sends at once with --no-wait', async () => {
    await sendMessage(rig.orch, local.id, 'fake:busy 2500');
    const waited = await sendMessage(rig.orch, local.id, 'after the busy phase');
    expect(waited.activityBefore).toBe('active');
    expect(waited.delivered).toBe(true);
    const log = readAgentLog(rig.agentLog);
    // Waiting means the message was submitted only once the agent was ready again.
    const busyAt = Date.parse(log.find((e) => e.text === 'fake:busy 2500')!.at);
    const afterAt = Date.parse(log.find((e) => e.text === 'after the busy phase')!.at);
    expect(afterAt - busyAt).toBeGreaterThanOrEqual(2500);

    await sendMessage(rig.orch, local.id, 'fake:busy 3000');
    const immediate = await sendMessage(rig.orch, local.id, 'typed while busy', { wait: false });
    expect(immediate.activityBefore).toBe('active');
    expect(immediate.delivered).toBe(true);
    await waitFor(() => messages(rig.agentLog).includes('typed while busy'), 10_000, 'the no-wait message');
  });

  it('times out when the agent does not become ready, sending nothing', async () => {
    await sendMessage(rig.orch, local.id, 'fake:busy 5000');
    const before = messages(rig.agentLog).length;
    await expect(sendMessage(rig.orch, local.id, 'too early', { timeoutSec: 1 })).rejects.toThrow(/not ready within 1 s.*nothing was sent/);
    expect(messages(rig.agentLog).length).toBe(before);
    expect(messages(rig.agentLog)).not.toContain('too early');
  });

  it('delivers 20 concurrent sends to one session, each whole and unmixed', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `concurrent message ${i}\nsecond line of ${i} with "quotes" and $(subshell)`);
    const before = messages(rig.agentLog).length;
    const results = await Promise.all(texts.map((t, i) => sendMessage(i % 2 ? rig.orch : rig.reopen(), remote.id, t, { timeoutSec: 120 })));
    expect(results.every((r) => r.delivered)).toBe(true);
    const received = await waitFor(() => {
      const got = messages(rig.agentLog).slice(before);
      return got.length >= 20 ? got : undefined;
    }, 30_000, 'twenty messages');
    expect([...received].sort()).toEqual([...texts].sort());
  });

  it('never presses Enter into a permission prompt, and reports needs_input', async () => {
    await sendMessage(rig.orch, local.id, 'fake:ask');
    await waitFor(async () => (await rig.orch.runtime('local').capture(local.tmuxName)).some((l) => l.includes('[y/n]')), 10_000, 'the question');
    const result = await sendMessage(rig.orch, local.id, 'y');
    expect(result).toMatchObject({ delivered: false, needsInput: true });
    expect(result.question).toContain('Allow fake-agent to edit files? [y/n]');
    // Still asking, not answered.
    const pane = await rig.orch.runtime('local').capture(local.tmuxName);
    expect(pane.at(-1)).toContain('[y/n]');
    expect(readAgentLog(rig.agentLog).some((e) => e.answer !== undefined)).toBe(false);
    // An explicit answer is the one case that types into the prompt.
    const answered = await sendMessage(rig.orch, local.id, 'y', { answer: true });
    expect(answered.delivered).toBe(true);
    await waitFor(() => readAgentLog(rig.agentLog).some((e) => e.answer === 'yes'), 10_000, 'the answer');
  });

  it('rejects unknown, malformed and empty input', async () => {
    await expect(sendMessage(rig.orch, 'demo-999', 'hi')).rejects.toThrow(/no session demo-999/);
    await expect(sendMessage(rig.orch, 'demo-1; rm -rf /', 'hi')).rejects.toThrow(/malformed session ID/);
    await expect(sendMessage(rig.orch, local.id, '   ')).rejects.toThrow(/message is empty/);
  });
});
