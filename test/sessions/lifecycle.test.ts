import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupSessions } from '../../src/sessions/cleanup.js';
import { killSession } from '../../src/sessions/kill.js';
import { listSessions } from '../../src/sessions/list.js';
import { restoreSession } from '../../src/sessions/restore.js';
import { sendMessage } from '../../src/sessions/send.js';
import { spawnSession } from '../../src/sessions/spawn.js';
import { messages } from '../support/agent-log.js';
import { startRig, waitFor, type SessionRig } from '../support/rig.js';

let rig: SessionRig;

beforeAll(async () => {
  rig = await startRig({ ssh: true });
});
afterAll(async () => {
  await rig?.stop();
});

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8' }).trim();

async function status(id: string) {
  return (await listSessions(rig.orch, { includeKilled: true })).sessions.find((s) => s.id === id);
}

describe('kill', () => {
  it('saves an unpushed commit and uncommitted changes to a backup ref, then removes the worktree', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'make a commit', host: 'ssh1' });
    await sendMessage(rig.orch, s.id, 'fake:write feature.txt committed work\nfake:commit add feature');
    await waitFor(() => git(s.worktree, 'log', '-1', '--format=%s') === 'add feature', 10_000, 'the commit');
    const commit = git(s.worktree, 'rev-parse', 'HEAD');
    writeFileSync(path.join(s.worktree, 'scratch.txt'), 'not committed yet\n');

    const result = await killSession(rig.orch, s.id);
    expect(result).toMatchObject({ killed: true, backupRef: `refs/ao/backup/${rig.orch.deployment}/${s.id}`, discardedUnsavedWork: false });
    expect(existsSync(s.worktree)).toBe(false);
    // The commit is reachable from the backup ref in origin, and so is the uncommitted file.
    const backup = git(rig.origin.url, 'rev-parse', `refs/ao/backup/${rig.orch.deployment}/${s.id}`);
    expect(git(rig.origin.url, 'merge-base', '--is-ancestor', commit, backup)).toBe('');
    expect(git(rig.origin.url, 'show', `${backup}:scratch.txt`)).toBe('not committed yet');
    expect(git(rig.origin.url, 'show', `${backup}:feature.txt`)).toBe('committed work');
    const view = await status(s.id);
    expect(view).toMatchObject({ status: 'killed', killedAt: expect.any(String) });

    const again = await killSession(rig.orch, s.id);
    expect(again).toMatchObject({ killed: false, alreadyKilled: true });
    expect(again.message).toMatch(/already killed/);
  });

  it('refuses without --force when the work cannot be saved, and kills with --force', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'unsaveable', host: 'local' });
    writeFileSync(path.join(s.worktree, 'precious.txt'), 'precious\n');
    // The origin rejects backup refs.
    const hook = path.join(rig.origin.url, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "backups are not allowed here" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    try {
      await expect(killSession(rig.orch, s.id)).rejects.toThrow(/could not be saved.*worktree was kept/s);
      expect(existsSync(path.join(s.worktree, 'precious.txt'))).toBe(true);
      const forced = await killSession(rig.orch, s.id, { force: true });
      expect(forced).toMatchObject({ killed: true, discardedUnsavedWork: true, backupRef: null });
      expect(existsSync(s.worktree)).toBe(false);
    } finally {
      execFileSync('rm', ['-f', hook]);
    }
  });
});

describe('kill keeps every backup, and never deletes work it cannot read', () => {
  it('a second kill after a restore keeps the first backup reachable', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'twice', host: 'local' });
    writeFileSync(path.join(s.worktree, 'first.txt'), 'first\n');
    const first = await killSession(rig.orch, s.id);
    await restoreSession(rig.orch, s.id);
    writeFileSync(path.join(s.worktree, 'second.txt'), 'second\n');
    const second = await killSession(rig.orch, s.id);
    expect(second.backupRef).toBe(first.backupRef);
    const tip = git(rig.origin.url, 'rev-parse', second.backupRef!);
    expect(git(rig.origin.url, 'merge-base', '--is-ancestor', first.backupCommit!, tip)).toBe('');
    expect(git(rig.origin.url, 'show', `${first.backupCommit}:first.txt`)).toBe('first');
    expect(git(rig.origin.url, 'show', `${tip}:second.txt`)).toBe('second');
  });

  it('refuses to kill when git cannot read the worktree, and keeps the files', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'broken repo', host: 'local' });
    writeFileSync(path.join(s.worktree, 'precious.txt'), 'precious\n');
    const mirror = path.join(rig.dir, 'local-data/test/repos/acme/demo-app.git');
    execFileSync('mv', [mirror, `${mirror}.away`]);
    try {
      await expect(killSession(rig.orch, s.id)).rejects.toThrow(/could not be saved.*not a usable git worktree/s);
      expect(existsSync(path.join(s.worktree, 'precious.txt'))).toBe(true);
    } finally {
      execFileSync('mv', [`${mirror}.away`, mirror]);
    }
    const killed = await killSession(rig.orch, s.id);
    expect(killed.backupRef).toBe(`refs/ao/backup/${rig.orch.deployment}/${s.id}`);
  });
});

