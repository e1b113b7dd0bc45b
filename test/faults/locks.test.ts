import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { thisHolder } from '../../src/hosts/holder.js';
import { killSession } from '../../src/sessions/kill.js';
import { sendMessage } from '../../src/sessions/send.js';
import { spawnSession } from '../../src/sessions/spawn.js';
import { messages } from '../support/agent-log.js';
import { readRecords } from '../support/audit.js';
import { waitFor } from '../support/rig.js';
import { dataRoot, expectConsistent, makeZombie, partialDeliveries, processesIn, running, spawnSettled, startFaultRig, type FaultRig } from './harness.js';
import { tally, writeTally } from './tally.js';

// Real processes on a loaded 2-core machine: every test waits for conditions, and may take its time.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/**
 * Issue 9, item 7: a lock whose holder is certainly gone (it died on this
 * machine), whose owner line is garbage, or whose time is in the future,
 * never blocks send, status or kill; a lock held by a live process still
 * does. Every operation here waits at most 1 s for a lock (lockWaitSec: 1),
 * so one that goes through took the lock at once: before the fix a dead
 * holder's lock blocked a send for ~61 s and a kill for 31 s ("busy"), a
 * garbage owner made every send fail ("Illegal number: x"), and a future
 * time was never stale.
 */

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig();
});
afterAll(async () => {
  await writeTally(import.meta.filename);
  await rig?.stop();
});

/** The holder string of a process that ran on this machine and is gone (pid and start ticks, as holder.ts writes them). */
async function deadHolder(): Promise<string> {
  const child = spawn('sleep', ['60']);
  const stat = await waitFor(() => {
    try {
      return readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
  }, 5000, 'the process to start');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  child.kill('SIGKILL');
  await once(child, 'exit');
  return `${thisHolder().split(':')[0]}:${child.pid}:${start}`;
}

type OwnerKind = 'dead holder' | 'garbage owner' | 'future time';

async function ownerLine(kind: OwnerKind): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  switch (kind) {
    case 'dead holder':
      return `deadbeefdeadbeef ${now} ${await deadHolder()}`;
    case 'garbage owner':
      return 'x';
    case 'future time':
      // Another machine's holder (nothing can be told about its process) with a time a day ahead.
      return `feedfacefeedface ${now + 86_400} otherhost00000000:4242:123456`;
  }
}

/** Leave a lock as its holder left it: the directory and its owner file. */
function leaveLock(host: string, id: string, purpose: 'record' | 'send' | 'runtime', owner: string, kind: OwnerKind | 'zombie holder'): string {
  const dir = path.join(dataRoot(rig, host), 'demo', 'locks', purpose === 'record' ? id : `${id}.${purpose}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, 'owner'), `${owner}\n`, { mode: 0o600 });
  tally.fault(`lock left: ${kind}`);
  return dir;
}

const record = (id: string) => readRecords(rig).find((r) => r.id === id)?.record;

describe.each(['local', 'ssh1'])('locks on %s', (host) => {
  it.each<OwnerKind>(['dead holder', 'garbage owner', 'future time'])('a %s on the send, record and runtime locks: send, status and kill proceed at once', async (kind) => {
    tally.run();
    const s = await spawnSettled(rig.orch, rig.agentLog, { project: 'demo', prompt: `locks: ${kind} on ${host}`, host });
    const owner = await ownerLine(kind);

    // send
    const sendLock = leaveLock(host, s.id, 'send', owner, kind);
    const before = messages(rig.agentLog).length;
    const sent = await sendMessage(rig.quick(), s.id, `through a lock with a ${kind}`);
    expect(sent.delivered).toBe(true);
    await waitFor(() => messages(rig.agentLog).length > before, 20_000, 'the message');
    expect(partialDeliveries([`through a lock with a ${kind}`], messages(rig.agentLog).slice(before))).toEqual([]);
    expect(messages(rig.agentLog).slice(before)).toEqual([`through a lock with a ${kind}`]);
    expect(existsSync(sendLock)).toBe(false);

    // status: the agent died; `ao status` records it although the record lock was left behind.
    const agent = processesIn(s.worktree);
    const { panePid, paneStart } = record(s.id)!;
    await rig.orch.runtime(host).stopAgent(s.tmuxName, { pid: panePid, start: paneStart });
    await waitFor(() => agent.every((pid) => !running(pid)), 10_000, 'the agent to end');
    leaveLock(host, s.id, 'record', owner, kind);
    const status = await rig.ao(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(record(s.id)).toMatchObject({ status: 'errored' });

    // kill
    leaveLock(host, s.id, 'runtime', owner, kind);
    leaveLock(host, s.id, 'record', owner, kind);
    const killed = await killSession(rig.quick(), s.id);
    expect(killed.killed).toBe(true);
    expect(record(s.id)).toMatchObject({ status: 'killed' });
    expect(existsSync(s.worktree)).toBe(false);
    expectConsistent(rig);
  });

  it('a garbage owner on the record lock alone: kill takes every lock before it acts, and ends with the record killed', async () => {
    tally.run();
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: `record lock garbage on ${host}`, host });
    leaveLock(host, s.id, 'record', 'x', 'garbage owner');
    // Before the fix: tmux stopped and the worktree removed, then "busy", the record left `working`.
    const killed = await killSession(rig.quick(), s.id);
    expect(killed.killed).toBe(true);
    expect(record(s.id)).toMatchObject({ status: 'killed' });
    expectConsistent(rig);
  });

  it("a lock whose holder ended but was never reaped (a zombie, still in /proc) is a dead holder's: kill proceeds at once", async () => {
    tally.run();
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: `zombie holder on ${host}`, host });
    const zombie = await makeZombie();
    try {
      const holder = `${thisHolder().split(':')[0]}:${zombie.pid}:${zombie.start}`;
      leaveLock(host, s.id, 'runtime', `abadcafeabadcafe ${Math.floor(Date.now() / 1000)} ${holder}`, 'zombie holder');
      // Before the fix: "busy (runtime) (held by process <zombie> on this machine)" after the 1 s wait.
      const killed = await killSession(rig.quick(), s.id);
      expect(killed.killed).toBe(true);
    } finally {
      zombie.release();
    }
    expectConsistent(rig);
  });

  it('a lock whose holder lives still holds: kill waits, fails "busy" naming the holder, and changes nothing', async () => {
    tally.run();
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: `live holder on ${host}`, host });
    const agent = processesIn(s.worktree);
    const dir = path.join(dataRoot(rig, host), 'demo', 'locks', `${s.id}.runtime`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dir, 'owner'), `cafecafecafecafe ${Math.floor(Date.now() / 1000)} ${thisHolder()}\n`);
    await expect(killSession(rig.quick(), s.id)).rejects.toThrow(new RegExp(`session ${s.id} is busy \\(runtime\\) \\(held by process ${process.pid} on this machine`));
    expect(agent.every(running)).toBe(true);
    expect(existsSync(s.worktree)).toBe(true);
    expect(record(s.id)).toMatchObject({ status: 'working' });
    // Its holder lets go; the session is as it was.
    rmSync(dir, { recursive: true });
    expectConsistent(rig);
    await killSession(rig.orch, s.id, { force: true });
  });
});
