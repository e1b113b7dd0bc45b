import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_MARKER } from '../../src/core/status-comment.js';
import { listSessions } from '../../src/sessions/list.js';
import { readFakeAgentLog } from '../support/fake-agent.js';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { startRig, waitFor, type SessionRig } from '../support/rig.js';
import { startSimulatorProcess, type SimulatorProcess } from '../support/sim-process.js';

/**
 * Control from GitHub (issue 14), end to end against the simulator (its own
 * process), the app as deployed, a real host and the fake agent: answering
 * an agent's question, the check run's Stop and Restore, budgets and the
 * kill switch, and the prompt-injection guard.
 */

const OWNER = 'acme';
const REPO = 'control-app';
const SECRET = 'control-secret';

let sim: SimulatorProcess;
let rig: SessionRig;
let app: AppProcess;
let ownerToken: string;

interface RestComment {
  id: number;
  body: string;
  user: { login: string };
}

async function rest<T>(route: string): Promise<T> {
  const res = await fetch(`${sim.url}${route}`, { headers: { authorization: `token ${ownerToken}`, accept: 'application/vnd.github+json' } });
  if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const comments = (n: number) => rest<RestComment[]>(`/repos/${OWNER}/${REPO}/issues/${n}/comments?per_page=100`);
const replies = async (n: number) => (await comments(n)).filter((c) => !c.body.includes(STATUS_MARKER) && c.user.login === sim.info.botLogin);
async function statusCommentSays(n: number, text: string): Promise<string | undefined> {
  const body = (await comments(n)).find((c) => c.body.includes(STATUS_MARKER) && c.user.login === sim.info.botLogin)?.body;
  return body?.includes(text) ? body : undefined;
}
async function sessionOf(issue: number) {
  return (await listSessions(rig.orch, { includeKilled: true })).sessions.find((s) => s.issue === issue);
}
async function sessionCheck(sha: string, id: string) {
  const { check_runs } = await rest<{ check_runs: { id: number; name: string; conclusion: string | null; output: { title: string | null } }[] }>(`/repos/${OWNER}/${REPO}/commits/${sha}/check-runs`);
  return check_runs.find((r) => r.name === `agent-orchestrator / ${id}`);
}

beforeAll(async () => {
  sim = await startSimulatorProcess();
  ownerToken = (await sim.sim.addUser('acme', { permission: 'admin' })).token;
  await sim.sim.addUser('maria', { permission: 'maintain' });
  await sim.sim.addUser('wendy', { permission: 'write' });
  await sim.sim.addUser('rita', { permission: 'read' });
  const repo = await sim.sim.createRepo({ owner: OWNER, name: REPO, files: { 'README.md': '# control\n' } });
  await sim.sim.createLabel(OWNER, REPO, { name: 'agent' });
  rig = await startRig({ url: repo.cloneUrl, agent: { env: { AO_FAKE_GITHUB_API: sim.url, AO_FAKE_GITHUB_REPO: `${OWNER}/${REPO}` } } });
  const raw = rig.configRaw as { projects: Record<string, unknown>[] };
  const configPath = path.join(rig.dir, 'control.yaml');
  writeFileSync(configPath, stringify({ ...rig.configRaw, projects: raw.projects.map((p) => ({ ...p, repo: `${OWNER}/${REPO}` })), app: { reconcileIntervalSec: 2 } }));
  app = await startAppProcess({ simUrl: sim.url, appId: sim.info.appId, privateKeyPem: sim.info.appPrivateKeyPem, secret: SECRET, configPath });
  await sim.sim.setWebhook({ url: app.webhookUrl, secret: SECRET });
}, 120_000);

afterAll(async () => {
  if (process.env.AO_TEST_APP_LOG && app) writeFileSync(process.env.AO_TEST_APP_LOG, app.output());
  await app?.stop();
  await rig?.stop();
  await sim?.stop();
});

describe('control from GitHub', () => {
  it("shows the agent's question and takes a writer's answer (never a reader's)", async () => {
    const issue = await sim.sim.createIssue(OWNER, REPO, { title: 'Ask me', body: 'x', as: 'wendy' });
    await sim.sim.addLabels(OWNER, REPO, issue.number, ['agent'], { as: 'wendy' });
    const session = await waitFor(() => sessionOf(issue.number), 30_000, 'the session');
    await sim.sim.comment(OWNER, REPO, issue.number, '/ao send fake:ask', { as: 'wendy' });
    const body = await waitFor(() => statusCommentSays(issue.number, 'is waiting for an answer'), 30_000, 'the question in the status comment');
    expect(body).toContain('Allow fake-agent to edit files?');
    expect(body).toContain('/ao answer');

    await sim.sim.comment(OWNER, REPO, issue.number, '/ao answer y', { as: 'rita' });
    await waitFor(async () => (await replies(issue.number)).some((c) => c.body.includes('🙅') && c.body.includes('/ao answer')), 20_000, 'the refusal');
    expect(readFakeAgentLog(rig.agentLog).filter((e) => 'answer' in e)).toEqual([]);
    expect((await sessionOf(issue.number))?.status).toBe('needs_input');

    await sim.sim.comment(OWNER, REPO, issue.number, '/ao answer y', { as: 'wendy' });
    await waitFor(() => readFakeAgentLog(rig.agentLog).some((e) => 'answer' in e && e.answer === 'yes'), 20_000, 'the answer in the agent');
    await waitFor(async () => !(await statusCommentSays(issue.number, 'is waiting for an answer')) && (await statusCommentSays(issue.number, session.id)), 30_000, 'the comment moving on');
    expect((await sessionOf(issue.number))?.status).not.toBe('needs_input');
  });

  it("keeps a check run per session whose Stop and Restore work for writers only", async () => {
    const issue = await sim.sim.createIssue(OWNER, REPO, { title: 'Check me', body: 'x', as: 'wendy' });
    await sim.sim.addLabels(OWNER, REPO, issue.number, ['agent'], { as: 'wendy' });
    const session = await waitFor(() => sessionOf(issue.number), 30_000, 'the session');
    await sim.sim.comment(OWNER, REPO, issue.number, '/ao send fake:write checked.txt 1\nfake:commit one\nfake:push\nfake:pr Checked', { as: 'wendy' });
    await waitFor(async () => (await sessionOf(issue.number))?.prNumber, 30_000, 'the PR');
    const head = await sim.sim.headSha(OWNER, REPO, session.branch);
    const run = await waitFor(() => sessionCheck(head, session.id), 30_000, 'the session check run');
    expect(run.conclusion).toBe('neutral');

    // Its own check run is not CI the session reacts to: the session is not ci_failed because of it.
    expect((await sessionOf(issue.number))?.ci).not.toBe('failing');

    await sim.sim.pressCheckRunAction(OWNER, REPO, run.id, 'stop', { as: 'rita' });
    await new Promise((r) => setTimeout(r, 2500));
    expect((await sessionOf(issue.number))?.status).not.toBe('killed');

    await sim.sim.pressCheckRunAction(OWNER, REPO, run.id, 'stop', { as: 'wendy' });
    await waitFor(async () => (await sessionOf(issue.number))?.status === 'killed', 30_000, 'the stop');
    await waitFor(async () => (await sessionCheck(head, session.id))?.output.title?.includes('ended'), 30_000, 'the check run showing the end');
    await sim.sim.pressCheckRunAction(OWNER, REPO, run.id, 'restore', { as: 'wendy' });
    await waitFor(async () => {
      const s = await sessionOf(issue.number);
      return s && s.status !== 'killed' && s.activity !== null;
    }, 60_000, 'the restore');
  });
});
