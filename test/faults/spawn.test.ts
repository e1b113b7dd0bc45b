import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanupSessions } from '../../src/sessions/cleanup.js';
import { spawnSession } from '../../src/sessions/spawn.js';
import { messages } from '../support/agent-log.js';
import { readRecords } from '../support/audit.js';
import { waitFor } from '../support/rig.js';
import { dataRoot, expectConsistent, killProcess, killSshdOnly, processesIn, running, startFaultRig, worktreeOf, type FaultRig } from './harness.js';
import { tally, writeTally } from './tally.js';

// Real processes on a loaded 2-core machine: every test waits for conditions, and may take its time.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/**
 * Issue 9, item 5: a spawn interrupted at a named step (sshd killed, the
 * `ao` process killed by SIGINT or SIGKILL) never leaves a half-made session
 * that holds its issue: the next spawn for the issue makes a new session,
 * cleanup lists the interrupted one as "spawn interrupted" and rolls it back
 * (its agent stopped, its worktree removed), and a spawn still under way is
 * left alone.
 */

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig();
});
afterAll(async () => {
  await writeTally(import.meta.filename);
  await rig?.stop();
});

interface SpawnDoc {
  id: string;
  host: string;
  existing: boolean;
  worktree: string;
  tmuxName: string;
  promptDelivered: boolean;
}

const record = (id: string) => readRecords(rig).find((r) => r.id === id)?.record;
const claimOwner = (issue: number) => {
  try {
    return readFileSync(path.join(dataRoot(rig, 'local'), 'demo', 'issues', String(issue), 'owner'), 'utf8').trim();
  } catch {
    return undefined;
  }
};

/**
 * What follows every interrupted spawn: the interrupted session is not "the
 * session of the issue" any more, cleanup names it and rolls it back, and a
 * new spawn for the issue works. Through the real `ao` (as the issue tells
 * it) or, to keep the suite quick, in-process with 1 s lock waits (so the
 * dead spawner's locks are shown broken at once).
 */
async function recoverIssue(id: string, issue: number, host: string, via: 'cli' | 'in-process' = 'in-process'): Promise<void> {
  expect(record(id)).toMatchObject({ status: 'spawning' });
  const orch = rig.quick();
  if (via === 'cli') {
    const dry = await rig.ao(['session', 'cleanup', '--dry-run']);
    expect(dry.stdout).toContain(`would kill ${id} (spawn interrupted)`);
  } else {
    expect((await cleanupSessions(orch, { dryRun: true })).candidates).toContainEqual(expect.objectContaining({ id, reason: 'spawn interrupted' }));
  }

  let fresh: SpawnDoc;
  if (via === 'cli') {
    const again = await rig.ao(['spawn', 'demo', String(issue), '--host', host, '--json']);
    expect(again.code, again.stderr).toBe(0);
    fresh = JSON.parse(again.stdout) as SpawnDoc;
  } else {
    fresh = await spawnSession(orch, { project: 'demo', issue: { number: issue }, host });
  }
  // Before the fix: exit 0 with existing=true, the interrupted session, which had no tmux and no agent.
  expect(fresh).toMatchObject({ existing: false, promptDelivered: true });
  expect(fresh.id).not.toBe(id);
  expect(claimOwner(issue)).toBe(fresh.id);

  if (via === 'cli') {
    const cleanup = await rig.ao(['session', 'cleanup']);
    expect(cleanup.code, cleanup.stderr).toBe(0);
    expect(cleanup.stdout).toContain(`killed ${id} (spawn interrupted)`);
  } else {
    const cleanup = await cleanupSessions(orch);
    expect(cleanup.failed).toEqual([]);
    expect(cleanup.killed.map((k) => k.id)).toContain(id);
  }
  expect(record(id)).toMatchObject({ status: 'killed' });
  expect(existsSync(worktreeOf(rig, host, id))).toBe(false);
  expect(processesIn(worktreeOf(rig, host, id))).toEqual([]);
  // The new session is untouched by the cleanup.
  expect(record(fresh.id)).toMatchObject({ status: 'working' });
  expect(existsSync(fresh.worktree)).toBe(true);
}

