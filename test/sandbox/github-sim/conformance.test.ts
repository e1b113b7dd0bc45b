// The simulator held to GitHub's published descriptions: every route it
// serves exists in GitHub's OpenAPI and answers with a schema-valid body;
// every webhook it can send exists in GitHub's webhook description and
// validates. The suite also shows the checks catch drift.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '@octokit/graphql';
import type { Octokit } from '@octokit/rest';
import { startGitHubSimulator, type GitHubSimulator, type RepoHandle } from '../../../src/sandbox/github-sim/index.js';
import { SIMULATED_WEBHOOKS, simulatedRestRoutes } from '../../../src/sandbox/github-sim/catalog.js';
import { assertConformingTraffic, checkRecordedTraffic, restConformance, webhookConformance } from '../../../src/sandbox/github-sim/conformance.js';
import { appJwt, installationOctokit, simOctokit } from './helpers.js';

const rest = restConformance();
const webhooks = webhookConformance();

describe('the catalog names only things GitHub has', () => {
  it('every simulated REST route is an operation in GitHub\'s OpenAPI description', () => {
    const missing = simulatedRestRoutes().filter((route) => {
      const [method, template] = route.split(' ') as [string, string];
      return !rest.hasOperation(method, template);
    });
    expect(missing).toEqual([]);
    expect(simulatedRestRoutes().length).toBeGreaterThan(60);
  });

  it('every simulated webhook is an event and action in GitHub\'s webhook description', () => {
    const missing = SIMULATED_WEBHOOKS.filter((name) => {
      const [event, action] = name.split('.') as [string, string | undefined];
      return !webhooks.has(event, action);
    });
    expect(missing).toEqual([]);
  });
});

