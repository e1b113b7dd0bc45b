/**
 * A lifecycle cycle at scale (issue 11): 200 sessions with PRs, 50 on each
 * of 4 SSH hosts (4 loopback sshd processes), in 2 repos of the GitHub
 * simulator. Counts the SSH round trips (host commands) per host and the
 * GitHub requests of `reconcileOnce`, and times it: the first cycle (which
 * records every session's new status) and cycles where nothing changed.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { parseConfig } from '../src/core/config.js';
import { createGitHubPort } from '../src/github/octokit-port.js';
import { HostPool } from '../src/hosts/pool.js';
import { LocalHost } from '../src/hosts/local.js';
import type { Host } from '../src/hosts/host.js';
import { SessionStore } from '../src/hosts/store.js';
import { reconcileOnce } from '../src/lifecycle/reconcile.js';
import { startGitHubSimulator } from '../src/sandbox/github-sim/index.js';
import { Orchestrator } from '../src/sessions/orchestrator.js';
import { makeTempDir } from '../test/support/tmp.js';
import { startSshd, type TestSshd } from '../test/support/sshd.js';
import { fmt, median, printRows, timeIt, type BenchRow } from './support.js';

const execFileAsync = promisify(execFile);
const HOSTS = 4;
const PER_HOST = 50;
const REPOS = ['web', 'api'] as const;

/** Count every command a host runs (one SSH round trip each for an SSH host). */
function countCommands(pool: HostPool, names: string[]): Map<string, number> {
  const counts = new Map(names.map((n) => [n, 0]));
  for (const name of names) {
    const host: Host = pool.host(name);
    const exec = host.exec.bind(host);
    host.exec = (argv, options) => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return exec(argv, options);
    };
  }
  return counts;
}

export async function benchLifecycle(): Promise<void> {
  const temp = makeTempDir('ao-bench-lifecycle');
  const sshds: TestSshd[] = [];
  const socket = `ao-bench-lifecycle-${process.pid}`;
  const sim = await startGitHubSimulator();
  try {
    const token = (await sim.addUser('acme', { permission: 'admin' })).token;
    for (const name of REPOS) await sim.createRepo({ owner: 'acme', name, files: { 'README.md': `# ${name}\n` } });
    for (let i = 0; i < HOSTS; i++) sshds.push(await startSshd());
    const hosts = sshds.map((sshd, i) => sshd.hostConfig({ name: `ssh${i + 1}`, dataDir: path.join(temp.dir, `host${i + 1}`) } as never));
    const raw = {
      instance: 'lifecycle',
      dataDir: path.join(temp.dir, 'local'),
      tmuxSocket: socket,
      hosts,
      projects: REPOS.map((name) => ({ repo: `acme/${name}`, name, prefix: name, url: '/nonexistent', agentCommand: 'true' })),
    };
    const config = parseConfig(raw);
    const pool = new HostPool(config);
    const log = pino({ level: 'silent' });
    const orch = new Orchestrator(config, pool, { actor: 'bench', github: async () => (await createGitHubPort({ apiUrl: sim.url, token, gh: false, env: {}, throttle: false, log })).port });

    // Seed: records on each host, one tmux session per record, a pushed branch and an open PR for each, CI green or running.
    const tmuxLines: string[] = [];
    let n = 0;
    for (let h = 0; h < HOSTS; h++) {
      const store = new SessionStore(new LocalHost(), { dataDir: hosts[h]!.dataDir!, instance: 'lifecycle' });
      for (let i = 0; i < PER_HOST; i++) {
        n++;
        const repo = REPOS[n % REPOS.length]!;
        const id = `${repo}-${n}`;
        const branch = `ao/${id}`;
        await store.createRecord({ id, project: repo, repo: `acme/${repo}`, branch, agent: 'generic', status: 'working', createdAt: new Date().toISOString(), extra: {} });
        tmuxLines.push(`new-session -d -s ${orch.hash12}-${id} -c /tmp -x 120 -y 30 "printf 'agent ${id} ready\\\\n> '; exec sleep 3600"`);
        const head = await sim.pushCommit('acme', repo, { branch, files: { [`src/${id}.ts`]: `export const n = ${n};\n` } });
        await sim.openPullRequest('acme', repo, { head: branch, title: `Task ${n}`, as: sim.app.botLogin });
        await sim.setCheckRun('acme', repo, { ref: head, name: 'build', ...(n % 2 ? { conclusion: 'success' as const } : { status: 'in_progress' as const }) });
      }
    }
    const commands = path.join(temp.dir, 'tmux.conf');
    writeFileSync(commands, tmuxLines.join('\n') + '\n');
    await execFileAsync('tmux', ['-L', socket, 'start-server', ';', 'source-file', commands]);

    const names = hosts.map((h) => h.name);
    const counts = countCommands(pool, names);
    const measure = async () => {
      for (const name of names) counts.set(name, 0);
      const mark = sim.routeRecorder.mark();
      const { ms, value } = await timeIt(() => reconcileOnce(orch));
      const requests = sim.routeRecorder.since(mark).length;
      const perHost = names.map((name) => counts.get(name) ?? 0);
      return { ms, requests, perHost, result: value };
    };
    const first = await measure();
    if (first.result.sessions.length !== HOSTS * PER_HOST) throw new Error(`the cycle saw ${first.result.sessions.length} sessions`);
    const steady: Awaited<ReturnType<typeof measure>>[] = [];
    for (let i = 0; i < 5; i++) steady.push(await measure());
    const last = steady[steady.length - 1]!;
    const statuses = new Map<string, number>();
    for (const s of last.result.sessions) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
    await pool.close();

    const total = HOSTS * PER_HOST;
    const rows: BenchRow[] = [
      { name: `first cycle, ${total} sessions on ${HOSTS} SSH hosts: host round trips per host`, value: first.perHost.join(' / '), note: `1 probe, then the ${PER_HOST} new statuses of each host recorded in one batch (lock and read, write and unlock): ${first.result.actions.length} transitions in all; before batching, 101 per host and 34 s` },
      { name: 'first cycle: GitHub requests', value: String(first.requests), note: `${REPOS.length} repos: one GraphQL request each` },
      { name: 'first cycle: wall time', value: fmt(first.ms) },
      { name: 'nothing changed: host round trips per host (each of 5 cycles)', value: `**${[...new Set(steady.map((s) => s.perHost.join(' / ')))].join(', ')}**`, note: `target: one per host; ${last.result.actions.length} actions` },
      { name: 'nothing changed: GitHub requests per cycle', value: `**${[...new Set(steady.map((s) => s.requests))].join(', ')}**`, note: 'one per repo, 0 extra' },
      { name: 'nothing changed: cycle wall time (median of 5)', value: fmt(median(steady.map((s) => s.ms))), note: `hosts probed in parallel; statuses: ${[...statuses].map(([s, c]) => `${c} ${s}`).join(', ')}` },
    ];
    printRows('A lifecycle cycle at scale (issue 11)', rows);
  } finally {
    await execFileAsync('tmux', ['-L', socket, 'kill-server']).catch(() => undefined);
    for (const s of sshds) await s.stop();
    await sim.close();
    temp.cleanup();
  }
}
