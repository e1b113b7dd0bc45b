// Small helpers for the simulator's tests: authenticating as the GitHub App
// the way an app does, and real git work in a clone of a simulated repo.

import { sign } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { execa } from 'execa';
import type { GitHubSimulator } from '../../../src/sandbox/github-sim/index.js';

/** Octokit's request log would print every expected 4xx; tests assert on them instead. */
export const quietLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** An Octokit against the simulator with the given credentials. */
export function simOctokit(sim: GitHubSimulator, auth?: string): Octokit {
  return new Octokit({ baseUrl: sim.url, log: quietLog, ...(auth ? { auth } : {}) });
}

/** An RS256 app JWT as GitHub documents it (iat 30 s back, 10 minutes max). */
export function appJwt(appId: number, privateKeyPem: string, options: { iat?: number; exp?: number } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = encode({ alg: 'RS256', typ: 'JWT' });
  const body = encode({ iat: options.iat ?? now - 30, exp: options.exp ?? now + 540, iss: appId });
  const signature = sign('RSA-SHA256', Buffer.from(`${head}.${body}`), privateKeyPem).toString('base64url');
  return `${head}.${body}.${signature}`;
}

/** An Octokit acting as the app's installation: JWT -> installation token, as Probot does. */
export async function installationOctokit(sim: GitHubSimulator, installationId: number): Promise<{ octokit: Octokit; token: string; expiresAt: string }> {
  const asApp = simOctokit(sim, appJwt(sim.app.id, sim.app.privateKeyPem));
  const { data } = await asApp.rest.apps.createInstallationAccessToken({ installation_id: installationId });
  return { octokit: simOctokit(sim, data.token), token: data.token, expiresAt: data.expires_at };
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Agent',
  GIT_AUTHOR_EMAIL: 'agent@example.com',
  GIT_COMMITTER_NAME: 'Agent',
  GIT_COMMITTER_EMAIL: 'agent@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** A working clone of a simulated repo, driven with the real git CLI. */
export class Clone {
  private constructor(readonly dir: string, private readonly root: string) {}

  /**
   * Clones a bare repo path, or the simulator's HTTP clone URL. With a
   * token, every request carries it the way actions/checkout does
   * (`http.extraHeader`, Basic `x-access-token:<token>`), clone and later pushes alike.
   */
  static async of(cloneUrl: string, options: { token?: string } = {}): Promise<Clone> {
    const root = await mkdtemp(join(tmpdir(), 'ghsim-clone-'));
    const dir = join(root, 'work');
    const auth = options.token ? [`http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${options.token}`).toString('base64')}`] : [];
    await execa('git', [...auth.flatMap((a) => ['-c', a]), 'clone', '--quiet', cloneUrl, dir], { env: { ...GIT_ENV, GIT_TERMINAL_PROMPT: '0' } });
    const clone = new Clone(dir, root);
    for (const setting of auth) await clone.git('config', ...(setting.split(/=(.*)/s).slice(0, 2) as [string, string]));
    return clone;
  }

  git(...args: string[]) {
    return execa('git', args, { cwd: this.dir, env: { ...GIT_ENV, GIT_TERMINAL_PROMPT: '0' } });
  }

  async commit(files: Record<string, string>, message: string): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(this.dir, path)), { recursive: true });
      await writeFile(join(this.dir, path), content);
      await this.git('add', path);
    }
    await this.git('commit', '--quiet', '-m', message);
    return (await this.git('rev-parse', 'HEAD')).stdout.trim();
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