describe('every route and every webhook, exercised and validated', () => {
  let sim: GitHubSimulator;
  let repo: RepoHandle;
  let asApp: Octokit;
  let appToken: string;

  beforeAll(async () => {
    sim = await startGitHubSimulator();
    repo = await sim.createRepo({ owner: 'acme', name: 'widgets', files: { '.github/agent-orchestrator.yml': 'prefix: wid\n', 'src/a.ts': 'export const a = 1;\n' } });
    ({ octokit: asApp, token: appToken } = await installationOctokit(sim, repo.installationId!));
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('answers every route with a body that matches GitHub\'s schema, and sends every webhook in schema', async () => {
    const o = { owner: 'acme', repo: 'widgets' };
    const rita = simOctokit(sim, sim.addUser('rita', { permission: 'write' }).token);
    const ritaGraphql = graphql.defaults({ baseUrl: sim.url, headers: { authorization: `token ${sim.tokenFor('rita')}` } });
    const appGraphql = graphql.defaults({ baseUrl: sim.url, headers: { authorization: `token ${appToken}` } });
    const asJwt = simOctokit(sim, appJwt(sim.app.id, sim.app.privateKeyPem));

    // Apps and installations.
    await asJwt.request('GET /app');
    await asJwt.request('GET /app/installations');
    await asJwt.request('GET /app/installations/{installation_id}', { installation_id: repo.installationId! });
    await asJwt.request('GET /repos/{owner}/{repo}/installation', o);
    await asApp.request('GET /installation/repositories');
    await asApp.request('GET /rate_limit');

    // Repository, collaborators, contents, refs.
    await asApp.request('GET /repos/{owner}/{repo}', o);
    await asApp.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', { ...o, username: 'rita' });
    await asApp.request('GET /repos/{owner}/{repo}/collaborators/{username}', { ...o, username: 'rita' });
    await asApp.request('GET /repos/{owner}/{repo}/contents/{path}', { ...o, path: '.github/agent-orchestrator.yml' });
    await asApp.request('GET /repos/{owner}/{repo}/contents/{path}', { ...o, path: 'src' });
    await asApp.request('GET /repos/{owner}/{repo}/contents/{path}', { ...o, path: '.github/agent-orchestrator.yml', mediaType: { format: 'raw' } });
    const mainRef = await asApp.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...o, ref: 'heads/main' });
    await asApp.request('GET /repos/{owner}/{repo}/git/matching-refs/{ref}', { ...o, ref: 'heads/' });
    await asApp.request('POST /repos/{owner}/{repo}/git/refs', { ...o, ref: 'refs/heads/scratch', sha: mainRef.data.object.sha });
    await asApp.request('DELETE /repos/{owner}/{repo}/git/refs/{ref}', { ...o, ref: 'heads/scratch' });
    await asApp.request('GET /repos/{owner}/{repo}/commits/{ref}', { ...o, ref: 'main' });

    // Issues, labels, assignees.
    await asApp.request('POST /repos/{owner}/{repo}/labels', { ...o, name: 'agent', color: '0e8a16', description: 'Run an agent' });
    await asApp.request('GET /repos/{owner}/{repo}/labels', o);
    await asApp.request('GET /repos/{owner}/{repo}/labels/{name}', { ...o, name: 'agent' });
    const issue = await asApp.request('POST /repos/{owner}/{repo}/issues', { ...o, title: 'Make it faster', body: 'please' });
    const n = issue.data.number;
    await asApp.request('GET /repos/{owner}/{repo}/issues', o);
    await asApp.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...o, issue_number: n });
    await asApp.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { ...o, issue_number: n, title: 'Make it much faster' });
    await asApp.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...o, issue_number: n, labels: ['agent', 'enhancement'] });
    await asApp.request('GET /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...o, issue_number: n });
    await asApp.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', { ...o, issue_number: n, name: 'enhancement' });
    await asApp.request('PUT /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...o, issue_number: n, labels: ['agent', 'bug'] });
    await asApp.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...o, issue_number: n });
    await asApp.request('POST /repos/{owner}/{repo}/issues/{issue_number}/assignees', { ...o, issue_number: n, assignees: ['rita'] });
    await asApp.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/assignees', { ...o, issue_number: n, assignees: ['rita'] });
    await asApp.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { ...o, issue_number: n, state: 'closed', state_reason: 'not_planned' });
    await asApp.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { ...o, issue_number: n, state: 'open' });

    // Comments and reactions.
    const comment = await rita.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...o, issue_number: n, body: '/ao status' });
    await asApp.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...o, issue_number: n });
    await asApp.request('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...o, comment_id: comment.data.id });
    await rita.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...o, comment_id: comment.data.id, body: '/ao status --all' });
    const eyes = await asApp.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', { ...o, comment_id: comment.data.id, content: 'eyes' });
    await asApp.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', { ...o, comment_id: comment.data.id, content: 'eyes' });
    await asApp.request('GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', { ...o, comment_id: comment.data.id });
    await asApp.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions/{reaction_id}', { ...o, comment_id: comment.data.id, reaction_id: eyes.data.id });
    await asApp.request('POST /repos/{owner}/{repo}/issues/{issue_number}/reactions', { ...o, issue_number: n, content: 'rocket' });
    await asApp.request('GET /repos/{owner}/{repo}/issues/{issue_number}/reactions', { ...o, issue_number: n });
    await rita.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...o, comment_id: comment.data.id });

    // Pull requests: open, edit, label, assign, request review, draft and back.
    const head = await sim.pushCommit('acme', 'widgets', { branch: 'ao/wid-1', files: { 'src/a.ts': 'export const a = 2;\n' }, as: sim.app.botLogin });
    const pr = await asApp.request('POST /repos/{owner}/{repo}/pulls', { ...o, head: 'ao/wid-1', base: 'main', title: 'Faster', body: `Closes #${n}` });
    const p = pr.data.number;
    await asApp.request('GET /repos/{owner}/{repo}/pulls', { ...o, head: 'acme:ao/wid-1' });
    await asApp.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...o, pull_number: p });
    await asApp.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { ...o, pull_number: p, title: 'Much faster' });
    await asApp.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...o, issue_number: p, labels: ['agent'] });
    await asApp.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', { ...o, issue_number: p, name: 'agent' });
    await asApp.request('POST /repos/{owner}/{repo}/issues/{issue_number}/assignees', { ...o, issue_number: p, assignees: ['rita'] });
    await asApp.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/assignees', { ...o, issue_number: p, assignees: ['rita'] });
    await asApp.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', { ...o, pull_number: p, reviewers: ['rita'] });
    await asApp.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', { ...o, pull_number: p });
    await appGraphql(`mutation ($id: ID!) { convertPullRequestToDraft(input: { pullRequestId: $id }) { pullRequest { isDraft } } }`, { id: pr.data.node_id });
    await appGraphql(`mutation ($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }`, { id: pr.data.node_id });

    // Checks and statuses, including a button press on the app's own check run.
    const run = await asApp.request('POST /repos/{owner}/{repo}/check-runs', {
      ...o,
      name: 'agent-orchestrator',
      head_sha: head,
      status: 'in_progress',
      actions: [{ label: 'Stop', description: 'Stop the session', identifier: 'stop' }],
    });
    await asApp.request('GET /repos/{owner}/{repo}/check-runs/{check_run_id}', { ...o, check_run_id: Number(run.data.id) });
    await sim.pressCheckRunAction('acme', 'widgets', Number(run.data.id), 'stop', { as: 'rita' });
    await asApp.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { ...o, check_run_id: Number(run.data.id), conclusion: 'success', output: { title: 'Done', summary: 'ok' } });
    await asApp.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { ...o, ref: head });
    const suites = await asApp.request('GET /repos/{owner}/{repo}/commits/{ref}/check-suites', { ...o, ref: 'ao/wid-1' });
    await asApp.request('GET /repos/{owner}/{repo}/check-suites/{check_suite_id}', { ...o, check_suite_id: Number(suites.data.check_suites[0]!.id) });
    await asApp.request('POST /repos/{owner}/{repo}/statuses/{sha}', { ...o, sha: head, state: 'success', context: 'lint', target_url: 'https://ci.example/lint', description: 'clean' });
    await asApp.request('GET /repos/{owner}/{repo}/commits/{ref}/statuses', { ...o, ref: head });
    await asApp.request('GET /repos/{owner}/{repo}/commits/{ref}/status', { ...o, ref: head });

    // Reviews, review comments, replies, threads.
    const review = await rita.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      ...o,
      pull_number: p,
      event: 'REQUEST_CHANGES',
      body: 'One thing',
      comments: [{ path: 'src/a.ts', line: 1, body: 'Why 2?' }],
    });
    await asApp.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { ...o, pull_number: p });
    await asApp.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}', { ...o, pull_number: p, review_id: Number(review.data.id) });
    const reviewComments = await asApp.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', { ...o, pull_number: p });
    const first = reviewComments.data[0]!;
    await asApp.request('GET /repos/{owner}/{repo}/pulls/comments/{comment_id}', { ...o, comment_id: first.id });
    await asApp.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies', { ...o, pull_number: p, comment_id: first.id, body: 'Because 2 > 1.' });
    await rita.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/comments', { ...o, pull_number: p, body: 'And this line?', path: 'src/a.ts', line: 1, commit_id: head });
    const threads = await appGraphql<{ repository: { pullRequest: { reviewThreads: { nodes: { id: string }[] } } } }>(
      `query ($number: Int!) { repository(owner: "acme", name: "widgets") { pullRequest(number: $number) { reviewThreads(first: 10) { nodes { id } } } } }`,
      { number: p },
    );
    const threadId = threads.repository.pullRequest.reviewThreads.nodes[0]!.id;
    await ritaGraphql(`mutation ($id: ID!) { resolveReviewThread(input: { threadId: $id }) { thread { isResolved } } }`, { id: threadId });
    await ritaGraphql(`mutation ($id: ID!) { unresolveReviewThread(input: { threadId: $id }) { thread { isResolved } } }`, { id: threadId });

    // A new push (synchronize), close and reopen, approval, merge.
    const second = await sim.pushCommit('acme', 'widgets', { branch: 'ao/wid-1', files: { 'src/a.ts': 'export const a = 3;\n' }, as: sim.app.botLogin });
    await asApp.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { ...o, pull_number: p, state: 'closed' });
    await asApp.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { ...o, pull_number: p, state: 'open' });
    await rita.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { ...o, pull_number: p, event: 'APPROVE' });
    await asApp.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', { ...o, pull_number: p, sha: second, merge_method: 'merge' });
    await asApp.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/merge', { ...o, pull_number: p });

    // Error answers are GitHub-shaped and documented too.
    const notFound = await asApp.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...o, issue_number: 999 }).catch((e: { status: number; response: { data: unknown } }) => e);
    expect(notFound).toMatchObject({ status: 404, response: { data: { message: 'Not Found', documentation_url: expect.any(String) } } });
    const invalid = await asApp.request('POST /repos/{owner}/{repo}/issues', { ...o, title: '' }).catch((e: { status: number; response: { data: unknown } }) => e);
    expect(invalid).toMatchObject({ status: 422, response: { data: { message: 'Validation Failed', errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }] } } });

    await sim.deliveries.idle();

    // Every response matched GitHub's schema for its route and status.
    expect(checkRecordedTraffic(sim.routeRecorder.entries, rest)).toEqual([]);

    // Every simulated route was exercised successfully.
    const exercised = new Set(sim.routeRecorder.entries.filter((e) => e.status < 300 && e.simTemplate).map((e) => `${e.method} ${e.simTemplate}`));
    expect(simulatedRestRoutes().filter((route) => !exercised.has(route))).toEqual([]);

    // Every simulated webhook was sent, nothing else was, and each payload validates.
    const sent = sim.deliveries.list();
    const names = new Set(sent.map((d) => (d.action ? `${d.event}.${d.action}` : d.event)));
    expect([...SIMULATED_WEBHOOKS].filter((name) => !names.has(name))).toEqual([]);
    expect([...names].filter((name) => !(SIMULATED_WEBHOOKS as readonly string[]).includes(name))).toEqual([]);
    const invalidPayloads = sent
      .map((d) => ({ name: `${d.id} ${d.event}.${d.action ?? ''}`, check: webhooks.validatePayload(d.event, d.payload) }))
      .filter((r) => !r.check.ok);
    expect(invalidPayloads).toEqual([]);
  });
});

