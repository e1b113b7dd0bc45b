// The one GitHub client: GitHub Actions' environment conventions, token
// sources, typed errors, conditional requests and rate limits, against the
// simulator over real HTTP (root and GHES layouts).

import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createProbot } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGitHubClient,
  ghHostFor,
  gitHubClientFromOctokit,
  NO_TOKEN_REASON,
  resolveGitHubEndpoints,
  resolveGitHubToken,
  type GitHubClient,
} from '../../src/github/client.js';
import { GitHubAuthError, GitHubForbidden, GitHubNotFound, GitHubRateLimited } from '../../src/github/errors.js';
import { startGitHubSimulator, type GitHubSimulator } from '../../src/sandbox/github-sim/index.js';

describe('resolveGitHubEndpoints (GitHub Actions conventions)', () => {
  it.each<[string, Record<string, string>, { apiUrl?: string; graphqlUrl?: string }, { apiUrl: string; graphqlUrl: string }]>([
    ['defaults to github.com', {}, {}, { apiUrl: 'https://api.github.com', graphqlUrl: 'https://api.github.com/graphql' }],
    ['GITHUB_API_URL of github.com', { GITHUB_API_URL: 'https://api.github.com' }, {}, { apiUrl: 'https://api.github.com', graphqlUrl: 'https://api.github.com/graphql' }],
    ['GHES: /api/v3 -> /api/graphql', { GITHUB_API_URL: 'https://ghe.example.com/api/v3' }, {}, { apiUrl: 'https://ghe.example.com/api/v3', graphqlUrl: 'https://ghe.example.com/api/graphql' }],
    ['GHES with a trailing slash', { GITHUB_API_URL: 'https://ghe.example.com/api/v3/' }, {}, { apiUrl: 'https://ghe.example.com/api/v3', graphqlUrl: 'https://ghe.example.com/api/graphql' }],
    ['GHE.com (data residency)', { GITHUB_API_URL: 'https://api.acme.ghe.com' }, {}, { apiUrl: 'https://api.acme.ghe.com', graphqlUrl: 'https://api.acme.ghe.com/graphql' }],
    ['plain http on loopback (the simulator)', { GITHUB_API_URL: 'http://127.0.0.1:3030' }, {}, { apiUrl: 'http://127.0.0.1:3030', graphqlUrl: 'http://127.0.0.1:3030/graphql' }],
    ['GITHUB_GRAPHQL_URL as Actions sets it', { GITHUB_API_URL: 'https://ghe.example.com/api/v3', GITHUB_GRAPHQL_URL: 'https://ghe.example.com/api/graphql' }, {}, { apiUrl: 'https://ghe.example.com/api/v3', graphqlUrl: 'https://ghe.example.com/api/graphql' }],
    ['GITHUB_GRAPHQL_URL elsewhere is believed', { GITHUB_GRAPHQL_URL: 'https://proxy.example/gql' }, {}, { apiUrl: 'https://api.github.com', graphqlUrl: 'https://proxy.example/gql' }],
    ['empty variables count as unset', { GITHUB_API_URL: '', GITHUB_GRAPHQL_URL: '  ' }, {}, { apiUrl: 'https://api.github.com', graphqlUrl: 'https://api.github.com/graphql' }],
    ['an explicit apiUrl beats the environment and derives its own GraphQL URL', { GITHUB_API_URL: 'https://api.github.com', GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql' }, { apiUrl: 'https://ghe.example.com/api/v3' }, { apiUrl: 'https://ghe.example.com/api/v3', graphqlUrl: 'https://ghe.example.com/api/graphql' }],
    ['an explicit graphqlUrl beats everything', { GITHUB_GRAPHQL_URL: 'https://a.example/graphql' }, { apiUrl: 'https://ghe.example.com/api/v3', graphqlUrl: 'https://b.example/graphql' }, { apiUrl: 'https://ghe.example.com/api/v3', graphqlUrl: 'https://b.example/graphql' }],
  ])('%s', (_name, env, overrides, expected) => {
    expect(resolveGitHubEndpoints(env, overrides)).toEqual(expected);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['not a URL', { GITHUB_API_URL: 'api.github.com' }, /GITHUB_API_URL is not a URL/],
    ['not http(s)', { GITHUB_API_URL: 'ftp://ghe.example.com' }, /must be an http\(s\) URL/],
    ['credentials in the URL', { GITHUB_API_URL: 'https://user:secret@ghe.example.com/api/v3' }, /must not carry credentials/],
    ['a bad GraphQL URL', { GITHUB_GRAPHQL_URL: 'nope' }, /GITHUB_GRAPHQL_URL is not a URL/],
  ])('refuses %s', (_name, env, message) => {
    expect(() => resolveGitHubEndpoints(env)).toThrow(message);
  });

  it.each([
    ['https://api.github.com', 'github.com'],
    ['https://ghe.example.com/api/v3', 'ghe.example.com'],
    ['https://api.acme.ghe.com', 'acme.ghe.com'],
    ['http://127.0.0.1:3030', '127.0.0.1:3030'],
  ])('asks gh for the token of the host behind %s (%s)', (api, host) => {
    expect(ghHostFor(api)).toBe(host);
  });
});

describe('resolveGitHubToken', () => {
  let bin: string;
  let calls: string;

  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), 'ao-gh-'));
    calls = join(bin, 'calls.txt');
    // A stand-in `gh` on PATH: logged in for github.com only, as `gh auth token --hostname H` behaves.
    await writeFile(
      join(bin, 'gh'),
      `#!/bin/sh\necho "$@" >> '${calls}'\nif [ "$1 $2 $3 $4" = "auth token --hostname github.com" ]; then echo gho_fromGhCli0123456789; exit 0; fi\necho "no oauth token found for $4" >&2\nexit 1\n`,
    );
    await chmod(join(bin, 'gh'), 0o755);
  });

  afterAll(async () => {
    if (bin) await rm(bin, { recursive: true, force: true });
  });

  const path = () => `${bin}:/usr/bin:/bin`;

  it.each<[string, Record<string, string>, { token?: string }, { token: string; source: string } | undefined]>([
    ['an explicit token first', { GITHUB_TOKEN: 'ghs_env', GH_TOKEN: 'ghp_gh' }, { token: 'ghp_explicit' }, { token: 'ghp_explicit', source: 'option' }],
    ['then GITHUB_TOKEN', { GITHUB_TOKEN: 'ghs_env', GH_TOKEN: 'ghp_gh' }, {}, { token: 'ghs_env', source: 'GITHUB_TOKEN' }],
    ['then GH_TOKEN', { GH_TOKEN: 'ghp_gh' }, {}, { token: 'ghp_gh', source: 'GH_TOKEN' }],
    ['blank values do not count', { GITHUB_TOKEN: ' ', GH_TOKEN: 'ghp_gh' }, { token: '' }, { token: 'ghp_gh', source: 'GH_TOKEN' }],
  ])('%s', async (_name, env, options, expected) => {
    expect(await resolveGitHubToken({ env: { ...env, PATH: path() }, ...options })).toEqual(expected);
  });

  it('falls back to `gh auth token` for the API\'s host, and to nothing when gh has none', async () => {
    await writeFile(calls, '');
    expect(await resolveGitHubToken({ env: { PATH: path() } })).toEqual({ token: 'gho_fromGhCli0123456789', source: 'gh' });
    expect(await resolveGitHubToken({ env: { PATH: path() }, apiUrl: 'https://ghe.example.com/api/v3' })).toBeUndefined();
    expect((await readFile(calls, 'utf8')).trim().split('\n')).toEqual(['auth token --hostname github.com', 'auth token --hostname ghe.example.com']);
    // gh: false never runs it; without gh installed there is simply no token.
    expect(await resolveGitHubToken({ env: { PATH: path() }, gh: false })).toBeUndefined();
    expect(await resolveGitHubToken({ env: { PATH: '/nonexistent' } })).toBeUndefined();
  });

  it('without any token, gives no client and the one line the CLI prints', async () => {
    const result = await createGitHubClient({ env: { PATH: '/nonexistent' } });
    expect(result).toEqual({ client: undefined, reason: NO_TOKEN_REASON });
    expect(NO_TOKEN_REASON).toBe('GitHub columns need a token: set GITHUB_TOKEN (or GH_TOKEN), or log in with `gh auth login`');
    expect(NO_TOKEN_REASON).not.toContain('\n');
  });
});

