// Probot, unmodified, against the simulator: it authenticates as the app and
// as an installation (JWT -> installation token), loads repo config through
// `context.config`, and receives signed webhooks through its own middleware.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createNodeMiddleware, Probot, type Context } from 'probot';
import { startGitHubSimulator, type GitHubSimulator, type RepoHandle } from '../../../src/sandbox/github-sim/index.js';
import { assertConformingTraffic } from '../../../src/sandbox/github-sim/conformance.js';

const SECRET = 'probot-webhook-secret';

describe('Probot against the GitHub simulator', () => {
  let sim: GitHubSimulator;
  let repo: RepoHandle;
  let probot: Probot;
  let server: Server;
  const handled: { event: string; commentId: number; config: unknown; sender: string }[] = [];

  beforeAll(async () => {
    sim = await startGitHubSimulator({ webhookSecret: SECRET });
    repo = await sim.createRepo({ owner: 'acme', name: 'widgets', files: { '.github/agent-orchestrator.yml': 'prefix: wid\ntriggerLabel: agent\n' } });
    probot = new Probot({ appId: sim.app.id, privateKey: sim.app.privateKeyPem, secret: SECRET, baseUrl: sim.url, log: pino({ level: 'silent' }) });
    const middleware = await createNodeMiddleware(
      (app) => {
        app.on('issue_comment.created', async (context: Context<'issue_comment.created'>) => {
          await context.octokit.rest.reactions.createForIssueComment(context.repo({ comment_id: context.payload.comment.id, content: 'eyes' }));
          const config = await context.config('agent-orchestrator.yml');
          handled.push({ event: context.name, commentId: context.payload.comment.id, config, sender: context.payload.sender.login });
        });
      },
      { probot },
    );
    server = createServer((req, res) => {
      void middleware(req, res, () => {
        res.writeHead(404);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sim.setWebhook({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks` });
  });

  afterAll(async () => {
    await sim?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('authenticates as the app and as an installation, with an installation token valid for an hour', async () => {
    const mark = sim.routeRecorder.mark();
    const asApp = await probot.auth();
    const { data: app } = await asApp.rest.apps.getAuthenticated();
    expect(app).toMatchObject({ id: sim.app.id, slug: sim.app.slug });
    const { data: installation } = await asApp.rest.apps.getRepoInstallation({ owner: 'acme', repo: 'widgets' });
    expect(installation.id).toBe(repo.installationId);

    const octokit = await probot.auth(installation.id);
    const issue = await octokit.rest.issues.create({ owner: 'acme', repo: 'widgets', title: 'From Probot' });
    const { data: fetched } = await octokit.rest.issues.get({ owner: 'acme', repo: 'widgets', issue_number: issue.data.number });
    expect(fetched).toMatchObject({ title: 'From Probot', user: { login: sim.app.botLogin, type: 'Bot' } });

    const tokenRequest = sim.routeRecorder.since(mark).find((r) => r.path === `/app/installations/${installation.id}/access_tokens`)!;
    expect(tokenRequest.status).toBe(201);
    const { token, expires_at } = tokenRequest.responseBody as { token: string; expires_at: string };
    expect(token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    const lifetimeMinutes = (Date.parse(expires_at) - Date.now()) / 60_000;
    expect(lifetimeMinutes).toBeGreaterThan(58);
    expect(lifetimeMinutes).toBeLessThanOrEqual(60);
    assertConformingTraffic(sim.routeRecorder.since(mark));
  });

  it('delivers a signed webhook that reaches a Probot handler, which acts back on the simulator', async () => {
    sim.addUser('maria', { permission: 'write' });
    const issue = await sim.createIssue('acme', 'widgets', { title: 'Please fix', as: 'maria' });
    // Returns once Probot answered the delivery, i.e. after the handler ran.
    const comment = await sim.comment('acme', 'widgets', issue.number, '/ao status', { as: 'maria' });

    expect(handled).toEqual([{ event: 'issue_comment', commentId: comment.id, config: { prefix: 'wid', triggerLabel: 'agent' }, sender: 'maria' }]);
    const reactions = await (await probot.auth(repo.installationId)).rest.reactions.listForIssueComment({ owner: 'acme', repo: 'widgets', comment_id: comment.id });
    expect(reactions.data.map((r) => [r.content, r.user?.login])).toEqual([['eyes', sim.app.botLogin]]);
    const delivery = sim.deliveries.list({ event: 'issue_comment' }).at(-1)!;
    expect(delivery).toMatchObject({ outcome: 'delivered', statusCode: 200 });
  });

  it('is refused by Probot when the signature does not match its secret', async () => {
    sim.setWebhook({ secret: 'not-the-secret' });
    try {
      const before = handled.length;
      await sim.comment('acme', 'widgets', 1, 'forged?', { as: 'maria' });
      const delivery = sim.deliveries.list({ event: 'issue_comment' }).at(-1)!;
      expect(delivery.outcome).toBe('failed');
      expect(delivery.statusCode).toBeGreaterThanOrEqual(400);
      expect(handled.length).toBe(before);
    } finally {
      sim.setWebhook({ secret: SECRET });
    }
  });
});