describe('the checks catch drift', () => {
  let sim: GitHubSimulator;

  beforeAll(async () => {
    sim = await startGitHubSimulator();
    await sim.createRepo({ owner: 'acme', name: 'gadgets' });
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('rejects a REST body that lost a required field or changed a type', async () => {
    const { data } = await simOctokit(sim).request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'gadgets' });
    expect(rest.validateResponse('GET', '/repos/{owner}/{repo}', 200, data)).toEqual({ ok: true, errors: [] });
    const { default_branch: _dropped, ...withoutBranch } = data as Record<string, unknown>;
    const drifted = { ...withoutBranch, private: 'no', owner: { ...(data.owner as object), id: 'one' } };
    const check = rest.validateResponse('GET', '/repos/{owner}/{repo}', 200, drifted);
    expect(check.ok).toBe(false);
    expect(check.errors).toEqual(
      expect.arrayContaining([
        "/ must have required property 'default_branch'",
        '/private must be boolean',
        '/owner/id must be integer',
      ]),
    );
  });

  it('rejects a webhook payload that drifted from GitHub\'s description', async () => {
    const { deliveries } = await sim.capture(() => sim.createIssue('acme', 'gadgets', { title: 'Probe' }));
    const payload = deliveries[0]!.payload as { issue: Record<string, unknown> };
    expect(webhooks.validatePayload('issues', payload).ok).toBe(true);
    const drifted = { ...payload, issue: { ...payload.issue, number: '1', reactions: undefined } };
    const check = webhooks.validatePayload('issues', JSON.parse(JSON.stringify(drifted)));
    expect(check.ok).toBe(false);
    expect(check.errors).toEqual(expect.arrayContaining(['/issue/number must be integer', "/issue must have required property 'reactions'"]));
    expect(webhooks.validatePayload('issues', { ...payload, action: 'teleported' }).errors).toEqual(['GitHub sends no "issues" event with action "teleported"']);
  });

  it('flags a status GitHub does not document for the route', () => {
    const check = rest.validateResponse('POST', '/repos/{owner}/{repo}/issues', 200, {});
    expect(check.ok).toBe(false);
    expect(check.errors[0]).toMatch(/status 200 is not documented for issues\/create/);
  });

  it('fails traffic that calls a route GitHub does not have', async () => {
    const mark = sim.routeRecorder.mark();
    const octokit = simOctokit(sim);
    await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'gadgets' });
    const bogus = await octokit.request('GET /repos/{owner}/{repo}/agent-sessions', { owner: 'acme', repo: 'gadgets' }).catch((e: { status: number }) => e);
    expect(bogus).toMatchObject({ status: 404 });
    const traffic = sim.routeRecorder.since(mark);
    expect(checkRecordedTraffic(traffic, rest)).toEqual([{ request: 'GET /repos/acme/gadgets/agent-sessions -> 404', problem: "no such route in GitHub's REST API" }]);
    expect(() => assertConformingTraffic(traffic)).toThrow(/agent-sessions -> 404: no such route/);
  });

  it('fails traffic whose GraphQL names fields GitHub does not have', async () => {
    const token = sim.tokenFor('octocat');
    const mark = sim.routeRecorder.mark();
    const query = graphql.defaults({ baseUrl: sim.url, headers: { authorization: `token ${token}` } });
    await expect(query('{ repository(owner: "acme", name: "gadgets") { sessionCount } }')).rejects.toThrow("Field 'sessionCount' doesn't exist on type 'Repository'");
    expect(checkRecordedTraffic(sim.routeRecorder.since(mark), rest)).toEqual([{ request: 'POST /graphql -> 200', problem: "GraphQL: Field 'sessionCount' doesn't exist on type 'Repository'" }]);
  });
});