describe('kill inside a foreign repository', () => {
  it('refuses when the worktree lost its .git and sits inside another repository', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'nested', host: 'local' });
    writeFileSync(path.join(s.worktree, 'mine.txt'), 'mine\n');
    execFileSync('rm', ['-f', path.join(s.worktree, '.git')]);
    const outer = path.dirname(s.worktree);
    execFileSync('git', ['init', '-q', outer]);
    try {
      await expect(killSession(rig.orch, s.id)).rejects.toThrow(/not the top of its own git worktree/);
      expect(existsSync(path.join(s.worktree, 'mine.txt'))).toBe(true);
    } finally {
      execFileSync('rm', ['-rf', path.join(outer, '.git')]);
    }
    await killSession(rig.orch, s.id, { force: true });
  });
});

describe('cleanup', () => {
  it('--dry-run changes nothing; cleanup kills only the dead session', async () => {
    const alive = await spawnSession(rig.orch, { project: 'demo', prompt: 'stay alive', host: 'local' });
    const dead = await spawnSession(rig.orch, { project: 'demo', prompt: 'will die', host: 'ssh1' });
    execFileSync('tmux', ['-L', rig.socket, 'kill-session', '-t', `=${dead.tmuxName}`]);

    const dry = await cleanupSessions(rig.orch, { dryRun: true });
    expect(dry.candidates.map((c) => c.id)).toContain(dead.id);
    expect(dry.candidates.map((c) => c.id)).not.toContain(alive.id);
    expect(dry.candidates.find((c) => c.id === dead.id)?.reason).toBe('runtime dead');
    expect(dry.killed).toEqual([]);
    expect(existsSync(dead.worktree)).toBe(true);
    expect((await rig.orch.store('ssh1').read('demo', dead.id))?.status).not.toBe('killed');

    const real = await cleanupSessions(rig.orch);
    expect(real.killed.map((k) => k.id)).toContain(dead.id);
    expect(real.killed.map((k) => k.id)).not.toContain(alive.id);
    expect(existsSync(dead.worktree)).toBe(false);
    expect(existsSync(alive.worktree)).toBe(true);
    expect((await status(dead.id))?.status).toBe('killed');
    expect((await status(alive.id))?.status).toBe('working');
  });
});

describe('restore', () => {
  it('restores after tmux was killed by hand, and tells the agent where it stands', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'crash me', host: 'ssh1' });
    execFileSync('tmux', ['-L', rig.socket, 'kill-session', '-t', `=${s.tmuxName}`]);
    expect((await status(s.id))?.status).toBe('errored');
    const result = await restoreSession(rig.orch, s.id);
    expect(result).toMatchObject({ runtime: 'new-session', worktree: 'present', briefed: true });
    await waitFor(() => messages(rig.agentLog).find((m) => m.includes(`This session (${s.id}) was restored`)), 10_000, 'the briefing');
    const view = await status(s.id);
    expect(view).toMatchObject({ status: 'working', restoredAt: result.restoredAt });
  });

  it('restores when the agent exited inside a live tmux session', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'exit soon', host: 'local' });
    await sendMessage(rig.orch, s.id, 'fake:exit 3');
    await waitFor(async () => (await status(s.id))?.activity === 'exited', 10_000, 'the agent to exit');
    expect((await status(s.id))?.status).toBe('errored');
    const result = await restoreSession(rig.orch, s.id);
    expect(result.runtime).toBe('respawned');
    await waitFor(async () => (await status(s.id))?.status === 'working', 10_000, 'working again');
  });

  it('restores a killed session, recreating its worktree from the branch', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'kill and restore', host: 'local' });
    await sendMessage(rig.orch, s.id, 'fake:write keep.txt kept\nfake:commit keep this\nfake:push');
    await waitFor(() => {
      try {
        return git(rig.origin.url, 'rev-parse', `refs/heads/${s.branch}`);
      } catch {
        return undefined;
      }
    }, 10_000, 'the push');
    await killSession(rig.orch, s.id);
    expect(existsSync(s.worktree)).toBe(false);
    const result = await restoreSession(rig.orch, s.id);
    expect(result.worktree).toBe('recreated');
    expect(git(s.worktree, 'log', '-1', '--format=%s')).toBe('keep this');
    expect((await status(s.id))?.status).toBe('working');
  });

  it('moves a directory git cannot use aside instead of deleting it, and says where', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'broken worktree', host: 'local' });
    execFileSync('tmux', ['-L', rig.socket, 'kill-session', '-t', `=${s.tmuxName}`]);
    execFileSync('rm', ['-f', path.join(s.worktree, '.git')]);
    writeFileSync(path.join(s.worktree, 'notes.txt'), 'not in git\n');
    const result = await restoreSession(rig.orch, s.id);
    expect(result.worktree).toBe('recreated');
    expect(result.movedAside).toMatch(new RegExp(`^${s.worktree}\\.orphan\\.\\d+$`));
    expect(existsSync(path.join(result.movedAside!, 'notes.txt'))).toBe(true);
    expect(git(s.worktree, 'branch', '--show-current')).toBe(s.branch);
    await waitFor(() => messages(rig.agentLog).find((m) => m.includes(`moved to ${result.movedAside}`)), 10_000, 'the note about moved files');
  });

  it('refuses to restore a running session', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'running', host: 'local' });
    await expect(restoreSession(rig.orch, s.id)).rejects.toThrow(/is running/);
  });
});
