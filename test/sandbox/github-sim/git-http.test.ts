// Git over smart HTTP at `<sim>/<owner>/<repo>.git`, with tokens as on
// GitHub: installation tokens (any username, e.g. x-access-token) and user
// tokens as the password, anonymous reads of public repos, push permission
// enforced, expired installation tokens refused with 401, and pushes noticed
// (push and synchronize webhooks, sent as the pusher) before `git push` returns.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubSimulator, type GitHubSimulator, type RepoHandle } from '../../../src/sandbox/github-sim/index.js';
import { Clone, installationOctokit, simOctokit } from './helpers.js';

const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.com' };

/** The clone URL with credentials in it, as a credential helper would supply them. */
function withCredentials(url: string, username: string, password: string): string {
  const u = new URL(url);
  u.username = username;
  u.password = password;
  return u.toString();
}

describe('git over smart HTTP', () => {
  let sim: GitHubSimulator;
  let repo: RepoHandle;
  let secret: RepoHandle;
  let root: string;

  beforeAll(async () => {
    sim = await startGitHubSimulator();
    repo = await sim.createRepo({ owner: 'acme', name: 'widgets', files: { 'README.md': '# widgets\n' } });
    secret = await sim.createRepo({ owner: 'acme', name: 'vault', private: true, files: { 'key.txt': 'private\n' } });
    root = await mkdtemp(join(tmpdir(), 'ghsim-git-http-'));
  });

  afterAll(async () => {
    await sim?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd, env: GIT_ENV, reject: false });

  async function cloneTo(name: string, url: string) {
    const dir = join(root, name);
    const result = await execa('git', ['clone', '--quiet', url, dir], { env: GIT_ENV, reject: false });
    return { dir, result };
  }

  it('gives the HTTP URL as clone_url, and a public repo clones anonymously', async () => {
    const { data } = await simOctokit(sim).rest.repos.get({ owner: 'acme', repo: 'widgets' });
    expect(data.clone_url).toBe(`${sim.url}/acme/widgets.git`);
    expect(repo.cloneUrl).toBe(data.clone_url);
    const { dir, result } = await cloneTo('anon', data.clone_url);
    expect(result.exitCode).toBe(0);
    expect((await git(dir, 'log', '-1', '--format=%s')).stdout).toBe('Initial commit');
  });

  it('refuses an anonymous push with a Basic challenge, so git asks for credentials', async () => {
    const { dir } = await cloneTo('anon-push', repo.cloneUrl);
    await writeFile(join(dir, 'x.txt'), 'x\n');
    await git(dir, 'add', '.');
    await git(dir, 'commit', '-qm', 'x');
    const push = await git(dir, 'push', 'origin', 'HEAD:refs/heads/anon');
    expect(push.exitCode).not.toBe(0);
    expect(push.stderr).toMatch(/could not read Username|Authentication failed/);
    const raw = await fetch(`${repo.cloneUrl}/info/refs?service=git-receive-pack`);
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toBe('Basic realm="GitHub"');
    expect(await sim.syncRefs('acme', 'widgets')).toEqual([]);
  });

  it('pushes with an installation token (any username), noticed as the app before git returns', async () => {
    const { token } = await installationOctokit(sim, repo.installationId!);
    const { dir, result } = await cloneTo('app', withCredentials(repo.cloneUrl, 'x-access-token', token));
    expect(result.exitCode).toBe(0);
    await git(dir, 'checkout', '-qb', 'ao/wid-1');
    await writeFile(join(dir, 'fix.txt'), 'fixed\n');
    await git(dir, 'add', '.');
    await git(dir, 'commit', '-qm', 'Fix');
    const sha = (await git(dir, 'rev-parse', 'HEAD')).stdout.trim();
    const before = sim.deliveries.list({ event: 'push' }).length;
    const push = await git(dir, 'push', '-q', 'origin', 'ao/wid-1');
    expect(push.exitCode, push.stderr).toBe(0);
    // Already reported when `git push` returned: no syncRefs, no API call.
    const pushes = sim.deliveries.list({ event: 'push' }).slice(before);
    expect(pushes.map((d) => [d.payload.ref, d.payload.after, (d.payload.sender as { login: string }).login])).toEqual([['refs/heads/ao/wid-1', sha, sim.app.botLogin]]);
    expect(await sim.headSha('acme', 'widgets', 'ao/wid-1')).toBe(sha);

    // A PR on the branch follows the next push (pull_request.synchronize).
    const pr = await sim.openPullRequest('acme', 'widgets', { head: 'ao/wid-1', title: 'Fix', as: sim.app.botLogin });
    await writeFile(join(dir, 'fix.txt'), 'fixed again\n');
    await git(dir, 'commit', '-qam', 'Fix again');
    const next = (await git(dir, 'rev-parse', 'HEAD')).stdout.trim();
    expect((await git(dir, 'push', '-q', 'origin', 'ao/wid-1')).exitCode).toBe(0);
    const sync = sim.deliveries.list({ event: 'pull_request', action: 'synchronize' }).at(-1)!;
    expect(sync.payload).toMatchObject({ number: pr.number, before: sha, after: next });
    expect(sim.gitHttp.pushes).toBeGreaterThanOrEqual(2);
  });

  it('refuses an expired installation token with 401; a fresh one works, as after the hour on GitHub', async () => {
    const { token: old } = await installationOctokit(sim, repo.installationId!);
    const { dir } = await cloneTo('expiry', withCredentials(repo.cloneUrl, 'x-access-token', old));
    sim.expireInstallationTokens();
    const basic = (t: string) => `Basic ${Buffer.from(`x-access-token:${t}`).toString('base64')}`;
    const refused = await fetch(`${repo.cloneUrl}/info/refs?service=git-upload-pack`, { headers: { authorization: basic(old) } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Basic realm="GitHub"');
    await git(dir, 'checkout', '-qb', 'ao/wid-2');
    await writeFile(join(dir, 'two.txt'), '2\n');
    await git(dir, 'add', '.');
    await git(dir, 'commit', '-qm', 'Two');
    const stale = await git(dir, 'push', '-q', 'origin', 'ao/wid-2');
    expect(stale.exitCode).not.toBe(0);
    expect(stale.stderr).toMatch(/Authentication failed|Invalid username or token/);

    const { token: fresh } = await installationOctokit(sim, repo.installationId!);
    await git(dir, 'remote', 'set-url', 'origin', withCredentials(repo.cloneUrl, 'x-access-token', fresh));
    const ok = await git(dir, 'push', '-q', 'origin', 'ao/wid-2');
    expect(ok.exitCode, ok.stderr).toBe(0);
    const info = await fetch(`${repo.cloneUrl}/info/refs?service=git-upload-pack`, { headers: { authorization: basic(fresh) } });
    expect(info.status).toBe(200);
    expect(info.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
  });

  it('takes a user token as the password: pushes as that user with write, refuses a reader with 403', async () => {
    const writer = sim.addUser('wendy', { permission: 'write' });
    const reader = sim.addUser('rudy', { permission: 'read' });
    const { dir } = await cloneTo('users', withCredentials(repo.cloneUrl, 'wendy', writer.token));
    await git(dir, 'checkout', '-qb', 'wendy/topic');
    await writeFile(join(dir, 'w.txt'), 'w\n');
    await git(dir, 'add', '.');
    await git(dir, 'commit', '-qm', 'W');
    const before = sim.deliveries.list({ event: 'push' }).length;
    expect((await git(dir, 'push', '-q', 'origin', 'wendy/topic')).exitCode).toBe(0);
    expect(sim.deliveries.list({ event: 'push' }).slice(before).map((d) => (d.payload.sender as { login: string }).login)).toEqual(['wendy']);

    await git(dir, 'remote', 'set-url', 'origin', withCredentials(repo.cloneUrl, 'anything', reader.token));
    const fetched = await git(dir, 'fetch', '-q', 'origin');
    expect(fetched.exitCode, fetched.stderr).toBe(0);
    const denied = await git(dir, 'push', '-q', 'origin', 'wendy/topic:refs/heads/rudy/topic');
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toContain('Permission to acme/widgets.git denied to rudy.');
  });

  it('hides a private repo from anonymous and unauthorised callers, and serves it to those with access', async () => {
    expect((await cloneTo('vault-anon', secret.cloneUrl)).result.exitCode).not.toBe(0);
    const outsider = sim.addUser('olga');
    sim.setPermission('acme', 'vault', 'olga', 'none');
    const hidden = await fetch(`${secret.cloneUrl}/info/refs?service=git-upload-pack`, { headers: { authorization: `Basic ${Buffer.from(`olga:${outsider.token}`).toString('base64')}` } });
    expect(hidden.status).toBe(404);
    const { token } = await installationOctokit(sim, secret.installationId!);
    const { dir, result } = await cloneTo('vault-app', withCredentials(secret.cloneUrl, 'x-access-token', token));
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await git(dir, 'show', 'HEAD:key.txt')).stdout).toBe('private');
  });

  it('streams a large push (chunked request body) intact', async () => {
    const { token } = await installationOctokit(sim, repo.installationId!);
    const clone = await Clone.of(repo.cloneUrl, { token });
    try {
      await clone.git('checkout', '-qb', 'big');
      // Incompressible, larger than git's 1 MiB http.postBuffer: sent chunked.
      const blob = randomBytes(3 * 1024 * 1024).toString('base64');
      const sha = await clone.commit({ 'big.bin': blob }, 'Big');
      await clone.git('push', '-q', 'origin', 'big');
      expect(await sim.headSha('acme', 'widgets', 'big')).toBe(sha);
      const stored = await execa('git', ['--git-dir', repo.gitDir, 'cat-file', '-s', `${sha}:big.bin`]);
      expect(Number(stored.stdout)).toBe(blob.length);
    } finally {
      await clone.remove();
    }
  });
});
