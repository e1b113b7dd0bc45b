import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { HostPool } from '../../src/hosts/pool.js';
import { killSession } from '../../src/sessions/kill.js';
import { Orchestrator } from '../../src/sessions/orchestrator.js';
import { restoreSession } from '../../src/sessions/restore.js';
import { spawnSession } from '../../src/sessions/spawn.js';
import { messages } from '../support/agent-log.js';
import { startRig, waitFor, type SessionRig } from '../support/rig.js';

/** Kill saves everything it deletes, and restore brings exactly that back (issues 8 and 9). */

let rig: SessionRig;

beforeAll(async () => {
  rig = await startRig({ ssh: true });
});
afterAll(async () => {
  await rig?.stop();
});

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', env: GIT_ENV });
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};

/** Every kind of work a session can hold when it is killed. */
function makeWork(wt: string): void {
  write(path.join(wt, 'feature/new.txt'), 'committed, not pushed\n');
  git(wt, 'add', 'feature/new.txt');
  git(wt, 'commit', '-q', '-m', 'agent commit');
  write(path.join(wt, 'app.txt'), 'version 2, staged\n');
  git(wt, 'add', 'app.txt');
  write(path.join(wt, 'app.txt'), 'version 3, staged then changed again\n');
  write(path.join(wt, 'README.md'), '# changed, not staged\n');
  write(path.join(wt, 'deep/dir/untracked.txt'), 'untracked in a subdirectory\n');
  write(path.join(wt, 'feature/new.txt'), 'committed, then edited\n');
  git(wt, 'rm', '-q', '--cached', 'feature/new.txt');
}

const state = (wt: string) => ({
  status: git(wt, 'status', '--porcelain=v1', '--untracked-files=all'),
  log: git(wt, 'log', '--format=%H %s'),
  index: git(wt, 'ls-files', '--stage'),
  files: Object.fromEntries(['app.txt', 'README.md', 'deep/dir/untracked.txt', 'feature/new.txt'].map((f) => [f, existsSync(path.join(wt, f)) ? readFileSync(path.join(wt, f), 'utf8') : null])),
});

describe.each(['local', 'ssh1'])('kill then restore on %s', (host) => {
  it('gives back a worktree whose git status, log, index and files equal the ones before the kill', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'work, then be killed', host });
    makeWork(s.worktree);
    const before = state(s.worktree);
    expect(before.status).toMatch(/^MM app\.txt$/m);
    expect(before.status).toMatch(/^ M README\.md$/m);
    expect(before.status).toMatch(/^\?\? deep\/dir\/untracked\.txt$/m);
    expect(before.status).toMatch(/^D  feature\/new\.txt$/m);

    const killed = await killSession(rig.orch, s.id);
    expect(killed.saved).toEqual({ commits: 1, staged: 2, unstaged: 2, untracked: 2, ignored: 0, nested: 0 });
    expect(killed.message).toMatch(/saved 1 unpushed commit\(s\), 2 staged, 2 unstaged, 2 untracked file\(s\)/);
    expect(existsSync(s.worktree)).toBe(false);

    const restored = await restoreSession(rig.orch, s.id);
    expect(restored).toMatchObject({ worktree: 'recreated', saved: 'applied' });
    expect(state(s.worktree)).toEqual(before);
    // The agent is told what came back.
    await waitFor(() => messages(rig.agentLog).find((m) => m.includes(`This session (${s.id}) was restored`) && m.includes('The work saved when it was killed is back')), 10_000, 'the briefing');
    await killSession(rig.orch, s.id, { force: true });
  });
});

describe('restore never starts from less than the newest saved state', () => {
  it('fetches the saved work from origin when the host lost its mirror', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'mirror lost', host: 'local' });
    makeWork(s.worktree);
    const before = state(s.worktree);
    await killSession(rig.orch, s.id);
    // The host's mirror (and with it the branch and every local object) is gone.
    rmSync(path.join(rig.dir, 'local-data/test/repos'), { recursive: true, force: true });
    const restored = await restoreSession(rig.orch, s.id);
    expect(restored.saved).toBe('applied');
    expect(state(s.worktree)).toEqual(before);
  });

  it('refuses when the saved work cannot be found, rather than start from the branch alone', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'backup lost', host: 'local' });
    write(path.join(s.worktree, 'only-here.txt'), 'precious\n');
    const killed = await killSession(rig.orch, s.id);
    rmSync(path.join(rig.dir, 'local-data/test/repos'), { recursive: true, force: true });
    git(rig.origin.url, 'update-ref', '-d', killed.backupRef!);
    // Gone from origin for good (a local clone would otherwise copy even unreachable objects).
    git(rig.origin.url, 'reflog', 'expire', '--expire=now', '--all');
    git(rig.origin.url, 'gc', '-q', '--prune=now');
    await expect(restoreSession(rig.orch, s.id)).rejects.toThrow(/saved work [0-9a-f]+ is neither on this host nor in refs\/ao\/backup\/.*not restoring from less/);
  });
});

