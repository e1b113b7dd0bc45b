import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { parseConfig } from '../src/core/config.js';
import { tmuxSessionName } from '../src/core/names.js';
import type { Host } from '../src/hosts/host.js';
import { HostPool } from '../src/hosts/pool.js';
import { listSessions } from '../src/sessions/list.js';
import { Orchestrator } from '../src/sessions/orchestrator.js';
import { sendMessage } from '../src/sessions/send.js';
import { spawnSession } from '../src/sessions/spawn.js';
import { fakeAgentCommand } from '../test/support/fake-agent.js';
import { git, makeOrigin } from '../test/support/git.js';
import { startSshd, type TestSshd } from '../test/support/sshd.js';
import { makeTempDir } from '../test/support/tmp.js';
import { fmt, forkCount, median, medianMs, printRows, ratio, timeIt, type BenchRow } from './support.js';


const execFileAsync = promisify(execFile);
const AO = path.join(import.meta.dirname, '../bin/ao.js');

/** Counts round trips (exec calls) per host. */
class CountingPool extends HostPool {
  calls = new Map<string, number>();
  override host(name: string): Host {
    const inner = super.host(name);
    return {
      name: inner.name,
      kind: inner.kind,
      exec: (...args) => {
        this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
        return inner.exec(...args);
      },
      close: () => inner.close(),
    };
  }
}

function projectConfig(url: string, agentLog: string) {
  return { repo: 'acme/bench-app', name: 'bench', prefix: 'bn', url, agent: 'generic', agentCommand: fakeAgentCommand({ log: agentLog }) };
}

/** An origin with some history, reached through file:// so clones pack objects like a remote would. */
function benchOrigin() {
  const origin = makeOrigin();
  const work = path.join(origin.dir, 'seed');
  // About 15 MB of objects that do not compress, so a clone has real work to do.
  for (let i = 0; i < 150; i++) {
    writeFileSync(path.join(work, `file-${i % 30}.bin`), randomBytes(100_000).toString('base64'));
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', `change ${i}`);
  }
  git(work, 'push', '-q', 'origin', 'main');
  return { ...origin, fileUrl: `file://${origin.url}` };
}

