// The HTTP behaviour around the routes: authentication as GitHub does it,
// permissions, pagination with Link headers, ETags and 304s, rate-limit
// headers and exhaustion, error shapes, and driving a simulator over /_sim.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubSimulator, connectGitHubSimulator, type GitHubSimulator, type RepoHandle } from '../../../src/sandbox/github-sim/index.js';
import { appJwt, installationOctokit, simOctokit } from './helpers.js';

describe('GitHub simulator HTTP behaviour', () => {
  let sim: GitHubSimulator;
  let repo: RepoHandle;
  const o = { owner: 'acme', repo: 'widgets' };

  beforeAll(async () => {
    sim = await startGitHubSimulator();
    repo = await sim.createRepo({ owner: 'acme', name: 'widgets' });
    await sim.createRepo({ owner: 'acme', name: 'secret', private: true });
  });

  afterAll(async () => {
    await sim?.close();
  });

  describe('authentication', () => {
    it('accepts a valid app JWT and rejects bad ones with GitHub\'s messages', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expect(simOctokit(sim, appJwt(sim.app.id, sim.app.privateKeyPem)).rest.apps.getAuthenticated()).resolves.toMatchObject({ status: 200 });
      await expect(simOctokit(sim, appJwt(sim.app.id, sim.app.privateKeyPem, { iat: now - 30, exp: now + 3600 })).rest.apps.getAuthenticated()).rejects.toMatchObject({
        status: 401,
        response: { data: { message: "'Expiration time' claim ('exp') is too far in the future" } },
      });
      await expect(simOctokit(sim, appJwt(sim.app.id, sim.app.privateKeyPem, { iat: now - 700, exp: now - 100 })).rest.apps.getAuthenticated()).rejects.toMatchObject({ status: 401 });
      const { privateKey: otherKey } = await import('node:crypto').then((c) => c.generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }));
      await expect(simOctokit(sim, appJwt(sim.app.id, otherKey)).rest.apps.getAuthenticated()).rejects.toMatchObject({
        status: 401,
        response: { data: { message: 'A JSON web token could not be decoded' } },
      });
    });

    it('rejects unknown and expired installation tokens with 401 Bad credentials', async () => {
      const { octokit, expiresAt } = await installationOctokit(sim, repo.installationId!);
      await expect(octokit.rest.repos.get(o)).resolves.toMatchObject({ status: 200 });
      expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now() + 59 * 60_000);
      sim.expireInstallationTokens();
      await expect(octokit.rest.repos.get(o)).rejects.toMatchObject({ status: 401, response: { data: { message: 'Bad credentials', documentation_url: expect.any(String) } } });
      await expect(simOctokit(sim, 'ghs_notARealToken').rest.repos.get(o)).rejects.toMatchObject({ status: 401 });
      // A fresh token works again, as an app renews after an hour.
      const renewed = await installationOctokit(sim, repo.installationId!);
      await expect(renewed.octokit.rest.repos.get(o)).resolves.toMatchObject({ status: 200 });
    });

    it('narrows an installation token to the repositories and permissions asked for, never beyond the installation', async () => {
      const app = simOctokit(sim, appJwt(sim.app.id, sim.app.privateKeyPem));
      const id = repo.installationId!;
      const { data } = await app.request('POST /app/installations/{installation_id}/access_tokens', { installation_id: id, repositories: ['widgets'], permissions: { contents: 'write', pull_requests: 'write' } });
      expect(data).toMatchObject({ repository_selection: 'selected', permissions: { contents: 'write', pull_requests: 'write', metadata: 'read' } });
      expect((data as { repositories: { name: string }[] }).repositories.map((r) => r.name)).toEqual(['widgets']);
      const narrow = simOctokit(sim, (data as { token: string }).token);
      await expect(narrow.rest.repos.get(o)).resolves.toMatchObject({ status: 200 });
      // Another repository of the installation is out of its reach, and so are permissions it was not given.
      await expect(narrow.rest.repos.get({ owner: 'acme', repo: 'secret' })).rejects.toMatchObject({ status: 404 });
      await expect(narrow.rest.issues.create({ ...o, title: 'not with this token' })).rejects.toMatchObject({ status: 403 });
      const listed = await narrow.request('GET /installation/repositories');
      expect(listed.data).toMatchObject({ total_count: 1, repository_selection: 'selected' });
      // Asking for a repository the installation does not have, or a permission the app lacks: 422.
      await expect(app.request('POST /app/installations/{installation_id}/access_tokens', { installation_id: id, repositories: ['nope'] })).rejects.toMatchObject({ status: 422 });
      await expect(app.request('POST /app/installations/{installation_id}/access_tokens', { installation_id: id, permissions: { administration: 'write' } })).rejects.toMatchObject({ status: 422 });
    });

    it('lets anonymous callers read public repos only, and write nothing', async () => {
      const anonymous = simOctokit(sim);
      await expect(anonymous.rest.repos.get(o)).resolves.toMatchObject({ status: 200 });
      await expect(anonymous.rest.repos.get({ owner: 'acme', repo: 'secret' })).rejects.toMatchObject({ status: 404 });
      await expect(anonymous.rest.issues.create({ ...o, title: 'hi' })).rejects.toMatchObject({ status: 401, response: { data: { message: 'Requires authentication' } } });
      await expect(simOctokit(sim, appJwt(sim.app.id, sim.app.privateKeyPem)).rest.issues.listForRepo(o)).rejects.toMatchObject({ status: 403 });
    });
  });

  describe('permissions', () => {
    it('applies GitHub\'s roles: read may comment, triage may label, others\' comments need push', async () => {
      const reader = simOctokit(sim, sim.addUser('rhea', { permission: 'read' }).token);
      const triager = simOctokit(sim, sim.addUser('trish', { permission: 'triage' }).token);
      const issue = await sim.createIssue('acme', 'widgets', { title: 'Roles' });
      const comment = await reader.rest.issues.createComment({ ...o, issue_number: issue.number, body: 'me too' });
      await expect(reader.rest.issues.addLabels({ ...o, issue_number: issue.number, labels: ['bug'] })).rejects.toMatchObject({ status: 403 });
      await expect(triager.rest.issues.addLabels({ ...o, issue_number: issue.number, labels: ['bug'] })).resolves.toMatchObject({ status: 200 });
      await expect(triager.rest.issues.updateComment({ ...o, comment_id: comment.data.id, body: 'edited by someone else' })).rejects.toMatchObject({ status: 403 });
      await expect(reader.rest.issues.updateComment({ ...o, comment_id: comment.data.id, body: 'me three' })).resolves.toMatchObject({ status: 200 });
      await expect(reader.rest.repos.getCollaboratorPermissionLevel({ ...o, username: 'trish' })).resolves.toMatchObject({ data: { permission: 'read', role_name: 'triage' } });
      // A default role applies everywhere unless a repo says otherwise; `none` hides a private repo.
      await expect(reader.rest.repos.get({ owner: 'acme', repo: 'secret' })).resolves.toMatchObject({ status: 200 });
      sim.setPermission('acme', 'secret', 'rhea', 'none');
      await expect(reader.rest.repos.get({ owner: 'acme', repo: 'secret' })).rejects.toMatchObject({ status: 404 });
    });

    it('lets only GitHub Apps create check runs', async () => {
      const maintainer = simOctokit(sim, sim.addUser('mo', { permission: 'maintain' }).token);
      await expect(maintainer.rest.checks.create({ ...o, name: 'ci', head_sha: await sim.headSha('acme', 'widgets', 'main') })).rejects.toMatchObject({
        status: 403,
        response: { data: { message: 'You must authenticate via a GitHub App.' } },
      });
    });
  });

  describe('pagination, ETags and rate limits', () => {
    it('pages lists with per_page/page and a Link header in GitHub\'s format', async () => {
      await sim.createRepo({ owner: 'acme', name: 'many' });
      for (let i = 1; i <= 25; i++) await sim.createIssue('acme', 'many', { title: `Issue ${i}` });
      const octokit = simOctokit(sim, sim.tokenFor('acme'));
      const page2 = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'many', per_page: 10, page: 2, direction: 'asc' });
      expect(page2.data.map((i) => i.number)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
      // The request's own query is kept; page and per_page are set per link.
      const link = (page: number) => `<${sim.url}/repos/acme/many/issues?per_page=10&page=${page}&direction=asc>`;
      expect(page2.headers.link).toBe(`${link(1)}; rel="prev", ${link(3)}; rel="next", ${link(3)}; rel="last", ${link(1)}; rel="first"`);
      const all = await octokit.paginate(octokit.rest.issues.listForRepo, { owner: 'acme', repo: 'many', per_page: 7 });
      expect(all).toHaveLength(25);
      const last = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'many', per_page: 10, page: 3 });
      expect(last.headers.link).not.toMatch(/rel="next"/);
    });

    it('answers a conditional GET with 304 that does not count against the rate limit', async () => {
      const token = sim.tokenFor('etag-user');
      const first = await fetch(`${sim.url}/repos/acme/widgets`, { headers: { authorization: `token ${token}` } });
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
      const used = Number(first.headers.get('x-ratelimit-used'));
      const second = await fetch(`${sim.url}/repos/acme/widgets`, { headers: { authorization: `token ${token}`, 'if-none-match': etag } });
      expect(second.status).toBe(304);
      expect(await second.text()).toBe('');
      const third = await fetch(`${sim.url}/repos/acme/widgets`, { headers: { authorization: `token ${token}` } });
      expect(Number(third.headers.get('x-ratelimit-used'))).toBe(used + 1);
      await sim.createIssue('acme', 'widgets', { title: 'changes the repo' });
      const changed = await fetch(`${sim.url}/repos/acme/widgets`, { headers: { authorization: `token ${token}`, 'if-none-match': etag } });
      expect(changed.status).toBe(200);
    });

    it('sends rate-limit headers and GitHub\'s 403 when the limit is spent', async () => {
      const token = sim.tokenFor('limited');
      const response = await fetch(`${sim.url}/repos/acme/widgets`, { headers: { authorization: `token ${token}` } });
      expect(Object.fromEntries(['limit', 'remaining', 'used', 'resource'].map((k) => [k, response.headers.get(`x-ratelimit-${k}`)]))).toEqual({ limit: '5000', remaining: '4999', used: '1', resource: 'core' });
      expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      sim.setRateLimitRemaining(0);
      try {
        const spent = await fetch(`${sim.url}/repos/acme/widgets`, { headers: { authorization: `token ${token}` } });
        expect(spent.status).toBe(403);
        expect(spent.headers.get('x-ratelimit-remaining')).toBe('0');
        expect(await spent.json()).toMatchObject({ message: expect.stringMatching(/^API rate limit exceeded for user ID \d+\.$/) });
      } finally {
        sim.setRateLimitRemaining(undefined);
      }
      const recovered = await fetch(`${sim.url}/repos/acme/widgets`, { headers: { authorization: `token ${token}` } });
      expect(recovered.status).toBe(200);
    });
  });

  describe('errors', () => {
    it('answers unknown routes and objects with GitHub\'s 404 body, and bad JSON with 400', async () => {
      const missing = await fetch(`${sim.url}/repos/acme/widgets/not-a-thing`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
      const badJson = await fetch(`${sim.url}/repos/acme/widgets/issues`, { method: 'POST', headers: { authorization: `token ${sim.tokenFor('acme')}` }, body: '{nope' });
      expect(badJson.status).toBe(400);
      expect(await badJson.json()).toMatchObject({ message: 'Problems parsing JSON' });
    });

    it('answers invalid input with 422 and GitHub\'s errors array', async () => {
      const octokit = simOctokit(sim, sim.tokenFor('acme'));
      await expect(octokit.rest.issues.createLabel({ ...o, name: 'bug' })).rejects.toMatchObject({
        status: 422,
        response: { data: { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] } },
      });
      await expect(octokit.rest.reactions.createForIssue({ ...o, issue_number: 1, content: 'thumbs' as '+1' })).rejects.toMatchObject({
        status: 422,
        response: { data: { errors: [{ resource: 'Reaction', field: 'content', code: 'invalid' }] } },
      });
    });
  });

  describe('control over HTTP for other processes', () => {
    it('drives the scenario API through /_sim and reads the delivery log', async () => {
      const client = connectGitHubSimulator(sim.url);
      const info = await client.info();
      expect(info).toMatchObject({ url: sim.url, appId: sim.app.id, botLogin: sim.app.botLogin });
      const issue = await client.createIssue('acme', 'widgets', { title: 'From another process', labels: ['agent'] });
      const { data } = await simOctokit(sim).rest.issues.get({ ...o, issue_number: issue.number });
      expect(data).toMatchObject({ title: 'From another process', labels: [expect.objectContaining({ name: 'agent' })] });
      await client.idle();
      const labeled = await client.deliveries({ event: 'issues', action: 'labeled' });
      expect(labeled.at(-1)?.payload).toMatchObject({ issue: { number: issue.number }, label: { name: 'agent' } });
      await expect(client.createIssue('acme', 'nowhere', { title: 'x' })).rejects.toThrow('GitHub simulator: Not Found');
    });
  });
});