describe('the client against the simulator', () => {
  let sim: GitHubSimulator;
  let token: string;
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }));

  beforeAll(async () => {
    sim = await startGitHubSimulator();
    await sim.createRepo({ owner: 'acme', name: 'web' });
    token = sim.addUser('dev', { permission: 'write' }).token;
  });

  afterAll(async () => {
    await sim?.close();
  });

  const fromEnv = async (env: Record<string, string>, extra: Parameters<typeof createGitHubClient>[0] = {}): Promise<GitHubClient> => {
    const { client, reason } = await createGitHubClient({ env, gh: false, throttle: false, log, ...extra });
    if (!client) throw new Error(reason);
    return client;
  };

  it('reaches REST and GraphQL from GITHUB_API_URL + GITHUB_TOKEN, at the root and the GHES way', async () => {
    for (const [api, mount] of [
      [sim.url, undefined],
      [`${sim.url}/api/v3`, '/api/v3'],
    ] as const) {
      const client = await fromEnv({ GITHUB_API_URL: api, GITHUB_TOKEN: token });
      expect(client.authSource).toBe('GITHUB_TOKEN');
      const mark = sim.routeRecorder.mark();
      const repo = await client.rest<{ full_name: string }>('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'web' });
      expect(repo.data.full_name).toBe('acme/web');
      const viewer = await client.graphql<{ viewer: { login: string } }>('{ viewer { login } }');
      expect(viewer.data).toEqual({ viewer: { login: 'dev' } });
      const seen = sim.routeRecorder.since(mark).map((r) => [r.method, r.path, r.mount]);
      expect(seen).toEqual([
        ['GET', '/repos/acme/web', mount],
        ['POST', '/graphql', mount === undefined ? undefined : '/api'],
      ]);
    }
  });

  it('asks conditionally: an unchanged answer comes from the cache, as a free 304', async () => {
    const client = await fromEnv({ GITHUB_API_URL: sim.url, GITHUB_TOKEN: token });
    const first = await client.rest<{ full_name: string }>('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'web' });
    const mark = sim.routeRecorder.mark();
    const second = await client.rest<{ full_name: string }>('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'web' });
    expect(second).toMatchObject({ fromCache: true, status: 200, data: first.data });
    expect(sim.routeRecorder.since(mark).map((r) => r.status)).toEqual([304]);
    expect(Number(second.headers['x-ratelimit-used'])).toBe(Number(first.headers['x-ratelimit-used']));
    await sim.createIssue('acme', 'web', { title: 'changes the repo' });
    const third = await client.rest<{ open_issues_count: number }>('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'web' });
    expect(third.fromCache).toBe(false);
    expect(client.stats).toMatchObject({ restRequests: 3, notModified: 1 });
  });

  it('throws typed errors that name the operation and never carry the token', async () => {
    const client = await fromEnv({ GITHUB_API_URL: sim.url, GITHUB_TOKEN: token });
    const missing = await client.rest('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'nope' }, 'get repo acme/nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GitHubNotFound);
    expect(missing).toMatchObject({ status: 404, message: 'get repo acme/nope: 404 Not Found' });
    const reader = await fromEnv({ GITHUB_API_URL: sim.url, GITHUB_TOKEN: sim.addUser('reader', { permission: 'read' }).token });
    const forbidden = await reader.rest('POST /repos/{owner}/{repo}/labels', { owner: 'acme', repo: 'web', name: 'x' }, 'create label').catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(GitHubForbidden);
    const bad = await fromEnv({ GITHUB_API_URL: sim.url, GITHUB_TOKEN: 'ghp_notAToken000000000000000000000000' });
    expect(await bad.rest('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'web' }).catch((e: unknown) => e)).toBeInstanceOf(GitHubAuthError);
    expect(await bad.graphql('{ viewer { login } }').catch((e: unknown) => e)).toBeInstanceOf(GitHubAuthError);
    const everything = logLines.join('') + String((missing as Error).message) + String((forbidden as Error).message);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain('ghp_notAToken');
  });

  it('takes Probot\'s authenticated Octokit as it is, GHES included', async () => {
    const probot = createProbot({ env: { APP_ID: String(sim.app.id), PRIVATE_KEY: sim.app.privateKeyPem, WEBHOOK_SECRET: 's', GHE_HOST: new URL(sim.url).host, GHE_PROTOCOL: 'http', LOG_LEVEL: 'fatal' } });
    const installation = (await sim.createRepo({ owner: 'probot-org', name: 'app' })).installationId!;
    const client = gitHubClientFromOctokit(await probot.auth(installation), { log });
    expect(client).toMatchObject({ apiUrl: `${sim.url}/api/v3`, graphqlUrl: `${sim.url}/api/graphql`, authSource: 'octokit' });
    const viewer = await client.graphql<{ viewer: { login: string } }>('{ viewer { login } }');
    // An installation token's viewer is its bot, under the REST name.
    expect(viewer.data?.viewer.login).toBe(sim.app.botLogin);
    const repo = await client.rest<{ clone_url: string }>('GET /repos/{owner}/{repo}', { owner: 'probot-org', repo: 'app' });
    expect(repo.data.clone_url).toBe(`${sim.url}/probot-org/app.git`);
  });

  it('fails fast on a spent budget with the production throttling, REST and GraphQL, and then asks no more', async () => {
    const limited = sim.addUser('limited', { permission: 'write' }).token;
    const client = await fromEnv({ GITHUB_API_URL: sim.url, GITHUB_TOKEN: limited }, { throttle: true });
    await client.rest('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'web' });
    sim.setRateLimitRemaining(0);
    try {
      const started = Date.now();
      const rest = await client.rest('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'web' }).catch((e: unknown) => e);
      expect(rest).toBeInstanceOf(GitHubRateLimited);
      expect(rest).toMatchObject({ kind: 'primary', status: 403, resource: 'core' });
      expect((rest as GitHubRateLimited).resetAt!.getTime()).toBeGreaterThan(Date.now());
      const gql = await client.graphql('{ viewer { login } }').catch((e: unknown) => e);
      expect(gql).toBeInstanceOf(GitHubRateLimited);
      expect(gql).toMatchObject({ kind: 'primary' });
      // Neither waited for the hourly reset.
      expect(Date.now() - started).toBeLessThan(5000);
      const mark = sim.routeRecorder.mark();
      await expect(client.rest('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'web' })).rejects.toBeInstanceOf(GitHubRateLimited);
      await expect(client.graphql('{ viewer { login } }')).rejects.toBeInstanceOf(GitHubRateLimited);
      expect(sim.routeRecorder.since(mark)).toEqual([]);
    } finally {
      sim.setRateLimitRemaining(undefined);
    }
  });
});
