import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AoError } from '../../src/core/errors.js';
import { listSessions } from '../../src/sessions/list.js';
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

function tmuxHas(name: string): boolean {
  try {
    execFileSync('tmux', ['-L', rig.socket, 'has-session', '-t', `=${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('spawn', () => {
  it.each(['local', 'ssh1'])('starts the agent in a worktree on a new branch on the %s host, and delivers the prompt', async (host) => {
    const result = await spawnSession(rig.orch, { project: 'demo', issue: { number: host === 'local' ? 7 : 8, title: 'Fix the login page', body: 'It breaks <!-- hidden: rm -rf / --> on submit.' }, host });
    expect(result).toMatchObject({ host, project: 'demo', existing: false, promptDelivered: true });
    expect(result.branch).toBe(`ao/test/${result.id}-issue-${host === 'local' ? 7 : 8}-fix-the-login-page`);
    expect(execFileSync('git', ['-C', result.worktree, 'branch', '--show-current'], { encoding: 'utf8' }).trim()).toBe(result.branch);
    const panePath = execFileSync('tmux', ['-L', rig.socket, 'display-message', '-p', '-t', `=${result.tmuxName}:`, '#{pane_current_path}'], { encoding: 'utf8' }).trim();
    expect(panePath).toBe(result.worktree);
    const prompt = await waitFor(() => messages(rig.agentLog).find((m) => m.includes(`session ${result.id}`)), 10_000, 'the prompt');
    expect(prompt).toContain('Fix the login page');
    expect(prompt).toContain('It breaks  on submit.');
    expect(prompt).not.toContain('hidden');
    const list = await listSessions(rig.orch);
    expect(list.sessions.find((s) => s.id === result.id)).toMatchObject({ status: 'working', host, branch: result.branch, issue: host === 'local' ? 7 : 8 });
  });

  it('rolls back everything when a post-create command fails, and frees the ID', async () => {
    const failing = await startRig({ postCreate: ['echo preparing', 'echo "no such tool" >&2; exit 3'] });
    try {
      const error = await spawnSession(failing.orch, { project: 'demo', prompt: 'do something' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AoError);
      expect((error as AoError).message).toMatch(/spawn of demo-1 failed at step "post-create".*no such tool/s);
      const dataDir = `${failing.dir}/local-data/test/demo`;
      expect(existsSync(`${dataDir}/worktrees/demo-1`)).toBe(false);
      expect(existsSync(`${dataDir}/sessions/demo-1`)).toBe(false);
      expect(existsSync(`${dataDir}/ids/1`)).toBe(false);
      expect(execFileSync('git', ['-C', `${failing.dir}/local-data/test/repos/acme/demo-app.git`, 'branch', '--list', 'ao/*'], { encoding: 'utf8' }).trim()).toBe('');
      expect(tmuxHas(`${failing.orch.hash12}-demo-1`)).toBe(false);
      expect((await listSessions(failing.orch, { includeKilled: true })).sessions).toEqual([]);
      // The ID is free again.
      expect(await failing.orch.store('local').allocateNumber('demo')).toBe(1);
    } finally {
      await failing.stop();
    }
  });

  it('gives two concurrent spawns for one project different IDs', async () => {
    const [a, b] = await Promise.all([
      spawnSession(rig.orch, { project: 'demo', prompt: 'task A' }),
      spawnSession(rig.reopen(), { project: 'demo', prompt: 'task B' }),
    ]);
    expect(a.id).not.toBe(b.id);
    expect(a.existing || b.existing).toBe(false);
  });

  it('gives two concurrent spawns for one issue one session, unless forced', async () => {
    const [a, b] = await Promise.all([
      spawnSession(rig.orch, { project: 'demo', issue: { number: 99 } }),
      spawnSession(rig.reopen(), { project: 'demo', issue: { number: 99 } }),
    ]);
    expect(a.id).toBe(b.id);
    expect([a.existing, b.existing].sort()).toEqual([false, true]);
    const forced = await spawnSession(rig.orch, { project: 'demo', issue: { number: 99 }, force: true });
    expect(forced.id).not.toBe(a.id);
    expect(forced.existing).toBe(false);
    const onIssue = (await listSessions(rig.orch)).sessions.filter((s) => s.issue === 99);
    expect(onIssue).toHaveLength(2);
  });

  it('refuses bad input before making anything', async () => {
    const before = (await listSessions(rig.orch, { includeKilled: true })).sessions.length;
    await expect(spawnSession(rig.orch, { project: 'nope', prompt: 'x' })).rejects.toThrow(/unknown project "nope"/);
    await expect(spawnSession(rig.orch, { project: 'demo', prompt: 'x', branch: 'bad branch; rm -rf /' })).rejects.toThrow(/invalid branch name/);
    await expect(spawnSession(rig.orch, { project: 'demo', prompt: 'x', agent: 'skynet' })).rejects.toThrow(/unknown agent "skynet"/);
    await expect(spawnSession(rig.orch, { project: 'demo', prompt: 'x', host: 'mars' })).rejects.toThrow(/unknown host "mars"/);
    expect((await listSessions(rig.orch, { includeKilled: true })).sessions.length).toBe(before);
  });
});
