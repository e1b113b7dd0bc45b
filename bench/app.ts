/**
 * The GitHub App (issue 12), as deployed: `npm start` with Probot's
 * environment pointed at the GitHub simulator (in this process, sending
 * signed webhooks over loopback HTTP), the local runner host, real tmux and
 * git, the fake agent.
 *
 * - webhook-to-agent latency: a failing check's webhook queued by the
 *   simulator -> the CI message read by the agent in its pane (its log's
 *   timestamp), 20 times;
 * - webhook throughput, signature verified, while 50 sessions are live,
 *   against a bare express endpoint that only checks the HMAC;
 * - the app's resident memory with 1,000 sessions on record.
 */
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { LocalHost } from '../src/hosts/local.js';
import { SessionStore } from '../src/hosts/store.js';
import { startGitHubSimulator } from '../src/sandbox/github-sim/index.js';
import { signWebhookBody } from '../src/sandbox/github-sim/webhooks.js';
import { listSessions } from '../src/sessions/list.js';
import { sendMessage } from '../src/sessions/send.js';
import { spawnSession } from '../src/sessions/spawn.js';
import { readFakeAgentLog } from '../test/support/fake-agent.js';
import { freePort, startAppProcess, type AppProcess } from '../test/support/app-process.js';
import { startRig, waitFor } from '../test/support/rig.js';
import { fmt, median, printRows, ratio, type BenchRow } from './support.js';

const execFileAsync = promisify(execFile);
const SECRET = 'bench-secret';
const OWNER = 'acme';
const REPO = 'bench-app';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The app's node process (npm -> sh -> tsx -> node): the biggest of its process group. */
function appRssMb(groupLeader: number): number {
  let best = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp !== groupLeader) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      best = Math.max(best, Number(rss ?? 0) / 1024);
    } catch {
      // gone meanwhile
    }
  }
  return best;
}

/** POST `count` signed webhooks with `concurrency` in flight over kept-alive connections; requests per second. */
async function flood(url: string, count: number, concurrency: number, body: string, event: string): Promise<{ perSec: number; failures: number }> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const signature = signWebhookBody(SECRET, body).sha256;
  let next = 0;
  let failures = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': `bench-${Date.now()}-${i}`, 'x-hub-signature-256': signature, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          if ((res.statusCode ?? 500) >= 300) failures++;
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', () => (failures++, resolve()));
      req.end(body);
    });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await one(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { perSec: count / seconds, failures };
}