describe('a spawn interrupted at a named step', () => {
  it('sshd killed at spawn:worktree (SSH host): the spawn fails naming the step, and the issue is not blocked', async () => {
    tally.run();
    const issue = 101;
    const p = rig.startAo(['spawn', 'demo', String(issue), '--host', 'ssh1', '--json'], { faultAt: ['spawn:worktree'] });
    await p.reached('spawn:worktree');
    const id = readRecords(rig).find((r) => r.record.issue === issue)!.id;
    expect(existsSync(worktreeOf(rig, 'ssh1', id))).toBe(true);
    await killSshdOnly(rig.sshd!);
    p.go('spawn:worktree');
    const failed = await p.done;
    await rig.sshd!.restart();
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`spawn of ${id} failed at step "(agent-program|post-create)"`));
    await recoverIssue(id, issue, 'ssh1', 'cli');
    expectConsistent(rig);
  });

  it.each([
    ['SIGINT', 'local', 102],
    ['SIGKILL', 'ssh1', 108],
  ] as const)('%s at spawn:worktree (%s): the same', async (signal, host, issue) => {
    tally.run();
    const p = rig.startAo(['spawn', 'demo', String(issue), '--host', host], { faultAt: ['spawn:worktree'] });
    await p.reached('spawn:worktree');
    const id = readRecords(rig).find((r) => r.record.issue === issue)!.id;
    const ended = await killProcess(p, signal);
    expect(ended.code === 130 || ended.signal === signal).toBe(true);
    await recoverIssue(id, issue, host);
    expectConsistent(rig);
  });

  it.each([
    ['SIGKILL', 'ssh1', 104],
    ['SIGKILL', 'local', 103],
    ['SIGINT', 'local', 109],
  ] as const)('%s at spawn:tmux (%s): the agent that started without its task is stopped by the cleanup', async (signal, host, issue) => {
    tally.run();
    const before = messages(rig.agentLog).length;
    const p = rig.startAo(['spawn', 'demo', String(issue), '--host', host], { faultAt: ['spawn:tmux'] });
    await p.reached('spawn:tmux');
    const id = readRecords(rig).find((r) => r.record.issue === issue)!.id;
    // The agent runs in its worktree, and has not been given its task.
    const worktree = worktreeOf(rig, host, id);
    await waitFor(() => processesIn(worktree).length > 0, 20_000, 'the agent to start');
    const agent = processesIn(worktree);
    await killProcess(p, signal);
    expect(agent.some(running)).toBe(true);
    expect(messages(rig.agentLog).slice(before).some((m) => m.includes(`session ${id}`))).toBe(false);
    await recoverIssue(id, issue, host);
    expect(agent.filter(running)).toEqual([]);
    expectConsistent(rig);
  });

  it.each([
    ['spawn:record', 106, 'local'],
    ['spawn:deliver-prompt', 107, 'ssh1'],
  ])('SIGKILL at %s (issue %i, %s): the same', async (point, issue, host) => {
    tally.run();
    const p = rig.startAo(['spawn', 'demo', String(issue), '--host', host], { faultAt: [point] });
    await p.reached(point);
    const id = readRecords(rig).find((r) => r.record.issue === issue)!.id;
    const agent = processesIn(worktreeOf(rig, host, id));
    await killProcess(p, 'SIGKILL');
    await recoverIssue(id, issue, host);
    expect(agent.filter(running)).toEqual([]);
    expectConsistent(rig);
  });

  it('a spawn that is only slow (its spawner alive, stopped at spawn:worktree) is left alone by cleanup, and finishes', async () => {
    tally.run();
    const issue = 105;
    const p = rig.startAo(['spawn', 'demo', String(issue), '--host', 'local', '--json'], { faultAt: ['spawn:worktree'] });
    await p.reached('spawn:worktree');
    const id = readRecords(rig).find((r) => r.record.issue === issue)!.id;
    expectConsistent(rig);
    const dry = await rig.ao(['session', 'cleanup', '--dry-run']);
    expect(dry.stdout).not.toContain(id);
    const cleanup = await rig.ao(['session', 'cleanup']);
    expect(cleanup.stdout).not.toContain(id);
    // A second spawn for the issue finds the one under way, and does not start another.
    const second = rig.startAo(['spawn', 'demo', String(issue), '--host', 'local', '--json']);
    p.go('spawn:worktree');
    const [first, other] = await Promise.all([p.done, second.done]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ id, existing: false, promptDelivered: true });
    expect(JSON.parse(other.stdout)).toMatchObject({ id, existing: true });
    expect(record(id)).toMatchObject({ status: 'working' });
    expectConsistent(rig);
  });
});