describe('kill saves what git cannot hold, or refuses naming it', () => {
  it('keeps ignored files and a nested repository on the host, deletes only regenerable ones, and restore puts them back', async () => {
    const s = await spawnSession(rig.orch, { project: 'demo', prompt: 'ignored and nested', host: 'ssh1' });
    const wt = s.worktree;
    write(path.join(wt, '.gitignore'), 'notes.local\n.env\nnode_modules/\nvendor/\n');
    write(path.join(wt, 'notes.local'), 'my notes\n');
    write(path.join(wt, '.env'), 'SECRET=1\n');
    write(path.join(wt, 'node_modules/pkg/index.js'), 'regenerable\n');
    // An embedded repository with a commit of its own and an uncommitted file.
    execFileSync('git', ['init', '-q', '-b', 'main', path.join(wt, 'lib/embedded')]);
    write(path.join(wt, 'lib/embedded/code.txt'), 'embedded commit\n');
    git(path.join(wt, 'lib/embedded'), 'add', '.');
    git(path.join(wt, 'lib/embedded'), 'commit', '-q', '-m', 'embedded work');
    write(path.join(wt, 'lib/embedded/wip.txt'), 'embedded, uncommitted\n');

    const killed = await killSession(rig.orch, s.id);
    expect(killed.saved).toMatchObject({ ignored: 2, nested: 1 });
    expect(killed.discarded).toEqual(['node_modules/']);
    expect(killed.archive).toMatch(new RegExp(`/test/demo/saved/${s.id}/\\d{8}T\\d{6}Z\\.tar$`));
    expect(killed.message).toMatch(/kept 2 ignored path\(s\) and 1 nested repository in .*deleted 1 regenerable or given-up path\(s\): node_modules\//);
    // The secret stays on the host: it is not in the backup ref pushed to origin.
    expect(() => git(rig.origin.url, 'show', `${killed.backupRef}:.env`)).toThrow();
    // Private to the user.
    expect((Number.parseInt(execFileSync('stat', ['-c', '%a', killed.archive!], { encoding: 'utf8' }), 8) & 0o077)).toBe(0);

    const restored = await restoreSession(rig.orch, s.id);
    expect(restored.saved).toBe('applied');
    expect(readFileSync(path.join(wt, 'notes.local'), 'utf8')).toBe('my notes\n');
    expect(readFileSync(path.join(wt, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(readFileSync(path.join(wt, 'lib/embedded/wip.txt'), 'utf8')).toBe('embedded, uncommitted\n');
    expect(git(path.join(wt, 'lib/embedded'), 'log', '--format=%s').trim()).toBe('embedded work');
    expect(existsSync(path.join(wt, 'node_modules'))).toBe(false);
    await killSession(rig.orch, s.id, { force: true });
  });

  it('refuses when what it would keep is over the limit, naming the biggest, and --force gives only that up', async () => {
    const smallConfig = parseConfig({ ...rig.configRaw, defaults: { ...(rig.configRaw.defaults as object), killArchiveMaxMb: 1 } });
    const small = new Orchestrator(smallConfig, new HostPool(smallConfig), { actor: 'test' });
    const s = await spawnSession(small, { project: 'demo', prompt: 'too big', host: 'local' });
    write(path.join(s.worktree, '.gitignore'), 'big/\n');
    write(path.join(s.worktree, 'big/blob.bin'), 'x'.repeat(3 * 1024 * 1024));
    write(path.join(s.worktree, 'tracked-change.txt'), 'untracked but not ignored\n');
    await expect(killSession(small, s.id)).rejects.toThrow(/kill would delete ignored files and nested repositories \(3 MB; biggest: big\/ \(3 MB\)\), more than the 1 MB it keeps/);
    expect(existsSync(path.join(s.worktree, 'big/blob.bin'))).toBe(true);
    const forced = await killSession(small, s.id, { force: true });
    expect(forced).toMatchObject({ killed: true, discarded: ['big/'], discardedUnsavedWork: false, archive: null });
    expect(git(rig.origin.url, 'show', `${forced.backupRef}:tracked-change.txt`)).toBe('untracked but not ignored\n');
    await small.pool.close();
  });
});

describe('backups of two deployments never collide', () => {
  it('two configs with different instances, each with a session demo-1 of the same repo, write different refs', async () => {
    const deployment = (instance: string) => {
      const config = parseConfig({ ...rig.configRaw, instance, tmuxSocket: `${rig.socket}-${instance}` });
      return new Orchestrator(config, new HostPool(config), { actor: 'test' });
    };
    const one = deployment('one');
    const other = deployment('two');
    try {
      const a = await spawnSession(one, { project: 'demo', prompt: 'deployment a', host: 'local', branch: 'ao/deploy-a' });
      const b = await spawnSession(other, { project: 'demo', prompt: 'deployment b', host: 'local', branch: 'ao/deploy-b' });
      write(path.join(a.worktree, 'a.txt'), 'a\n');
      write(path.join(b.worktree, 'b.txt'), 'b\n');
      expect(a.id).toBe('demo-1');
      expect(b.id).toBe('demo-1');
      const ka = await killSession(one, a.id);
      const kb = await killSession(other, b.id);
      expect(ka.backupRef).not.toBe(kb.backupRef);
      expect(ka.backupRef).toBe(`refs/ao/backup/one-${one.hash12}/demo-1`);
      expect(kb.backupRef).toBe(`refs/ao/backup/two-${other.hash12}/demo-1`);
      expect(git(rig.origin.url, 'show', `${ka.backupRef}:a.txt`)).toBe('a\n');
      expect(git(rig.origin.url, 'show', `${kb.backupRef}:b.txt`)).toBe('b\n');
    } finally {
      for (const o of [one, other]) {
        await o.pool.close();
        try {
          execFileSync('tmux', ['-L', o.tmuxSocket, 'kill-server'], { stdio: 'ignore' });
        } catch {
          /* none */
        }
      }
    }
  });
});
