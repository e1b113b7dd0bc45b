// The rest of GitHubPort against the simulator over real HTTP: permissions
// (cached), issues, repos, the marker-found status comment, reactions, check
// runs and merges, as a CLI user token and as the app's installation
// (including Probot's own Octokit on a GitHub Enterprise Server layout).

import { pino } from 'pino';
import { createProbot } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubForbidden, GitHubNotFound } from '../../src/github/errors.js';
import { createGitHubPort, gitHubPortFromOctokit, type OctokitGitHubPort } from '../../src/github/octokit-port.js';
import { startGitHubSimulator, type GitHubSimulator, type RepoHandle } from '../../src/sandbox/github-sim/index.js';
import { installationOctokit, simOctokit } from '../sandbox/github-sim/helpers.js';

const O = 'acme';
const R = 'web';
const repoRef = { owner: O, repo: R };
const MARKER = '<!-- ao:status -->';
const silent = pino({ level: 'silent' });

describe('GitHubPort against the simulator', () => {
  let sim: GitHubSimulator;
  let repo: RepoHandle;
  let asApp: OctokitGitHubPort;
  let asUser: OctokitGitHubPort;
  let clock = Date.now();

  async function port(token: string, extra: { now?: () => number } = {}): Promise<OctokitGitHubPort> {
    const made = await createGitHubPort({ apiUrl: sim.url, token, gh: false, env: {}, throttle: false, log: silent, ...extra });
    if (!made.port) throw new Error(made.reason);
    return made.port;
  }

  beforeAll(async () => {
    sim = await startGitHubSimulator();
    repo = await sim.createRepo({ owner: O, name: R, defaultBranch: 'trunk', files: { 'README.md': '# web\n' } });
    for (const [login, role] of [['mia', 'maintain'], ['wes', 'write'], ['tia', 'triage'], ['rob', 'read']] as const) sim.addUser(login, { permission: role });
    sim.addUser('nora');
    sim.setPermission(O, R, 'nora', 'none');
    asApp = await port((await installationOctokit(sim, repo.installationId!)).token, { now: () => clock });
    asUser = await port(sim.tokenFor('wes'));
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('tells each role apart, says none for no access or an unknown login, and asks once per person per minute', async () => {
    const roles = await Promise.all(['acme', 'mia', 'wes', 'tia', 'rob', 'nora', 'nobody-at-all'].map((login) => asApp.collaboratorPermission(repoRef, login)));
    expect(roles).toEqual(['admin', 'maintain', 'write', 'triage', 'read', 'none', 'none']);
    const mark = sim.routeRecorder.mark();
    expect(await asApp.collaboratorPermission(repoRef, 'WES')).toBe('write');
    expect(sim.routeRecorder.since(mark)).toEqual([]);
    // A change of role shows once the cached answer is older than the TTL.
    sim.setPermission(O, R, 'wes', 'read');
    expect(await asApp.collaboratorPermission(repoRef, 'wes')).toBe('write');
    clock += 61_000;
    expect(await asApp.collaboratorPermission(repoRef, 'wes')).toBe('read');
    expect(sim.routeRecorder.since(mark).map((r) => r.path)).toEqual(['/repos/acme/web/collaborators/wes/permission']);
    sim.setPermission(O, R, 'wes', 'write');
  });

  it('reads an issue and a repo as plain data', async () => {
    const issue = await sim.createIssue(O, R, { title: 'Add health check', body: 'GET /health', labels: ['agent', 'backend'], as: 'wes' });
    expect(await asUser.getIssue(repoRef, issue.number)).toEqual({
      number: issue.number,
      title: 'Add health check',
      body: 'GET /health',
      author: 'wes',
      authorAssociation: 'COLLABORATOR',
      labels: ['agent', 'backend'],
      state: 'open',
      stateReason: null,
      isPullRequest: false,
      url: issue.url,
    });
    await sim.closeIssue(O, R, issue.number, { reason: 'not_planned' });
    expect(await asUser.getIssue(repoRef, issue.number)).toMatchObject({ state: 'closed', stateReason: 'not_planned' });
    await expect(asUser.getIssue(repoRef, 999)).rejects.toBeInstanceOf(GitHubNotFound);
    expect(await asApp.getRepo(repoRef)).toEqual({ owner: O, repo: R, fullName: 'acme/web', cloneUrl: `${sim.url}/acme/web.git`, defaultBranch: 'trunk', private: false, url: `${sim.url}/acme/web` });
    await expect(asApp.getRepo({ owner: O, repo: 'nope' })).rejects.toBeInstanceOf(GitHubNotFound);
  });

  it('keeps ONE status comment per issue, found again by its marker and edited in place, never someone else\'s', async () => {
    const issue = await sim.createIssue(O, R, { title: 'Status comment' });
    // A person quoting the marker does not make their comment ours.
    const human = await sim.comment(O, R, issue.number, `I copied this: ${MARKER}`, { as: 'wes' });
    const created = await asApp.upsertComment(repoRef, issue.number, MARKER, '| web-1 | working |');
    expect(created.action).toBe('created');
    const mark = sim.routeRecorder.mark();
    expect(await asApp.upsertComment(repoRef, issue.number, MARKER, '| web-1 | working |')).toEqual({ ...created, action: 'unchanged' });
    expect(await asApp.upsertComment(repoRef, issue.number, MARKER, '| web-1 | working |')).toEqual({ ...created, action: 'unchanged' });
    // Nothing written when nothing changed; the second look is a free 304.
    expect(sim.routeRecorder.since(mark).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'GET 304']);
    expect(await asApp.upsertComment(repoRef, issue.number, MARKER, '| web-1 | pr_open |')).toMatchObject({ id: created.id, action: 'updated' });

    // After a restart (a new port), the marker finds the comment again.
    const restarted = await port((await installationOctokit(sim, repo.installationId!)).token);
    expect(await restarted.upsertComment(repoRef, issue.number, MARKER, '| web-1 | ci_failed |')).toMatchObject({ id: created.id, action: 'updated' });

    const { data: comments } = await simOctokit(sim, sim.tokenFor('acme')).rest.issues.listComments({ owner: O, repo: R, issue_number: issue.number });
    expect(comments.map((c) => [c.user?.login, c.body])).toEqual([
      ['wes', `I copied this: ${MARKER}`],
      [sim.app.botLogin, `${MARKER}\n| web-1 | ci_failed |`],
    ]);
    expect(comments[0]!.id).toBe(human.id);

    // Deleted by someone: the next update recreates it.
    await sim.deleteComment(O, R, created.id);
    expect(await restarted.upsertComment(repoRef, issue.number, MARKER, '| web-1 | mergeable |')).toMatchObject({ action: 'created' });
    // A CLI user's port writes as that user, and never edits the app's comment.
    const mia = await port(sim.tokenFor('mia'));
    expect(await mia.upsertComment(repoRef, issue.number, MARKER, 'from the CLI')).toMatchObject({ action: 'created' });
    const { data: after } = await simOctokit(sim, sim.tokenFor('acme')).rest.issues.listComments({ owner: O, repo: R, issue_number: issue.number });
    expect(after.map((c) => c.user?.login)).toEqual(['wes', sim.app.botLogin, 'mia']);
  });

  it('keeps one status comment when two writers create it at once', async () => {
    const issue = await sim.createIssue(O, R, { title: 'Raced' });
    const token = (await installationOctokit(sim, repo.installationId!)).token;
    const [first, second] = [await port(token), await port(token)];
    const results = await Promise.all([first.upsertComment(repoRef, issue.number, MARKER, 'one'), second.upsertComment(repoRef, issue.number, MARKER, 'two')]);
    const { data } = await simOctokit(sim).rest.issues.listComments({ owner: O, repo: R, issue_number: issue.number });
    const ours = data.filter((c) => c.body?.includes(MARKER));
    expect(ours).toHaveLength(1);
    expect(new Set(results.map((r) => r.id))).toEqual(new Set([ours[0]!.id]));
  });

  it('reacts to a comment, idempotently', async () => {
    const issue = await sim.createIssue(O, R, { title: 'Command' });
    const comment = await sim.comment(O, R, issue.number, '/ao status', { as: 'wes' });
    // The first reaction is a claim (created), the second finds it made: two copies of the app cannot both claim a command.
    expect(await asApp.addReaction(repoRef, comment.id, 'eyes')).toEqual({ created: true });
    expect(await asApp.addReaction(repoRef, comment.id, 'eyes')).toEqual({ created: false });
    const { data } = await simOctokit(sim).rest.reactions.listForIssueComment({ owner: O, repo: R, comment_id: comment.id });
    expect(data.map((r) => [r.content, r.user?.login])).toEqual([['eyes', sim.app.botLogin]]);
    await expect(asApp.addReaction(repoRef, 424242, 'eyes')).rejects.toBeInstanceOf(GitHubNotFound);
  });

  it('creates and updates its own check run on a SHA, found by name and external id, never CI\'s', async () => {
    const head = await sim.pushCommit(O, R, { branch: 'ao/web-1', files: { 'a.txt': 'a\n' } });
    // CI happens to use the same name: not ours to touch.
    const ci = await sim.setCheckRun(O, R, { ref: head, name: 'Agent Orchestrator', conclusion: 'success' });
    const actions = [
      { label: 'Stop', description: 'Stop the session, keep its work', identifier: 'stop' },
      { label: 'Restore', description: 'Restart the agent', identifier: 'restore' },
    ];
    const created = await asApp.upsertCheckRun(repoRef, { headSha: head, name: 'Agent Orchestrator', externalId: 'web-1', status: 'in_progress', output: { title: 'working', summary: 'web-1 is working' }, actions });
    expect(created).toMatchObject({ action: 'created', url: expect.stringContaining('/runs/') });
    expect(created.id).not.toBe(ci.id);
    const updated = await asApp.upsertCheckRun(repoRef, { headSha: head, name: 'Agent Orchestrator', externalId: 'web-1', status: 'completed', conclusion: 'success', output: { title: 'merged', summary: 'done' } });
    expect(updated).toEqual({ id: created.id, url: created.url, action: 'updated' });
    const other = await asApp.upsertCheckRun(repoRef, { headSha: head, name: 'Agent Orchestrator', externalId: 'web-2', status: 'queued' });
    expect(other.action).toBe('created');

    const { data } = await simOctokit(sim, sim.tokenFor('acme')).rest.checks.listForRef({ owner: O, repo: R, ref: head, filter: 'all' });
    const byId = new Map(data.check_runs.map((r) => [r.id, r]));
    expect(byId.get(created.id)).toMatchObject({ status: 'completed', conclusion: 'success', external_id: 'web-1', output: { title: 'merged', summary: 'done' }, app: { slug: sim.app.slug } });
    expect(byId.get(ci.id)).toMatchObject({ conclusion: 'success', app: { slug: 'github-actions' } });
    // Only apps may write check runs; a CLI user token is told so.
    await expect(asUser.upsertCheckRun(repoRef, { headSha: head, name: 'x', status: 'queued' })).rejects.toBeInstanceOf(GitHubForbidden);
  });

  it('merges when GitHub allows it, and says plainly why when it does not', async () => {
    const head = await sim.pushCommit(O, R, { branch: 'ao/web-2', files: { 'b.txt': 'b\n' }, from: 'trunk' });
    const pr = await sim.openPullRequest(O, R, { head: 'ao/web-2', base: 'trunk', title: 'B', draft: true, as: sim.app.botLogin });
    expect(await asApp.mergePullRequest(repoRef, { number: pr.number, method: 'squash', expectedHeadSha: head })).toEqual({ merged: false, reason: 'not_mergeable', message: expect.stringContaining('draft') });
    await sim.markReadyForReview(O, R, pr.number);
    const moved = await sim.pushCommit(O, R, { branch: 'ao/web-2', files: { 'b.txt': 'b2\n' } });
    expect(await asApp.mergePullRequest(repoRef, { number: pr.number, method: 'squash', expectedHeadSha: head })).toEqual({ merged: false, reason: 'head_changed', message: expect.stringContaining('Head branch was modified') });
    const reader = await port(sim.tokenFor('rob'));
    await expect(reader.mergePullRequest(repoRef, { number: pr.number, method: 'squash', expectedHeadSha: moved })).rejects.toBeInstanceOf(GitHubForbidden);
    const merged = await asApp.mergePullRequest(repoRef, { number: pr.number, method: 'squash', expectedHeadSha: moved });
    expect(merged).toEqual({ merged: true, sha: await sim.headSha(O, R, 'trunk') });
    const after = await asApp.fetchEvidence(repoRef, [{ key: 'web-2', branch: 'ao/web-2' }]);
    expect(after).toMatchObject({ outcome: 'fresh', sessions: [{ status: 'pr', pr: { state: 'MERGED' } }] });
    await expect(asApp.mergePullRequest(repoRef, { number: 9999, method: 'merge', expectedHeadSha: moved })).rejects.toBeInstanceOf(GitHubNotFound);
  });

  it('works the same over Probot\'s installation Octokit on a GHES layout', async () => {
    const probot = createProbot({ env: { APP_ID: String(sim.app.id), PRIVATE_KEY: sim.app.privateKeyPem, WEBHOOK_SECRET: 's', GHE_HOST: new URL(sim.url).host, GHE_PROTOCOL: 'http', LOG_LEVEL: 'fatal' } });
    const app = gitHubPortFromOctokit(await probot.auth(repo.installationId!), { log: silent });
    const issue = await sim.createIssue(O, R, { title: 'Via Probot' });
    const mark = sim.routeRecorder.mark();
    expect(await app.upsertComment(repoRef, issue.number, MARKER, 'hello')).toMatchObject({ action: 'created' });
    expect(await app.fetchEvidence(repoRef, [{ key: 'web-1', branch: 'ao/web-1', issueNumber: issue.number }])).toMatchObject({
      outcome: 'fresh',
      requests: 1,
      sessions: [{ key: 'web-1', status: 'no_pr', issue: { state: 'OPEN' } }],
    });
    const traffic = sim.routeRecorder.since(mark);
    expect(traffic.every((r) => r.mount === '/api/v3' || r.mount === '/api')).toBe(true);
    expect(traffic.map((r) => `${r.method} ${r.mount}${r.path}`)).toContain('POST /api/graphql');
  });
});
