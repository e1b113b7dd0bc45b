// The whole loop the app lives in, against the simulator over real HTTP and
// real git: issue -> pushed branch -> PR -> failing CI -> review comments ->
// fix -> green CI -> approval -> merge. Every webhook is received by a real
// HTTP endpoint that checks its signature, and every payload and REST
// response is held to GitHub's published schemas.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '@octokit/graphql';
import { execa } from 'execa';
import { startGitHubSimulator, type GitHubSimulator, type RepoHandle } from '../../../src/sandbox/github-sim/index.js';
import { assertConformingTraffic, webhookConformance } from '../../../src/sandbox/github-sim/conformance.js';
import { Clone, installationOctokit, simOctokit } from './helpers.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const SECRET = 'e2e-webhook-secret';

const PR_QUERY = /* GraphQL */ `
  query ($owner: String!, $name: String!, $number: Int!) {
    repository(owner: $owner, name: $name) {
      pullRequest(number: $number) {
        number
        state
        merged
        headRefName
        headRefOid
        reviewDecision
        mergeable
        mergeStateStatus
        reviewThreads(first: 20) {
          nodes {
            id
            isResolved
            path
            line
            comments(first: 20) {
              nodes {
                databaseId
                body
                author {
                  login
                }
                path
                line
              }
            }
          }
        }
        commits(last: 1) {
          nodes {
            commit {
              oid
              statusCheckRollup {
                state
                contexts(first: 20) {
                  nodes {
                    __typename
                    ... on CheckRun {
                      name
                      status
                      conclusion
                      detailsUrl
                    }
                    ... on StatusContext {
                      context
                      state
                      targetUrl
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;

interface PrQueryResult {
  repository: {
    pullRequest: {
      number: number;
      state: string;
      merged: boolean;
      headRefName: string;
      headRefOid: string;
      reviewDecision: string | null;
      mergeable: string;
      mergeStateStatus: string;
      reviewThreads: { nodes: { id: string; isResolved: boolean; path: string; line: number; comments: { nodes: { databaseId: number; body: string; author: { login: string }; path: string; line: number }[] } }[] };
      commits: { nodes: { commit: { oid: string; statusCheckRollup: { state: string; contexts: { nodes: Record<string, unknown>[] } } | null } }[] };
    };
  };
}

describe('GitHub simulator: the full issue-to-merge loop', () => {
  let sim: GitHubSimulator;
  let receiver: WebhookReceiver;
  let repo: RepoHandle;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    sim = await startGitHubSimulator({ webhookUrl: receiver.url, webhookSecret: SECRET });
    repo = await sim.createRepo({
      owner: 'acme',
      name: 'widgets',
      files: { '.github/agent-orchestrator.yml': 'prefix: wid\nagent: claude-code\n', 'src/sum.ts': 'export const sum = (a: number, b: number) => a - b;\n' },
    });
  });

  afterAll(async () => {
    await sim?.close();
    await receiver?.close();
  });

  it('runs issue -> PR -> failing CI -> review -> fix -> green -> approval -> merge, with schema-valid signed webhooks', async () => {
    const maria = sim.addUser('maria', { permission: 'write' });
    const rita = sim.addUser('rita', { permission: 'write' });
    const asMaria = simOctokit(sim, maria.token);
    const asRita = simOctokit(sim, rita.token);
    const { octokit: asApp, token: appToken } = await installationOctokit(sim, repo.installationId!);
    const appGraphql = graphql.defaults({ baseUrl: sim.url, headers: { authorization: `token ${appToken}` } });
    const ritaGraphql = graphql.defaults({ baseUrl: sim.url, headers: { authorization: `token ${rita.token}` } });
    const mark = sim.routeRecorder.mark();
    const o = { owner: 'acme', repo: 'widgets' };

    // 1. A maintainer files an issue with the trigger label; the app acknowledges it.
    const issue = await asMaria.rest.issues.create({ ...o, title: 'sum() subtracts', body: 'It should add.', labels: ['agent'] });
    expect(issue.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['agent']);
    const ack = await asApp.rest.issues.createComment({ ...o, issue_number: issue.data.number, body: 'Spawning session wid-1' });
    expect(ack.data.user?.login).toBe(sim.app.botLogin);
    expect(ack.data.performed_via_github_app?.id).toBe(sim.app.id);

    // 2. The agent clones, commits and pushes a branch with real git over HTTP, with the installation token; the simulator notices the push.
    const clone = await Clone.of(repo.cloneUrl, { token: appToken });
    try {
      await clone.git('checkout', '--quiet', '-b', 'ao/wid-1-issue-1');
      const firstSha = await clone.commit({ 'src/sum.ts': 'export const sum = (a: number, b: number) => a * b;\n' }, 'Fix sum');
      await clone.git('push', '--quiet', 'origin', 'ao/wid-1-issue-1');
      await sim.syncRefs('acme', 'widgets', { as: sim.app.botLogin });

      // 3. The app opens the PR; its head is the pushed commit.
      const pr = await asApp.rest.pulls.create({ ...o, head: 'ao/wid-1-issue-1', base: 'main', title: 'Fix sum', body: `Closes #${issue.data.number}` });
      expect(pr.data.head.sha).toBe(firstSha);
      expect(pr.data.mergeable).toBe(true);
      const number = pr.data.number;

      // 4. CI runs and fails.
      await sim.setCheckRun('acme', 'widgets', { ref: firstSha, name: 'ci/test', status: 'in_progress' });
      await sim.setCheckRun('acme', 'widgets', { ref: firstSha, name: 'ci/test', conclusion: 'failure', detailsUrl: 'https://ci.example/runs/1', output: { title: '1 failing', summary: 'sum adds' } });
      const failing = await appGraphql<PrQueryResult>(PR_QUERY, { owner: 'acme', name: 'widgets', number });
      const failingRollup = failing.repository.pullRequest.commits.nodes[0]!.commit.statusCheckRollup!;
      expect(failingRollup.state).toBe('FAILURE');
      expect(failingRollup.contexts.nodes).toEqual([{ __typename: 'CheckRun', name: 'ci/test', status: 'COMPLETED', conclusion: 'FAILURE', detailsUrl: 'https://ci.example/runs/1' }]);
      expect(failing.repository.pullRequest.mergeStateStatus).toBe('UNSTABLE');
      const runs = await asApp.rest.checks.listForRef({ ...o, ref: firstSha });
      expect(runs.data.check_runs.map((r) => [r.name, r.conclusion])).toEqual([['ci/test', 'failure']]);

      // 5. A reviewer asks for changes with an inline comment, which opens a review thread.
      const review = await asRita.rest.pulls.createReview({ ...o, pull_number: number, event: 'REQUEST_CHANGES', body: 'Not quite', comments: [{ path: 'src/sum.ts', line: 1, body: 'This multiplies.' }] });
      expect(review.data.state).toBe('CHANGES_REQUESTED');
      const reviewed = await appGraphql<PrQueryResult>(PR_QUERY, { owner: 'acme', name: 'widgets', number });
      const [thread] = reviewed.repository.pullRequest.reviewThreads.nodes;
      expect(thread).toMatchObject({ isResolved: false, path: 'src/sum.ts', line: 1 });
      expect(thread!.comments.nodes[0]).toMatchObject({ body: 'This multiplies.', author: { login: 'rita' }, path: 'src/sum.ts', line: 1 });
      const restComments = await asApp.rest.pulls.listReviewComments({ ...o, pull_number: number });
      expect(restComments.data.map((c) => c.id)).toEqual([thread!.comments.nodes[0]!.databaseId]);
      const permission = await asApp.rest.repos.getCollaboratorPermissionLevel({ ...o, username: 'rita' });
      expect(permission.data.role_name).toBe('write');

      // 6. The agent pushes a fix; the PR head follows the branch.
      const fixSha = await clone.commit({ 'src/sum.ts': 'export const sum = (a: number, b: number) => a + b;\n' }, 'Really fix sum');
      await clone.git('push', '--quiet', 'origin', 'ao/wid-1-issue-1');
      await sim.syncRefs('acme', 'widgets', { as: sim.app.botLogin });
      expect((await asApp.rest.pulls.get({ ...o, pull_number: number })).data.head.sha).toBe(fixSha);

      // 7. CI passes on the new head; the reviewer resolves the thread and approves.
      await sim.setCheckRun('acme', 'widgets', { ref: fixSha, name: 'ci/test', status: 'in_progress' });
      await sim.setCheckRun('acme', 'widgets', { ref: fixSha, name: 'ci/test', conclusion: 'success' });
      await ritaGraphql(`mutation ($id: ID!) { resolveReviewThread(input: { threadId: $id }) { thread { isResolved } } }`, { id: thread!.id });
      await asRita.rest.pulls.createReview({ ...o, pull_number: number, event: 'APPROVE' });
      const green = await appGraphql<PrQueryResult>(PR_QUERY, { owner: 'acme', name: 'widgets', number });
      expect(green.repository.pullRequest.commits.nodes[0]!.commit).toMatchObject({ oid: fixSha, statusCheckRollup: { state: 'SUCCESS' } });
      expect(green.repository.pullRequest.reviewThreads.nodes[0]!.isResolved).toBe(true);
      expect(green.repository.pullRequest.mergeStateStatus).toBe('CLEAN');

      // 8. The app squash-merges; the base branch in git moves to the merge commit.
      const merged = await asApp.rest.pulls.merge({ ...o, pull_number: number, merge_method: 'squash' });
      expect(merged.data.merged).toBe(true);
      const after = await asApp.rest.pulls.get({ ...o, pull_number: number });
      expect(after.data).toMatchObject({ merged: true, state: 'closed', merge_commit_sha: merged.data.sha });
      const mainTip = (await execa('git', ['--git-dir', repo.gitDir, 'rev-parse', 'refs/heads/main'])).stdout.trim();
      expect(mainTip).toBe(merged.data.sha);
      const parents = (await execa('git', ['--git-dir', repo.gitDir, 'rev-list', '--parents', '-n', '1', mainTip])).stdout.trim().split(' ');
      expect(parents).toHaveLength(2); // squash: one parent, the old main
      const content = await asApp.rest.repos.getContent({ ...o, path: 'src/sum.ts' });
      expect(Buffer.from((content.data as { content: string }).content, 'base64').toString()).toContain('a + b');
      const finalState = await appGraphql<PrQueryResult>(PR_QUERY, { owner: 'acme', name: 'widgets', number });
      expect(finalState.repository.pullRequest).toMatchObject({ state: 'MERGED', merged: true });
    } finally {
      await clone.remove();
    }

    // Every event GitHub would send arrived, in order, signed and schema-valid.
    await sim.deliveries.idle();
    const sequence = receiver.received.map((r) => (r.action ? `${r.event}.${r.action}` : r.event));
    expect(sequence).toEqual([
      'issues.opened',
      'issues.labeled',
      'issue_comment.created',
      'push',
      'pull_request.opened',
      'check_run.created',
      'check_run.completed',
      'check_suite.completed',
      'pull_request_review.submitted',
      'pull_request_review_comment.created',
      'push',
      'pull_request.synchronize',
      'check_run.created',
      'check_run.completed',
      'check_suite.completed',
      'pull_request_review_thread.resolved',
      'pull_request_review.submitted',
      'pull_request.closed',
      'push',
    ]);
    const schemas = webhookConformance();
    for (const hook of receiver.received) {
      expect(hook.signatureValid, `${hook.event} signature`).toBe(true);
      expect(hook.headers['user-agent']).toMatch(/^GitHub-Hookshot\//);
      expect(hook.payload.installation).toEqual({ id: repo.installationId, node_id: expect.any(String) });
      expect(schemas.validateDelivery(hook.headers as Record<string, string>, hook.payload), `${hook.event}.${hook.action}`).toEqual({ ok: true, errors: [] });
    }
    const closed = receiver.received.find((r) => r.event === 'pull_request' && r.action === 'closed')!;
    expect(closed.payload.pull_request).toMatchObject({ merged: true, merged_by: { login: sim.app.botLogin } });
    const synchronize = receiver.received.find((r) => r.action === 'synchronize')!;
    expect(synchronize.payload).toMatchObject({ before: expect.stringMatching(/^[0-9a-f]{40}$/), after: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(sim.deliveries.list().every((d) => d.outcome === 'delivered' && d.statusCode === 200)).toBe(true);

    // And everything the clients called is a real GitHub route with a schema-valid answer.
    assertConformingTraffic(sim.routeRecorder.since(mark));
  });

  it('refuses to merge until branch protection is satisfied, and reports why', async () => {
    sim.addUser('rita', { permission: 'write' });
    const rita = simOctokit(sim, sim.tokenFor('rita'));
    const { octokit: asApp, token } = await installationOctokit(sim, repo.installationId!);
    const gql = graphql.defaults({ baseUrl: sim.url, headers: { authorization: `token ${token}` } });
    sim.setBranchProtection('acme', 'widgets', 'main', { requiredApprovingReviews: 1, requiredStatusChecks: ['ci/test'] });
    const head = await sim.pushCommit('acme', 'widgets', { branch: 'ao/wid-2', files: { 'docs/notes.md': 'notes\n' }, as: sim.app.botLogin });
    const pr = await sim.openPullRequest('acme', 'widgets', { head: 'ao/wid-2', title: 'Notes', as: sim.app.botLogin });

    const blocked = await asApp.rest.pulls.merge({ owner: 'acme', repo: 'widgets', pull_number: pr.number }).catch((error: unknown) => error);
    expect(blocked).toMatchObject({ status: 405, message: expect.stringContaining('At least 1 approving review is required') });
    const before = await gql<PrQueryResult>(PR_QUERY, { owner: 'acme', name: 'widgets', number: pr.number });
    expect(before.repository.pullRequest).toMatchObject({ reviewDecision: 'REVIEW_REQUIRED', mergeStateStatus: 'BLOCKED' });

    await rita.rest.pulls.createReview({ owner: 'acme', repo: 'widgets', pull_number: pr.number, event: 'APPROVE' });
    await sim.setCheckRun('acme', 'widgets', { ref: head, name: 'ci/test', conclusion: 'success' });
    const ready = await gql<PrQueryResult>(PR_QUERY, { owner: 'acme', name: 'widgets', number: pr.number });
    expect(ready.repository.pullRequest).toMatchObject({ reviewDecision: 'APPROVED', mergeStateStatus: 'CLEAN' });
    const merged = await asApp.rest.pulls.merge({ owner: 'acme', repo: 'widgets', pull_number: pr.number, merge_method: 'merge' });
    const parents = (await execa('git', ['--git-dir', repo.gitDir, 'rev-list', '--parents', '-n', '1', merged.data.sha])).stdout.trim().split(' ');
    expect(parents.slice(1)).toContain(head); // a real merge commit with the PR head as second parent
    expect(parents).toHaveLength(3);
    sim.setBranchProtection('acme', 'widgets', 'main', null);
  });

  it('logs failed deliveries and redelivers with the same GUID and body', async () => {
    receiver.respondWith = 500;
    const { deliveries } = await sim.capture(() => sim.createIssue('acme', 'widgets', { title: 'Redelivery probe' }));
    receiver.respondWith = 200;
    const [failed] = deliveries;
    expect(failed).toMatchObject({ event: 'issues', action: 'opened', outcome: 'failed', statusCode: 500 });
    expect(failed!.durationMs).toEqual(expect.any(Number));
    expect(failed!.responseBody).toBe('ok');

    const again = sim.deliveries.redeliver(failed!.id);
    await sim.deliveries.settled(again);
    expect(again).toMatchObject({ guid: failed!.guid, redelivery: true, outcome: 'delivered', statusCode: 200, body: failed!.body });
    const seen = receiver.received.filter((r) => r.delivery === failed!.guid);
    expect(seen).toHaveLength(2);
    expect(seen[0]!.rawBody).toBe(seen[1]!.rawBody);
  });
});