/** The floor: express and an HMAC check, nothing else, in its own process. */
async function bareEndpoint(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const code = `
    const express = require('express');
    const { createHmac, timingSafeEqual } = require('node:crypto');
    const app = express();
    app.post('/hook', express.raw({ type: '*/*', limit: '25mb' }), (req, res) => {
      const given = Buffer.from(String(req.headers['x-hub-signature-256'] || ''));
      const want = Buffer.from('sha256=' + createHmac('sha256', ${JSON.stringify(SECRET)}).update(req.body).digest('hex'));
      if (given.length !== want.length || !timingSafeEqual(given, want)) return res.status(400).end();
      JSON.parse(req.body.toString('utf8'));
      res.status(200).end('ok');
    });
    app.listen(${port}, '127.0.0.1', () => console.log('ready'));
  `;
  const child = spawn(process.execPath, ['-e', code], { cwd: path.join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return { url: `http://127.0.0.1:${port}/hook`, stop: () => child.kill() };
}

export async function benchApp(): Promise<void> {
  const sim = await startGitHubSimulator({ webhookSecret: SECRET });
  const rows: BenchRow[] = [];
  let app: AppProcess | undefined;
  let big: AppProcess | undefined;
  const ownerToken = sim.addUser(OWNER, { permission: 'admin' }).token;
  const repo = await sim.createRepo({ owner: OWNER, name: REPO, files: { 'README.md': '# bench\n' } });
  const rig = await startRig({
    url: repo.gitDir,
    agent: { env: { AO_FAKE_GITHUB_API: sim.url, AO_FAKE_GITHUB_TOKEN: ownerToken, AO_FAKE_GITHUB_REPO: `${OWNER}/${REPO}` } },
    project: { reactions: { 'ci-failed': { retries: 1000 } } },
  });
  try {
    // The rig's project is acme/demo-app; this bench's repo is acme/bench-app.
    const raw = rig.configRaw as { projects: Record<string, unknown>[] };
    const projects = [{ ...raw.projects[0], repo: `${OWNER}/${REPO}`, url: repo.gitDir }];
    const agentLog = rig.agentLog;
    const configRaw = { ...rig.configRaw, projects, app: { reconcileIntervalSec: 3600 } };
    const configPath = path.join(rig.dir, 'bench-app.yaml');
    writeFileSync(configPath, stringify(configRaw));
    const { parseConfig } = await import('../src/core/config.js');
    const { HostPool } = await import('../src/hosts/pool.js');
    const { Orchestrator } = await import('../src/sessions/orchestrator.js');
    const config = parseConfig(configRaw);
    const orch = new Orchestrator(config, new HostPool(config), { actor: 'bench' });

    // One live session with a PR, made directly; the app learns of it from its first webhook.
    const session = await spawnSession(orch, { project: 'demo', prompt: 'wait for CI news' });
    await sendMessage(orch, session.id, `fake:write bench.txt hi\nfake:commit bench\nfake:push\nfake:pr Bench`, {});
    const pr = await waitFor(async () => {
      const pulls = (await (await fetch(`${sim.url}/repos/${OWNER}/${REPO}/pulls`, { headers: { authorization: `token ${ownerToken}` } })).json()) as { number: number; head: { ref: string; sha: string } }[];
      return pulls.find((p) => p.head.ref === session.branch);
    }, 30_000, 'the PR');
    void pr;

    app = await startAppProcess({ simUrl: sim.url, appId: sim.app.id, privateKeyPem: sim.app.privateKeyPem, secret: SECRET, configPath, env: { LOG_LEVEL: (process.env.AO_BENCH_APP_LOG_LEVEL ?? 'info') as 'info' } });
    sim.setWebhook({ url: app.webhookUrl, secret: SECRET });

    // --- webhook -> agent latency ---
    const head = await sim.headSha(OWNER, REPO, session.branch);
    const latencies: number[] = [];
    for (let i = 0; i < 23; i++) {
      // The agent settles between messages (not timed).
      await new Promise((r) => setTimeout(r, 1500));
      const name = `check-${i}`;
      const mark = sim.deliveries.list().length;
      await sim.setCheckRun(OWNER, REPO, { ref: head, name, status: 'completed', conclusion: 'failure', output: { title: `${name} failed`, summary: 'x' } });
      const delivery = sim.deliveries.list().slice(mark).find((d) => d.event === 'check_run');
      const entry = await waitFor(() => readFakeAgentLog(agentLog).find((e) => 'text' in e && e.text.includes(`- ${name}: failure`)), 30_000, `the message about ${name}`);
      if (i < 3) continue; // warm-up
      latencies.push(Date.parse(entry.at) - Date.parse(delivery!.queuedAt));
    }
    if (process.env.AO_BENCH_APP_LOG) writeFileSync(process.env.AO_BENCH_APP_LOG, app.output());
    rows.push(
      { name: 'webhook -> message in the agent\'s pane: median of 20', value: `**${fmt(median(latencies))}**`, note: 'a failing check_run webhook queued by the simulator -> the agent reads the CI message (target < 250 ms)' },
      { name: 'webhook -> message in the agent\'s pane: p95 of 20', value: fmt(percentile(latencies, 95)), note: `min ${fmt(Math.min(...latencies))}, max ${fmt(Math.max(...latencies))}` },
    );

    // AO_BENCH_APP_PHASES=latency runs only the first part (when working on it).
    const phases = (process.env.AO_BENCH_APP_PHASES ?? 'latency,throughput,memory').split(',');
    if (!phases.includes('throughput')) {
      printRows('The GitHub App (issue 12)', rows);
      return;
    }
    // --- throughput with 50 live sessions ---
    const store = new SessionStore(new LocalHost(), { dataDir: (config.hosts[0] as { dataDir: string }).dataDir, instance: config.instance });
    const tmuxLines: string[] = [];
    for (let i = 0; i < 50; i++) {
      const id = `demo-${100 + i}`;
      await store.createRecord({ id, project: 'demo', repo: `${OWNER}/${REPO}`, branch: `ao/${id}`, agent: 'generic', status: 'working', createdAt: new Date().toISOString(), extra: {} });
      tmuxLines.push(`new-session -d -s ${orch.tmuxName(id)} -c /tmp -x 120 -y 30 "printf 'agent ${id} ready\\\\n> '; exec sleep 3600"`);
    }
    const tmuxFile = path.join(rig.dir, 'bench-tmux.conf');
    writeFileSync(tmuxFile, tmuxLines.join('\n') + '\n');
    await execFileAsync('tmux', ['-L', rig.socket, 'source-file', tmuxFile]);
    const live = (await listSessions(orch)).sessions.length;
    const body = JSON.stringify({ action: 'created', issue: { number: 1, title: 'x' }, comment: { id: 1, body: 'thanks, looks good', user: { login: 'someone', type: 'User' } }, repository: { full_name: `${OWNER}/${REPO}`, clone_url: repo.cloneUrl }, sender: { login: 'someone' }, installation: { id: repo.installationId } });
    await flood(app.webhookUrl, 200, 16, body, 'issue_comment'); // warm-up
    const ours = await flood(app.webhookUrl, 2000, 16, body, 'issue_comment');
    const bare = await bareEndpoint();
    await flood(bare.url, 200, 16, body, 'issue_comment');
    const floor = await flood(bare.url, 2000, 16, body, 'issue_comment');
    bare.stop();
    rows.push(
      { name: `webhooks acknowledged per second, signature verified, ${live} sessions live`, value: `${ours.perSec.toFixed(0)}/s`, note: `2,000 issue_comment deliveries, 16 in flight, ${ours.failures} failed` },
      { name: 'the same against bare express + HMAC', value: `${floor.perSec.toFixed(0)}/s`, note: `${floor.failures} failed` },
      { name: 'the app vs the bare endpoint', value: `**${((ours.perSec / floor.perSec) * 100).toFixed(0)} %**`, note: `target >= 50 % (${ratio(floor.perSec, ours.perSec)} slower)` },
    );
    await app.stop();
    app = undefined;

    // --- memory with 1,000 sessions on record (each with its pane: this measures holding them, not cleaning them up) ---
    const many: string[] = [];
    for (let i = 0; i < 1000; i++) many.push(`new-session -d -s ${orch.tmuxName(`demo-${1000 + i}`)} -c /tmp -x 120 -y 30 "printf 'agent ready\\\\n> '; exec sleep 3600"`);
    writeFileSync(tmuxFile, many.join('\n') + '\n');
    await execFileAsync('tmux', ['-L', rig.socket, 'source-file', tmuxFile]);
    for (let start = 0; start < 1000; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const id = `demo-${1000 + start + i}`;
          return store.createRecord({ id, project: 'demo', repo: `${OWNER}/${REPO}`, branch: `ao/${id}`, agent: 'generic', status: 'working', createdAt: new Date().toISOString(), extra: {} });
        }),
      );
    }
    big = await startAppProcess({ simUrl: sim.url, appId: sim.app.id, privateKeyPem: sim.app.privateKeyPem, secret: SECRET, configPath, env: { LOG_LEVEL: 'warn' } });
    const seen = await waitFor(async () => {
      const res = await fetch(`${big!.url}/sessions`);
      const text = await res.text();
      if (!res.ok) throw new Error(`/sessions: ${res.status} ${text.slice(0, 200)}`);
      const list = JSON.parse(text) as { sessions: unknown[] };
      return list.sessions.length >= 1000 ? list.sessions.length : undefined;
    }, 120_000, 'the first cycle over 1,000 sessions').catch((error: unknown) => {
      throw new Error(`${String(error)}\n${big!.output().slice(-3000)}`);
    });
    await new Promise((r) => setTimeout(r, 1000));
    const rss = appRssMb(big.pid);
    rows.push({ name: `app resident memory, ${seen} sessions on record, after a full cycle`, value: `**${rss.toFixed(0)} MB**`, note: 'VmRSS of the app\'s node process (tsx loaded, as `npm start` runs it)' });
    printRows('The GitHub App (issue 12)', rows);
  } finally {
    await app?.stop();
    await big?.stop();
    await rig.stop();
    await sim.close();
  }
}