export async function benchSessions(): Promise<void> {
  const temp = makeTempDir('ao-bench-sessions');
  const origin = benchOrigin();
  const sshds: TestSshd[] = [];
  const socket = `ao-bench-${process.pid}`;
  const rows: BenchRow[] = [];
  try {
    const agentLog = path.join(temp.dir, 'agent.jsonl');

    // --- spawn: fresh clone vs warm mirror, local host ---
    {
      const config = parseConfig({ instance: 'bench', dataDir: path.join(temp.dir, 'spawn-data'), tmuxSocket: socket, projects: [projectConfig(origin.fileUrl, agentLog)] });
      const pool = new HostPool(config);
      const orch = new Orchestrator(config, pool, { actor: 'bench' });
      const cold = await timeIt(() => spawnSession(orch, { project: 'bench', prompt: 'cold spawn' }));
      if (cold.value.mirror !== 'cloned') throw new Error('the first spawn should clone');
      const warm: number[] = [];
      for (let i = 0; i < 5; i++) {
        const run = await timeIt(() => spawnSession(orch, { project: 'bench', prompt: `warm spawn ${i}` }));
        if (run.value.mirror !== 'warm') throw new Error('later spawns should reuse the mirror');
        warm.push(run.ms);
      }
      rows.push(
        { name: 'spawn, fresh clone (local host, 150-commit ~15 MB origin over file://)', value: fmt(cold.ms) },
        { name: 'spawn, warm mirror (median of 5)', value: fmt(median(warm)), note: 'seed CLI: 3.9 s (3 s fixed wait)' },
        { name: 'warm vs fresh clone', value: `${ratio(cold.ms, median(warm))} faster`, note: 'fresh / warm' },
      );

      // --- send to an idle agent ---
      const target = cold.value.id;
      await new Promise((r) => setTimeout(r, 1500));
      const sends: number[] = [];
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 1000)); // let the agent go idle again (not timed)
        const run = await timeIt(() => sendMessage(orch, target, `a short instruction for an idle agent (${i})`));
        if (!run.value.delivered || !run.value.confirmed) throw new Error('send was not confirmed');
        if (i > 0) sends.push(run.ms);
      }
      const sendMs = median(sends);
      rows.push({ name: 'send to an idle agent, local host (median of 5)', value: fmt(sendMs), note: 'seed CLI: 1.05 s (0.8 s fixed sleeps)' });
      await pool.close();
    }

    // --- status refresh: 50 sessions on 2 SSH hosts ---
    {
      sshds.push(await startSshd(), await startSshd());
      const hosts = sshds.map((s, i) => s.hostConfig({ name: `ssh${i + 1}`, dataDir: path.join(temp.dir, `ssh${i + 1}-data`) } as never));
      const config = parseConfig({ instance: 'bench', dataDir: path.join(temp.dir, 'x'), tmuxSocket: `${socket}-r`, hosts, projects: [projectConfig(origin.fileUrl, agentLog)] });
      const pool = new CountingPool(config);
      const orch = new Orchestrator(config, pool, { actor: 'bench' });
      // 25 sessions per host: real records and real tmux sessions showing an agent prompt.
      await Promise.all(
        hosts.map(async (h, hi) => {
          for (let i = 0; i < 25; i++) {
            const id = `bn-${hi * 25 + i + 1}`;
            const name = tmuxSessionName(orch.hash12, id);
            await orch.store(h.name).create('bench', id, { id, project: 'bench', repo: 'acme/bench-app', host: h.name, branch: `ao/${id}`, tmuxName: name, agent: 'generic', status: 'working', createdAt: new Date().toISOString() });
            await orch.runtime(h.name).create({ name, cwd: '/tmp', command: `printf 'agent for ${id}\\n\\342\\235\\257 '; exec sleep 3600` });
          }
        }),
      );
      pool.calls.clear();
      const list = await listSessions(orch);
      if (list.sessions.length !== 50) throw new Error(`expected 50 sessions, got ${list.sessions.length}`);
      const tripsPerHost = [...pool.calls.values()];
      const batched = await medianMs(5, () => listSessions(orch));
      pool.calls.clear();
      const perSession = await medianMs(3, async () => {
        for (const s of list.sessions) {
          await orch.store(s.host).read('bench', s.id);
          await orch.runtime(s.host).capture(s.tmuxName);
        }
      });
      const perSessionTrips = [...pool.calls.values()].reduce((a, b) => a + b, 0) / 4;
      rows.push(
        { name: 'status refresh, 50 sessions on 2 SSH hosts: round trips', value: `${tripsPerHost.join(' + ')} (one per host)`, note: `per-session probing: ${perSessionTrips} round trips` },
        { name: 'status refresh, 50 sessions on 2 SSH hosts: wall time (median of 5)', value: fmt(batched) },
        { name: 'same, probing each session (record + pane), median of 3', value: fmt(perSession) },
        { name: 'batched vs per-session refresh', value: `${ratio(perSession, batched)} faster`, note: 'per-session / batched' },
      );
      await pool.close();
    }

    // --- `ao session ls` with 50 sessions on the local host: processes and wall time ---
    {
      const dataDir = path.join(temp.dir, 'ls-data');
      const configRaw = { instance: 'bench', dataDir, tmuxSocket: `${socket}-ls`, projects: [projectConfig(origin.fileUrl, agentLog)] };
      const config = parseConfig(configRaw);
      const pool = new HostPool(config);
      const orch = new Orchestrator(config, pool, { actor: 'bench' });
      for (let i = 0; i < 50; i++) {
        const id = `bn-${i + 1}`;
        const name = tmuxSessionName(orch.hash12, id);
        await orch.store('local').create('bench', id, { id, project: 'bench', repo: 'acme/bench-app', host: 'local', branch: `ao/${id}`, tmuxName: name, agent: 'generic', status: 'working', createdAt: new Date().toISOString() });
        await orch.runtime('local').create({ name, cwd: '/tmp', command: 'exec sleep 3600' });
      }
      await pool.close();
      const configPath = path.join(temp.dir, 'ls.yaml');
      writeFileSync(configPath, stringify(configRaw));
      const built = existsSync(path.join(import.meta.dirname, '../dist/cli/main.js'));
      const runLs = async () => {
        const { stdout } = await execFileAsync(process.execPath, [AO, 'session', 'ls'], { env: { ...process.env, AO_CONFIG: configPath } });
        if (stdout.split('\n').filter((l) => l.startsWith('bn-')).length !== 50) throw new Error('ls did not list 50 sessions');
      };
      await runLs();
      const forks: number[] = [];
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const before = forkCount();
        const run = await timeIt(runLs);
        forks.push(forkCount() - before);
        times.push(run.ms);
      }
      rows.push(
        { name: `\`ao session ls\`, 50 sessions, local host: processes forked (min of 5)`, value: String(Math.min(...forks)), note: 'seed CLI: 201; counts every process created on the machine meanwhile, including the ao process itself' },
        { name: `\`ao session ls\`, 50 sessions, local host: wall time (median of 5, ${built ? 'compiled dist/' : 'from source via tsx'})`, value: fmt(median(times)), note: 'seed CLI: 0.68 s' },
      );
    }
    printRows('Sessions (issue 3)', rows);
  } finally {
    for (const s of [socket, `${socket}-r`, `${socket}-ls`]) await execFileAsync('tmux', ['-L', s, 'kill-server']).catch(() => undefined);
    for (const s of sshds) await s.stop();
    origin.cleanup();
    temp.cleanup();
  }
}
