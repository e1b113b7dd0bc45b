import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { InstallationTokenCredentials } from '../../src/sessions/credentials.js';
import { killSession } from '../../src/sessions/kill.js';
import { Orchestrator } from '../../src/sessions/orchestrator.js';
import { restoreSession } from '../../src/sessions/restore.js';
import { sendMessage } from '../../src/sessions/send.js';
import { spawnSession, type SpawnResult } from '../../src/sessions/spawn.js';
import { startRig, waitFor, type SessionRig } from '../support/rig.js';
import { startSimulatorProcess, type SimulatorProcess } from '../support/sim-process.js';
import { appJwt } from '../sandbox/github-sim/helpers.js';

/**
 * Credentials for agents, end to end with real parts: the GitHub simulator as
 * its own process (git over smart HTTP with token auth, installation tokens
 * that expire), a loopback sshd host and the local host, real tmux and git,
 * the fake agent. The repo is private, so nothing works without the token:
 * the orchestrator's mirror clone, the agent's pushes through the credential
 * helper, its PR (token from `git credential fill`), kill's backup push;
 * after the tokens expire, a refresh makes the next push work again. All the
 * while, `ps`, the records, the event log and the logs are watched for the
 * tokens.
 */

const run = promisify(execFile);
const OWNER = 'acme';
const REPO = 'private-app';

let sim: SimulatorProcess;
let rig: SessionRig;
let orch: Orchestrator;
let credentials: InstallationTokenCredentials;
let ownerToken: string;
let installationId: number;
/** The test's clock runs ahead of real time by this much (and the simulator's tokens with it). */
let skewMs = 0;
const minted: string[] = [];
const asked: { repo: string; fresh: boolean }[] = [];
const logLines: string[] = [];
const ps = { samples: 0, sawHostScripts: false, hits: [] as string[] };
const hostArgv: string[] = [];
let sampling = true;
let sampler: Promise<void>;
let first: SpawnResult;
let second: SpawnResult;

/** A token as the app gets one: an app JWT, then POST /app/installations/{id}/access_tokens. */
async function mintInstallationToken(): Promise<{ token: string; expiresAt: string }> {
  const response = await fetch(`${sim.url}/app/installations/${installationId}/access_tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${appJwt(sim.info.appId, sim.info.appPrivateKeyPem)}`, accept: 'application/vnd.github+json' },
  });
  const body = (await response.json()) as { token: string; expires_at: string };
  expect(response.status).toBe(201);
  return { token: body.token, expiresAt: body.expires_at };
}

async function api<T>(route: string): Promise<T> {
  const response = await fetch(`${sim.url}${route}`, { headers: { authorization: `token ${ownerToken}`, accept: 'application/vnd.github+json' } });
  return (await response.json()) as T;
}

const branchSha = async (branch: string) => (await api<{ object?: { sha: string } }>(`/repos/${OWNER}/${REPO}/git/ref/heads/${branch}`)).object?.sha;
const pane = async (s: SpawnResult) => (await orch.runtime(s.host).capture(s.tmuxName, 200)).join('\n');
const headOf = async (s: SpawnResult) => (await run('git', ['-C', s.worktree, 'rev-parse', 'HEAD'])).stdout.trim();

let steps = 0;

/**
 * Send the agent directives and wait until it has run them: the pane shows
 * "done." after the agent said it received this message (its first line, a
 * step number, is not a directive). Returns what the agent printed for it.
 */
async function agentDoes(s: SpawnResult, directives: string): Promise<string> {
  const marker = `step-${++steps}`;
  await sendMessage(orch, s.id, `${marker}\n${directives}`);
  return waitFor(async () => {
    const text = await pane(s);
    const at = text.lastIndexOf(`received: ${marker} `);
    const after = at < 0 ? '' : text.slice(at);
    return after.includes('done.') ? after : undefined;
  }, 20_000, `the agent of ${s.id} to finish ${marker}`);
}

