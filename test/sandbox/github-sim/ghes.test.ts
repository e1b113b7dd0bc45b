// The simulator as a GitHub Enterprise Server: REST under /api/v3, GraphQL at
// /api/graphql, so a stock Probot configured only through its environment
// (GHE_HOST, GHE_PROTOCOL, APP_ID, PRIVATE_KEY, WEBHOOK_SECRET) talks to it.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeMiddleware, createProbot, type Context, type Probot } from 'probot';
import { startGitHubSimulator, type GitHubSimulator, type RepoHandle } from '../../../src/sandbox/github-sim/index.js';
import { assertConformingTraffic } from '../../../src/sandbox/github-sim/conformance.js';
import { GHES_VERSION } from '../../../src/sandbox/github-sim/http.js';

const SECRET = 'ghes-webhook-secret';

describe('the simulator as GitHub Enterprise Server, with Probot configured by its environment', () => {
  let sim: GitHubSimulator;
  let repo: RepoHandle;
  let probot: Probot;
  let server: Server;
  const seen: { viewer: string; config: unknown; commentId: number }[] = [];

  beforeAll(async () => {
    sim = await startGitHubSimulator({ webhookSecret: SECRET });
    repo = await sim.createRepo({ owner: 'acme', name: 'widgets', files: { '.github/agent-orchestrator.yml': 'triggerLabel: agent\n' } });
    const host = new URL(sim.url).host;
    // Exactly what `npm start` will get from the deployment: no baseUrl in code.
    probot = createProbot({
      env: { APP_ID: String(sim.app.id), PRIVATE_KEY: sim.app.privateKeyPem, WEBHOOK_SECRET: SECRET, GHE_HOST: host, GHE_PROTOCOL: 'http', LOG_LEVEL: 'fatal' },
    });
    const middleware = await createNodeMiddleware(
      (app) => {
        app.on('issues.labeled', async (context: Context<'issues.labeled'>) => {
          const { viewer } = await context.octokit.graphql<{ viewer: { login: string } }>('{ viewer { login } }');
          const config = await context.config('agent-orchestrator.yml');
          const comment = await context.octokit.rest.issues.createComment(context.issue({ body: 'Seen through /api/v3' }));
          seen.push({ viewer: viewer.login, config, commentId: comment.data.id });
        });
      },
      { probot },
    );
    server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sim.setWebhook({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks` });
  });

  afterAll(async () => {
    await sim?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('serves Probot entirely under /api/v3 and /api/graphql, in GitHub\'s schema', async () => {
    const mark = sim.routeRecorder.mark();
    const asApp = await probot.auth();
    const { data: installation } = await asApp.rest.apps.getRepoInstallation({ owner: 'acme', repo: 'widgets' });
    expect(installation.id).toBe(repo.installationId);

    const issue = await sim.createIssue('acme', 'widgets', { title: 'Via GHES' });
    await sim.addLabels('acme', 'widgets', issue.number, ['agent']);
    expect(seen).toEqual([{ viewer: sim.app.botLogin, config: { triggerLabel: 'agent' }, commentId: expect.any(Number) }]);

    const traffic = sim.routeRecorder.since(mark);
    const calls = traffic.map((r) => `${r.method} ${r.mount ?? ''}${r.path}`);
    expect(calls).toEqual(
      expect.arrayContaining([
        'GET /api/v3/repos/acme/widgets/installation',
        `POST /api/v3/app/installations/${repo.installationId}/access_tokens`,
        'POST /api/graphql',
        'GET /api/v3/repos/acme/widgets/contents/.github%2Fagent-orchestrator.yml',
        `POST /api/v3/repos/acme/widgets/issues/${issue.number}/comments`,
      ]),
    );
    // Nothing went to the root: the app used only what GHES serves.
    expect(traffic.filter((r) => !r.mount)).toEqual([]);
    assertConformingTraffic(traffic);
    const asInstallation = await probot.auth(repo.installationId);
    expect((await asInstallation.rest.issues.getComment({ owner: 'acme', repo: 'widgets', comment_id: seen[0]!.commentId })).data.user?.login).toBe(sim.app.botLogin);
  });

  it('answers the same API at the root and under /api/v3, saying it is GHES only there', async () => {
    const token = sim.tokenFor('acme');
    const get = (path: string) => fetch(`${sim.url}${path}`, { headers: { authorization: `token ${token}` } });
    const [root, ghes] = await Promise.all([get('/repos/acme/widgets'), get('/api/v3/repos/acme/widgets')]);
    expect(root.status).toBe(200);
    expect(ghes.status).toBe(200);
    expect(await ghes.json()).toEqual(await root.json());
    expect(ghes.headers.get('x-github-enterprise-version')).toBe(GHES_VERSION);
    expect(root.headers.get('x-github-enterprise-version')).toBeNull();

    for (let i = 0; i < 3; i++) await sim.createIssue('acme', 'widgets', { title: `page ${i}` });
    const paged = await get('/api/v3/repos/acme/widgets/issues?per_page=1');
    // Links stay under the prefix the caller used.
    expect(paged.headers.get('link')).toContain(`<${sim.url}/api/v3/repos/acme/widgets/issues?per_page=1&page=2>; rel="next"`);

    const graphqlGhes = await fetch(`${sim.url}/api/graphql`, { method: 'POST', headers: { authorization: `token ${token}` }, body: JSON.stringify({ query: '{ viewer { login } }' }) });
    expect(await graphqlGhes.json()).toEqual({ data: { viewer: { login: 'acme' } } });
    // GHES has no GraphQL under /api/v3.
    const wrong = await fetch(`${sim.url}/api/v3/graphql`, { method: 'POST', headers: { authorization: `token ${token}` }, body: JSON.stringify({ query: '{ viewer { login } }' }) });
    expect(wrong.status).toBe(404);
  });
});
