import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { HostPool } from '../../src/hosts/pool.js';
import { killSession } from '../../src/sessions/kill.js';
import { Orchestrator } from '../../src/sessions/orchestrator.js';
import { restoreSession } from '../../src/sessions/restore.js';
import { spawnSession, type SpawnResult } from '../../src/sessions/spawn.js';
import { readRecords } from '../support/audit.js';
import { fakeAgentCommand } from '../support/fake-agent.js';
import { waitFor } from '../support/rig.js';
import { dataRoot, expectConsistent, fileHashes, killProcess, lostFiles, processesIn, running, startFaultRig, type FaultRig } from './harness.js';
import { tally, writeTally } from './tally.js';

// Real processes on a loaded 2-core machine: every test waits for conditions, and may take its time.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/**
 * Issue 9, items 2 and 3: kill and restore of one session never interleave
 * (each holds the session's runtime and record locks from its first look to
 * its last write), the agent never runs outside its worktree, the end state
 * always matches the record; and kill saves everything it deletes (nested
 * repositories and ignored files too), also when it is killed half-way.
 */

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig();
});
afterAll(async () => {
  await writeTally(import.meta.filename);
  await rig?.stop();
});

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', env: GIT_ENV }).trim();
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const record = (id: string) => readRecords(rig).find((r) => r.id === id)?.record;
const tmuxHas = (name: string) => {
  try {
    execFileSync('tmux', ['-L', rig.socket, 'has-session', '-t', `=${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Work of every kind a kill must keep: a commit, staged and unstaged changes, untracked and ignored files, a nested repository. */
function makeWork(wt: string, tag: string): void {
  write(path.join(wt, 'feature.txt'), `${tag}: committed, not pushed\n`);
  git(wt, 'add', 'feature.txt');
  git(wt, 'commit', '-q', '-m', `${tag} commit`);
  write(path.join(wt, 'app.txt'), `${tag}: staged\n`);
  git(wt, 'add', 'app.txt');
  write(path.join(wt, 'README.md'), `${tag}: unstaged\n`);
  write(path.join(wt, 'notes/untracked.txt'), `${tag}: untracked\n`);
  write(path.join(wt, '.gitignore'), 'notes.local\n.env\n');
  write(path.join(wt, 'notes.local'), `${tag}: ignored notes\n`);
  write(path.join(wt, '.env'), `SECRET=${tag}\n`);
  execFileSync('git', ['init', '-q', '-b', 'main', path.join(wt, 'vendor/lib')]);
  write(path.join(wt, 'vendor/lib/code.txt'), `${tag}: nested commit\n`);
  git(path.join(wt, 'vendor/lib'), 'add', '.');
  git(path.join(wt, 'vendor/lib'), 'commit', '-q', '-m', 'nested work');
  write(path.join(wt, 'vendor/lib/wip.txt'), `${tag}: nested, uncommitted\n`);
}

/** The files of a worktree that count as work (git's own bookkeeping of the nested repository aside: index and logs are rewritten by any git command). */
const workFiles = (wt: string) => new Map([...fileHashes(wt)].filter(([f]) => !/^vendor\/lib\/\.git\/(index|logs\/|ORIG_HEAD|FETCH_HEAD)/.test(f)));

function environ(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return ''; // ended meanwhile
  }
}

/** A process that is trying to take one of a session's locks for the process `pid` (its holder string names the pid). */
function waitingForLock(pid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(`:${pid}:`) && cmdline.includes('/locks/')) return true;
    } catch {
      /* gone */
    }
  }
  return false;
}

describe('kill and restore race (item 2)', () => {
  it.each(['local', 'ssh1'])('on %s: `ao session kill` and, 0.4 s later, `ao session restore`, three rounds: the end state matches the record, nothing runs outside its worktree, nothing is lost', async (host) => {
    for (let round = 0; round < 3; round++) {
      tally.run();
      const s = await spawnSession(rig.orch, { project: 'demo', prompt: `race ${host} ${round}`, host });
      write(path.join(s.worktree, 'work.txt'), `round ${round} on ${host}\n`);
      const before = workFiles(s.worktree);
      // The agent crashed (its tmux session gone, its processes ended), as in the issue.
      const agent = processesIn(s.worktree);
      execFileSync('tmux', ['-L', rig.socket, 'kill-session', '-t', `=${s.tmuxName}`]);
      tally.fault('tmux session killed by hand');
      await waitFor(() => agent.every((pid) => !running(pid)), 10_000, 'the agent to end');
      const kill = rig.startAo(['session', 'kill', s.id, '--json']);
      await sleep(400);
      const restore = rig.startAo(['session', 'restore', s.id, '--json']);
      tally.fault('kill and restore raced');
      const [k, r] = await Promise.all([kill.done, restore.done]);
      // Each succeeds, or (on a very loaded machine, the other holding the session past its 30 s wait) says the
      // session is busy and does nothing: a refusal, never half an operation. Either way the audit below decides.
      for (const done of [k, r]) {
        if (done.code !== 0) expect(done.stderr, done.stderr).toMatch(new RegExp(`session ${s.id} is busy`));
      }
      expect(k.code === 0 || r.code === 0, `${k.stderr}${r.stderr}`).toBe(true);
      const end = record(s.id)!;
      expect(['working', 'killed']).toContain(end.status);
      tally.outcome(
        k.code !== 0 || r.code !== 0
          ? `kill/restore race: ${k.code !== 0 ? 'kill' : 'restore'} refused (busy), the other done`
          : end.status === 'working'
            ? 'kill/restore race: kill first, then restore (working, worktree recreated)'
            : 'kill/restore race: restore first, then kill (killed)',
      );
      // Whoever went second acted on what the first left: the work is where the record says.
      if (end.status !== 'killed') {
        expect(lostFiles(before, workFiles(s.worktree))).toEqual([]);
      } else {
        expect(git(rig.origin.url, 'show', `${end.backupRef}:work.txt`)).toBe(`round ${round} on ${host}`);
        tally.workChecked(1, 0);
      }
      // Nothing of the session runs in the home directory (where tmux puts a session whose directory is missing).
      expect(processesIn(os.homedir()).filter((pid) => environ(pid).includes(`AO_SESSION_ID=${s.id}\0`))).toEqual([]);
      expectConsistent(rig);
      if (end.status !== 'killed') await killSession(rig.orch, s.id, { force: true });
    }
  });

  it('a restore started while a kill is under way (stopped at kill:stopped) waits for it, then restores from what the kill saved', async () => {
    tally.run();
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'kill, then restore', host: 'ssh1' });
    makeWork(s.worktree, 'waits');
    const before = workFiles(s.worktree);
    const kill = rig.startAo(['session', 'kill', s.id, '--json'], { faultAt: ['kill:stopped'] });
    await kill.reached('kill:stopped');
    const restore = rig.startAo(['session', 'restore', s.id, '--json']);
    tally.fault('restore during a kill');
    await waitFor(() => waitingForLock(restore.pid), 30_000, 'the restore to wait for the session lock');
    // The restore has not acted: the agent is stopped, nothing was started, the worktree is as it was.
    expect(tmuxHas(s.tmuxName)).toBe(false);
    expect(existsSync(s.worktree)).toBe(true);
    expect(record(s.id)?.status).toBe('working');
    kill.go('kill:stopped');
    const [k, r] = await Promise.all([kill.done, restore.done]);
    expect(k.code, k.stderr).toBe(0);
    expect(JSON.parse(k.stdout)).toMatchObject({ killed: true, saved: { commits: 1, ignored: 2, nested: 1 } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ worktree: 'recreated', saved: 'applied', runtime: 'new-session' });
    expect(record(s.id)?.status).toBe('working');
    expect(lostFiles(before, workFiles(s.worktree))).toEqual([]);
    expectConsistent(rig);
    await killSession(rig.orch, s.id, { force: true });
  });

  it.each(['local', 'ssh1'])('on %s, kill stops every process of the agent\'s group, also one that ignores the hang-up (a server it started with nohup)', async (host) => {
    tally.run();
    // The same deployment, with an agent that leaves a background process behind that ignores SIGHUP.
    const raw = { ...rig.configRaw, projects: (rig.configRaw.projects as Record<string, unknown>[]).map((p) => ({ ...p, agentCommand: `(trap '' HUP; exec sleep 300) & ${fakeAgentCommand({ log: rig.agentLog })}` })) };
    const config = parseConfig(raw);
    const orch = new Orchestrator(config, new HostPool(config), { actor: 'fault-test' });
    try {
      const s = await spawnSession(orch, { project: 'demo', prompt: `nohup child on ${host}`, host });
      const group = processesIn(s.worktree);
      expect(group.length).toBeGreaterThanOrEqual(3);
      tally.fault('agent child ignoring SIGHUP');
      const killed = await rig.ao(['session', 'kill', s.id]);
      expect(killed.code, killed.stderr).toBe(0);
      // Before the fix: the pane went with tmux, so its group was not signalled, and the sleep ran on in the deleted worktree.
      expect(group.filter(running)).toEqual([]);
      expectConsistent(rig);
    } finally {
      await orch.pool.close();
    }
  });

  it('tmux is never started in a directory that does not exist (it would fall back to $HOME)', async () => {
    tally.run();
    tally.fault('start in a missing directory');
    const name = `${rig.orch.hash12}-demo-999`;
    const missing = path.join(dataRoot(rig, 'local'), 'demo', 'worktrees', 'demo-999');
    await expect(rig.orch.runtime('local').start({ name, cwd: missing, command: 'sleep 60' })).rejects.toThrow(/does not exist; the agent was not started/);
    expect(tmuxHas(name)).toBe(false);
    expectConsistent(rig);
  });
});

describe('kill saves everything it deletes (item 3)', () => {
  it.each(['ssh1', 'local'])('`ao session kill` on %s keeps a nested repository and ignored files, counts them, and restore brings every file back', async (host) => {
    tally.run();
    const s: SpawnResult = await spawnSession(rig.orch, { project: 'demo', prompt: `save all on ${host}`, host });
    makeWork(s.worktree, host);
    const before = workFiles(s.worktree);
    const killed = await rig.ao(['session', 'kill', s.id]);
    expect(killed.code, killed.stderr).toBe(0);
    expect(killed.stdout).toMatch(/saved 1 unpushed commit\(s\), 1 staged, 1 unstaged, 3 untracked file\(s\)/);
    expect(killed.stdout).toMatch(/kept 2 ignored path\(s\) and 1 nested repository in /);
    expect(existsSync(s.worktree)).toBe(false);
    expectConsistent(rig);
    const restored = await rig.ao(['session', 'restore', s.id]);
    expect(restored.code, restored.stderr).toBe(0);
    // Before the fix: vendor/lib came back as an empty gitlink, notes.local and .env were gone.
    expect(lostFiles(before, workFiles(s.worktree))).toEqual([]);
    expect(git(path.join(s.worktree, 'vendor/lib'), 'log', '--format=%s')).toBe('nested work');
    expectConsistent(rig);
    await killSession(rig.orch, s.id, { force: true });
  });

  it('`ao session kill` SIGKILLed after stopping the agent (kill:stopped) loses nothing: its locks die with it, and the next kill saves it all', async () => {
    tally.run();
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'killed kill', host: 'local' });
    makeWork(s.worktree, 'killed-kill');
    const before = workFiles(s.worktree);
    const agent = processesIn(s.worktree);
    const p = rig.startAo(['session', 'kill', s.id], { faultAt: ['kill:stopped'] });
    await p.reached('kill:stopped');
    expect(agent.filter(running)).toEqual([]);
    await killProcess(p, 'SIGKILL');
    // Half a kill: the agent stopped, nothing deleted, the record not yet changed, the locks held by a dead process.
    expect(existsSync(path.join(dataRoot(rig, 'local'), 'demo', 'locks', `${s.id}.runtime`))).toBe(true);
    expect(lostFiles(before, workFiles(s.worktree))).toEqual([]);
    // lockWaitSec is 1: the dead holder's locks are broken at once.
    const again = await killSession(rig.quick(), s.id);
    expect(again).toMatchObject({ killed: true, saved: { commits: 1, staged: 1, unstaged: 1, untracked: 3, ignored: 2, nested: 1 } });
    expectConsistent(rig);
    const restored = await restoreSession(rig.quick(), s.id);
    expect(restored).toMatchObject({ worktree: 'recreated', saved: 'applied' });
    expect(lostFiles(before, workFiles(s.worktree))).toEqual([]);
    expectConsistent(rig);
    await killSession(rig.orch, s.id, { force: true });
  });
});