beforeAll(async () => {
  // `ps -eo args` of the whole machine, sampled the whole time: no token may ever be an argument.
  // Each sample is checked against the tokens minted so far (a token can only show up after it was
  // minted) and dropped: other test files' processes can make one sample many megabytes.
  sampler = (async () => {
    while (sampling) {
      const out = await run('ps', ['-eo', 'args'], { maxBuffer: 256 * 1024 * 1024 }).then(
        (r) => r.stdout,
        (error: { stdout?: string }) => error.stdout ?? '',
      );
      ps.samples++;
      ps.sawHostScripts ||= out.includes('ao-sh');
      for (const t of minted) if (out.includes(t)) ps.hits.push(t);
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  sim = await startSimulatorProcess();
  ownerToken = (await sim.sim.addUser(OWNER, { permission: 'admin' })).token;
  const repo = await sim.sim.createRepo({ owner: OWNER, name: REPO, private: true, files: { 'README.md': '# private\n' } });
  expect(repo.installationId).toBeDefined();
  installationId = repo.installationId!;
  rig = await startRig({
    ssh: true,
    url: repo.cloneUrl,
    project: { repo: `${OWNER}/${REPO}` },
    // No AO_FAKE_GITHUB_TOKEN: the agent finds its token as a real one does.
    agent: { env: { AO_FAKE_GITHUB_API: sim.url, AO_FAKE_GITHUB_REPO: `${OWNER}/${REPO}` } },
  });
  credentials = new InstallationTokenCredentials({
    tokenFor: async (ref, { fresh }) => {
      asked.push({ repo: `${ref.owner}/${ref.repo}`, fresh });
      const t = await mintInstallationToken();
      minted.push(t.token);
      // The simulator's clock moves with the test's.
      return { token: t.token, expiresAt: new Date(Date.parse(t.expiresAt) + skewMs).toISOString() };
    },
    now: () => Date.now() + skewMs,
  });
  // Every command ao runs on a host, as it hands it over (ps only catches what runs while it looks).
  for (const name of rig.pool.names()) {
    const host = rig.pool.host(name);
    const exec = host.exec.bind(host);
    host.exec = (argv, options) => {
      hostArgv.push(argv.join('\0'));
      return exec(argv, options);
    };
  }
  const log = createLogger('debug', 'json', { write: (line) => void logLines.push(line) });
  orch = new Orchestrator(rig.config, rig.pool, { actor: 'test', log, credentials });
}, 90_000);

afterAll(async () => {
  sampling = false;
  await sampler;
  await rig?.stop();
  await sim?.stop();
});

describe('credentials for agents (installation tokens)', () => {
  it('a private repo: the host cannot fetch it with its own credentials, and the mirror is cloned with the token', async () => {
    const without = await spawnSession(rig.orch, { project: 'demo', prompt: 'no credentials', host: 'ssh1' }).catch((e: Error) => e);
    expect(without).toBeInstanceOf(Error);
    expect((without as Error).message).toMatch(/failed at step "worktree".*cloning .* failed/s);

    first = await spawnSession(orch, { project: 'demo', prompt: 'work on the private repo', host: 'ssh1' });
    expect(first.mirror).toBe('cloned');
    second = await spawnSession(orch, { project: 'demo', prompt: 'a second session', host: 'local' });
    expect(asked).toEqual([{ repo: `${OWNER}/${REPO}`, fresh: false }]);
    // One token for the repo, on both hosts, outside the worktrees.
    for (const s of [first, second]) {
      const tokenFile = (await orch.paths(s.host)).tokenFile(`${OWNER}/${REPO}`);
      expect(readFileSync(tokenFile, 'utf8')).toBe(minted[0]);
      expect(tokenFile.startsWith(path.dirname(path.dirname(s.worktree)))).toBe(false);
    }
  });

  it('the agent pushes its branch through the credential helper and opens a PR with the token git gives it', async () => {
    const text = await agentDoes(first, 'fake:write feature.txt one\nfake:commit first change\nfake:push\nfake:pr First change');
    expect(text).toContain(`pushed ${first.branch}`);
    expect(text).toMatch(/opened PR #\d+/);
    expect(await branchSha(first.branch)).toBe(await headOf(first));
    const pulls = await api<{ head: { ref: string }; user: { login: string } }[]>(`/repos/${OWNER}/${REPO}/pulls`);
    const pr = pulls.find((p) => p.head.ref === first.branch);
    // Opened as the app: the token came from the helper, not from a person's credentials.
    expect(pr?.user.login).toBe(`${sim.info.appSlug}[bot]`);
  });

  it("refuses a push to main or to another session's branch, and its own branch still pushes", async () => {
    const mainBefore = await branchSha('main');
    const text = await agentDoes(first, `fake:push HEAD:main\nfake:push HEAD:refs/heads/${second.branch}`);
    expect(text).toContain(`fake: push failed: ao: session ${first.id} pushes only its own branch ${first.branch}; refusing to push to refs/heads/main`);
    expect(text).toContain(`refusing to push to refs/heads/${second.branch}`);
    expect(await branchSha('main')).toBe(mainBefore);
    expect(await branchSha(second.branch)).toBeUndefined();
    const own = await agentDoes(first, 'fake:write feature.txt two\nfake:commit second change\nfake:push');
    expect(own).toContain(`pushed ${first.branch}`);
    expect(await branchSha(first.branch)).toBe(await headOf(first));
  });

  it('after the tokens expire a push fails, and after a refresh the next one works', async () => {
    await sim.sim.expireInstallationTokens();
    const pushed = await branchSha(first.branch);
    const failed = await agentDoes(first, 'fake:write feature.txt three\nfake:commit third change\nfake:push');
    expect(failed, failed).toMatch(/fake: push failed: .*(Authentication failed|Invalid username or token)/i);
    expect(await branchSha(first.branch)).toBe(pushed);

    // Nothing to do while the token on the hosts has most of its hour left.
    expect(await credentials.refresh(orch)).toMatchObject({ written: [], failed: [], fresh: 2 });
    // 50 minutes on: both hosts with sessions of the repo get a new token.
    skewMs = 50 * 60_000;
    const refreshed = await credentials.refresh(orch);
    expect(refreshed.failed).toEqual([]);
    expect(refreshed.written.map((w) => w.host).sort()).toEqual(['local', 'ssh1']);
    expect(minted).toHaveLength(2);
    expect(minted[1]).not.toBe(minted[0]);
    expect(readFileSync((await orch.paths('ssh1')).tokenFile(`${OWNER}/${REPO}`), 'utf8')).toBe(minted[1]);

    // The same commit, pushed again: the old token failed, the refreshed file's works.
    const text = await agentDoes(first, 'fake:push\nfake:pr Second try');
    expect(text).toContain(`pushed ${first.branch}`);
    expect(await branchSha(first.branch)).toBe(await headOf(first));
    expect(await branchSha(first.branch)).not.toBe(pushed);
  });

  it("kill saves unpushed work to origin with the token; restore brings the session back with its credentials", async () => {
    await agentDoes(first, 'fake:write feature.txt four\nfake:commit not pushed');
    const killed = await killSession(orch, first.id);
    expect(killed.backupRef).toMatch(new RegExp(`^refs/ao/backup/.+/${first.id}$`));
    const restored = await restoreSession(orch, first.id);
    expect(restored.worktree).toBe('recreated');
    expect(restored.saved).toBe('applied');
    const text = await agentDoes(first, 'fake:push');
    expect(text).toContain(`pushed ${first.branch}`);
    expect(await branchSha(first.branch)).toBe(await headOf(first));
  });

  it('no token in ps, records, the event log, worktrees, logs or panes: only in the token file', async () => {
    // The logs hold what was logged about tokens, redacted, even when a caller passes one.
    const token = minted.at(-1)!;
    orch.log.info({ token, auth: { token }, credential: { password: token }, env: { GH_TOKEN: token } }, `tried ${token}`);
    orch.log.error({ err: new Error(`push failed for https://x-access-token:${token}@example.com`) }, 'push failed');
    sampling = false;
    await sampler;
    const logs = logLines.join('');
    expect(logs).toContain("wrote the agents' installation token");
    expect(logs).toContain('[redacted]');
    expect(ps.samples).toBeGreaterThan(50);
    expect(hostArgv.some((a) => a.includes('install-token') || a.includes('git-credential-ao'))).toBe(true);
    // The sampler saw the host scripts that carried the data (the token went on their stdin).
    expect(ps.sawHostScripts).toBe(true);
    expect(ps.hits, 'a token in ps').toEqual([]);
    const panes = (await pane(first)) + (await pane(second));

    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    for (const dir of ['local-data', 'ssh-data']) walk(path.join(rig.dir, dir));
    expect(files.some((f) => f.endsWith('/events.jsonl'))).toBe(true);
    expect(files.some((f) => f.endsWith(`/sessions/${first.id}`))).toBe(true);

    expect(minted).toHaveLength(2);
    for (const t of minted) {
      expect(hostArgv.some((a) => a.includes(t)), 'a token in the arguments of a host command').toBe(false);
      expect(logs.includes(t), 'a token in the logs').toBe(false);
      expect(panes.includes(t), 'a token in a pane').toBe(false);
      const holding = files.filter((f) => readFileSync(f).includes(t)).map((f) => path.relative(rig.dir, f));
      // Only the newest token is anywhere, and only in its file on each host.
      expect(holding.sort()).toEqual(t === token ? ['local-data/test/credentials/repos/acme/private-app.token', 'ssh-data/test/credentials/repos/acme/private-app.token'] : []);
    }
  });
});
