import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnSession, type SpawnResult } from '../../src/sessions/spawn.js';
import { readRecords } from '../support/audit.js';
import { waitFor } from '../support/rig.js';
import { expectConsistent, makeZombie, moveTmuxSocket, processesIn, recordFile, running, startFaultRig, type FaultRig } from './harness.js';
import { tally, writeTally } from './tally.js';

// Real processes on a loaded 2-core machine: every test waits for conditions, and may take its time.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/**
 * Issue 9, item 4: with the tmux server running but its socket file moved
 * away (as a /tmp cleaner does), "no tmux answers" is not taken for death:
 * cleanup kills nothing and deletes nothing, status records nothing,
 * restore does not start a second agent; and a kill of one session really
 * stops its agent (its process group), since tmux cannot be asked to.
 */

let rig: FaultRig;
const sessions: SpawnResult[] = [];

beforeAll(async () => {
  rig = await startFaultRig();
  for (const host of ['local', 'ssh1', 'local']) sessions.push(await spawnSession(rig.orch, { project: 'demo', prompt: `socket test on ${host}`, host }));
});
afterAll(async () => {
  await writeTally(import.meta.filename);
  await rig?.stop();
});

describe('the tmux socket file moved away while three agents run', () => {
  it('cleanup, status and restore touch nothing; kill of one stops its agent for good; the others run on', async () => {
    tally.run();
    const agents = sessions.map((s) => processesIn(s.worktree));
    for (const pids of agents) expect(pids.length).toBeGreaterThan(0);
    const recordsBefore = sessions.map((s) => readFileSync(recordFile(rig, s.host, s.id), 'utf8'));
    const putBack = moveTmuxSocket(rig);
    try {
      // Before the fix: cleanup marked all three killed and removed their worktrees, the agents running on in deleted directories.
      const cleanup = await rig.ao(['session', 'cleanup']);
      expect(cleanup.code, cleanup.stderr).toBe(0);
      expect(cleanup.stdout).toBe('nothing to clean up\n');
      const status = await rig.ao(['status', '--json']);
      expect(status.code, status.stderr).toBe(0);
      const doc = JSON.parse(status.stdout) as { sessions: { id: string; status: string }[]; warnings: { problem: string }[] };
      for (const s of sessions) expect(doc.sessions.find((v) => v.id === s.id)?.status).toBe('working');
      expect(doc.warnings.filter((w) => /tmux does not answer for it, but its agent process still runs/.test(w.problem))).toHaveLength(3);
      // Nothing was recorded, nothing deleted, every agent still runs in its worktree.
      expect(sessions.map((s) => readFileSync(recordFile(rig, s.host, s.id), 'utf8'))).toEqual(recordsBefore);
      for (const [i, s] of sessions.entries()) {
        expect(existsSync(s.worktree)).toBe(true);
        expect(agents[i]!.every(running)).toBe(true);
      }
      // Send cannot type into a pane tmux does not show; it says why, not "no tmux session, restore it".
      const send = await rig.ao(['send', sessions[2]!.id, 'hello?']);
      expect(send.code).toBe(1);
      expect(send.stderr).toMatch(/tmux does not answer for it, but its agent process still runs.*nothing was sent/);
      // Restore would start a second agent in the same worktree: refused.
      const restore = await rig.ao(['session', 'restore', sessions[1]!.id]);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toMatch(/tmux does not answer for it, but its agent process still runs.*restoring would start a second agent/s);
      expect(processesIn(sessions[1]!.worktree).sort()).toEqual([...agents[1]!].sort());

      // A kill is the operator's decision: it stops the agent even though tmux cannot be asked.
      const victim = sessions[0]!;
      const killed = await rig.ao(['session', 'kill', victim.id]);
      expect(killed.code, killed.stderr).toBe(0);
      expect(agents[0]!.filter(running)).toEqual([]);
      expect(existsSync(victim.worktree)).toBe(false);
      expect(readRecords(rig).find((r) => r.id === victim.id)?.record.status).toBe('killed');
      for (const i of [1, 2]) expect(agents[i]!.every(running)).toBe(true);
    } finally {
      putBack();
    }
    // With the socket back, tmux shows the two that run, and nothing of the killed one.
    await waitFor(async () => (await rig.orch.runtime('local').probeAll(`${rig.orch.hash12}-`)).panes.size === 2, 10_000, 'tmux to show two sessions');
    expectConsistent(rig);
  });

  it('an agent process that ended but was never reaped (a zombie) is dead: cleanup rolls the session back, and kill does not hang on it', async () => {
    tally.run();
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'zombie agent', host: 'local' });
    const agent = processesIn(s.worktree);
    execFileSync('tmux', ['-L', rig.socket, 'kill-session', '-t', `=${s.tmuxName}`]);
    tally.fault('tmux session killed by hand');
    await waitFor(() => agent.every((pid) => !running(pid)), 10_000, 'the agent to end');
    // Its pane's process, reparented to a PID 1 that does not reap: still in /proc, answering kill -0.
    const zombie = await makeZombie();
    tally.fault('agent process a zombie');
    try {
      const file = recordFile(rig, 'local', s.id);
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^panePid=.*$/m, `panePid=${zombie.pid}`).replace(/^paneStart=.*$/m, `paneStart=${zombie.start}`));
      // Before the fix: "nothing to clean up" (the zombie counted as a live agent that tmux did not show), for as long as it stays.
      const cleanup = await rig.ao(['session', 'cleanup']);
      expect(cleanup.code, cleanup.stderr).toBe(0);
      expect(cleanup.stdout).toContain(`killed ${s.id} (runtime dead)`);
      expect(readRecords(rig).find((r) => r.id === s.id)?.record.status).toBe('killed');
    } finally {
      zombie.release();
    }
    expectConsistent(rig);
  });
});
