import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { parseConfig } from '../src/core/config.js';
import { LocalHost } from '../src/hosts/local.js';
import { HostPool } from '../src/hosts/pool.js';
import { SessionStore } from '../src/hosts/store.js';
import { Orchestrator } from '../src/sessions/orchestrator.js';
import { sendMessage } from '../src/sessions/send.js';
import { spawnSession } from '../src/sessions/spawn.js';
import { fakeAgentCommand } from '../test/support/fake-agent.js';
import { makeOrigin } from '../test/support/git.js';
import { startSshd, type TestSshd } from '../test/support/sshd.js';
import { makeTempDir } from '../test/support/tmp.js';
import { fmt, forkCount, median, printRows, timeIt, type BenchRow } from './support.js';

/**
 * Issue 10: the cost of a refresh stays constant in processes up to 1,000
 * sessions on a host, and a CLI command costs little more than node's own
 * start-up. Runs the bundle (npm run build), as an installed ao would.
 */

const execFileAsync = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '..');
const AO = path.join(ROOT, 'bin/ao.js');
// The seed CLI at 50 sessions: ls forks 201 processes in 0.68 s (4 per session), status 252.
const SEED_LS_PROCESSES_PER_SESSION = 4;
const SEED_LS_MS_PER_SESSION = 680 / 50;

/**
 * Processes one command starts, exactly: strace -f counts its successful
 * execve calls (the machine's process counter would also count whatever else
 * runs meanwhile). Undefined where strace is not installed.
 */
async function processesOf(args: string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const trace = path.join(os.tmpdir(), `ao-bench-strace-${process.pid}.txt`);
  try {
    await execFileAsync('strace', ['-f', '-e', 'trace=execve', '-o', trace, process.execPath, ...args], { env, maxBuffer: 256 * 1024 * 1024 });
  } catch {
    return undefined;
  }
  const lines = readFileSync(trace, 'utf8').split('\n');
  rmSync(trace, { force: true });
  return lines.filter((l) => /execve\(.*= 0$/.test(l)).length;
}

async function runs<T>(count: number, fn: () => Promise<T>): Promise<{ ms: number[]; forks: number[] }> {
  const ms: number[] = [];
  const forks: number[] = [];
  for (let i = 0; i < count; i++) {
    const before = forkCount();
    const run = await timeIt(fn);
    forks.push(forkCount() - before);
    ms.push(run.ms);
  }
  return { ms, forks };
}

/** Sessions on record and in tmux, made directly (not through spawn: this measures reading them). */
async function seed(dataDir: string, instance: string, socket: string, hash12: string, count: number): Promise<void> {
  const store = new SessionStore(new LocalHost(), { dataDir, instance });
  for (let start = 0; start < count; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - start) }, (_, i) => {
        const id = `sc-${start + i + 1}`;
        return store.createRecord({ id, project: 'scale', repo: 'acme/scale', branch: `ao/${id}`, agent: 'generic', status: 'working', createdAt: new Date().toISOString(), extra: {} });
      }),
    );
  }
  // One tmux client for all of them: a command file of new-session lines.
  const commands = path.join(dataDir, `tmux-${count}.conf`);
  writeFileSync(
    commands,
    Array.from({ length: count }, (_, i) => `new-session -d -s ${hash12}-sc-${i + 1} -c /tmp -x 120 -y 30 "printf 'agent sc-${i + 1} ready\\\\n> '; exec sleep 3600"`).join('\n') + '\n',
  );
  await execFileAsync('tmux', ['-L', socket, 'start-server', ';', 'source-file', commands]);
}

export async function benchScale(): Promise<void> {
  await execFileAsync(process.execPath, [path.join(ROOT, 'build.mjs')], { cwd: ROOT });
  const temp = makeTempDir('ao-bench-scale');
  const sshds: TestSshd[] = [];
  const sockets: string[] = [];
  const rows: BenchRow[] = [];
  // The bundle, as an installed ao runs (bin/ao.js falls back to the sources only when asked).
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.AO_FROM_SOURCE;
  try {
    // --- start-up against node's floor ---
    const floor = await runs(15, () => execFileAsync(process.execPath, ['-e', '0']));
    const version = await runs(15, () => execFileAsync(process.execPath, [AO, '--version'], { env }));
    const nodeMs = median(floor.ms);
    rows.push(
      { name: '`node -e 0` (median of 15)', value: fmt(nodeMs), note: "node's own start-up: the floor" },
      { name: '`ao --version` (median of 15)', value: fmt(median(version.ms)), note: `${(median(version.ms) / nodeMs).toFixed(2)}x node (target <= 1.5x)` },
    );

    const sshd = await startSshd();
    sshds.push(sshd);
    const sshRows: BenchRow[] = [];
    for (const count of [10, 50, 100, 1000]) {
      const instance = `scale${count}`;
      const dataDir = path.join(temp.dir, 'data');
      const socket = `ao-bench-scale-${process.pid}-${count}`;
      sockets.push(socket);
      const project = { repo: 'acme/scale', name: 'scale', prefix: 'sc', url: '/nonexistent', agentCommand: 'true' };
      const raw = { instance, dataDir, tmuxSocket: socket, projects: [project] };
      const config = parseConfig(raw);
      const pool = new HostPool(config);
      const orch = new Orchestrator(config, pool, { actor: 'bench' });
      await seed(dataDir, instance, socket, orch.hash12, count);
      const configPath = path.join(temp.dir, `${instance}.yaml`);
      writeFileSync(configPath, stringify(raw));
      const ao = async (...args: string[]) => {
        const { stdout } = await execFileAsync(process.execPath, [AO, ...args], { env: { ...env, AO_CONFIG: configPath }, maxBuffer: 256 * 1024 * 1024 });
        return stdout;
      };
      const listed = (await ao('session', 'ls')).split('\n').filter((l) => l.startsWith('sc-')).length;
      if (listed !== count) throw new Error(`ls listed ${listed} of ${count} sessions`);
      const ls = await runs(count >= 1000 ? 3 : 5, () => ao('session', 'ls'));
      const status = await runs(count >= 1000 ? 3 : 5, () => ao('status'));
      const probe = await runs(count >= 1000 ? 3 : 5, () => orch.snapshot('local'));
      await pool.close();
      const seedForks = SEED_LS_PROCESSES_PER_SESSION * count + 1;
      const aoEnv = { ...env, AO_CONFIG: configPath };
      const lsExact = await processesOf([AO, 'session', 'ls'], aoEnv);
      const statusExact = await processesOf([AO, 'status'], aoEnv);
      rows.push(
        { name: `\`ao session ls\`, ${count} sessions, local host: processes started`, value: String(lsExact ?? Math.min(...ls.forks)), note: `${lsExact === undefined ? 'machine-wide count, min of runs' : 'exact (strace -f: execve)'}; seed: ~${seedForks}` },
        { name: `\`ao status\`, ${count} sessions, local host: processes started`, value: String(statusExact ?? Math.min(...status.forks)), note: statusExact === undefined ? 'machine-wide count, min of runs' : 'exact' },
        { name: `\`ao session ls\`, ${count} sessions, local host: wall time (median)`, value: fmt(median(ls.ms)), note: `${(median(ls.ms) / nodeMs).toFixed(2)}x node; seed ~${fmt(SEED_LS_MS_PER_SESSION * count)}` },
        { name: `per-host probe (one round trip), ${count} sessions, local`, value: fmt(median(probe.ms)), note: `${(median(probe.ms) / count).toFixed(2)} ms per session; seed ${SEED_LS_MS_PER_SESSION.toFixed(1)} ms per session` },
      );
      if (count === 1000 || count === 100 || count === 10) {
        // The same sessions seen through the loopback sshd (same machine, same files and tmux server).
        const sshRaw = { ...raw, hosts: [sshd.hostConfig({ name: 'ssh1', dataDir } as never)] };
        const sshConfig = parseConfig(sshRaw);
        const sshPool = new HostPool(sshConfig);
        const sshOrch = new Orchestrator(sshConfig, sshPool, { actor: 'bench' });
        const sshConfigPath = path.join(temp.dir, `${instance}-ssh.yaml`);
        writeFileSync(sshConfigPath, stringify(sshRaw));
        await sshOrch.snapshot('ssh1');
        const sshProbe = await runs(3, () => sshOrch.snapshot('ssh1'));
        const sshLs = await runs(3, () => execFileAsync(process.execPath, [AO, 'session', 'ls'], { env: { ...env, AO_CONFIG: sshConfigPath }, maxBuffer: 256 * 1024 * 1024 }));
        await sshPool.close();
        sshRows.push(
          { name: `per-host probe, ${count} sessions, SSH host (median of 3)`, value: fmt(median(sshProbe.ms)), note: `${(median(sshProbe.ms) / count).toFixed(2)} ms per session` },
          { name: `\`ao session ls\`, ${count} sessions, SSH host: wall time (median of 3)`, value: fmt(median(sshLs.ms)), note: `seed ~${fmt(SEED_LS_MS_PER_SESSION * count)} (local)` },
        );
      }
    }
    rows.push(...sshRows);

    // --- send to an idle agent ---
    {
      const origin = makeOrigin();
      const agentLog = path.join(temp.dir, 'agent.jsonl');
      const socket = `ao-bench-send-${process.pid}`;
      sockets.push(socket);
      const raw = {
        instance: 'send',
        dataDir: path.join(temp.dir, 'send-data'),
        tmuxSocket: socket,
        projects: [{ repo: 'acme/send', name: 'send', prefix: 'sd', url: origin.url, agentCommand: fakeAgentCommand({ log: agentLog }) }],
        defaults: { settleSec: 1 },
      };
      const config = parseConfig(raw);
      const pool = new HostPool(config);
      const orch = new Orchestrator(config, pool, { actor: 'bench' });
      const session = await spawnSession(orch, { project: 'send', prompt: 'wait for messages' });
      const configPath = path.join(temp.dir, 'send.yaml');
      writeFileSync(configPath, stringify(raw));
      const idle = () => new Promise((r) => setTimeout(r, 1200)); // the agent settles between sends (not timed)
      const inProcess: { ms: number[]; forks: number[] } = { ms: [], forks: [] };
      const cli: { ms: number[]; forks: number[] } = { ms: [], forks: [] };
      for (let i = 0; i < 6; i++) {
        await idle();
        const a = await runs(1, async () => {
          const sent = await sendMessage(orch, session.id, `instruction ${i} for an idle agent`);
          if (!sent.delivered || !sent.confirmed) throw new Error('send was not confirmed');
        });
        await idle();
        const b = await runs(1, () => execFileAsync(process.execPath, [AO, 'send', session.id, `cli instruction ${i}`], { env: { ...env, AO_CONFIG: configPath } }));
        if (i === 0) continue; // warm-up
        inProcess.ms.push(...a.ms);
        inProcess.forks.push(...a.forks);
        cli.ms.push(...b.ms);
        cli.forks.push(...b.forks);
      }
      const sendExact = await processesOf([AO, 'send', session.id, 'counted instruction'], { ...env, AO_CONFIG: configPath });
      await pool.close();
      origin.cleanup();
      rows.push(
        { name: '`ao send` to an idle agent, local host: processes started', value: String(sendExact ?? '-'), note: 'exact (strace -f: execve), including ao itself; seed: 13' },
        { name: 'send to an idle agent, local host, the operation (median of 5)', value: fmt(median(inProcess.ms)), note: `${Math.min(...inProcess.forks)} processes (min); target <= 0.3 s; seed 1.05 s, 13 processes` },
        { name: '`ao send` to an idle agent, local host, whole command (median of 5)', value: fmt(median(cli.ms)), note: `${Math.min(...cli.forks)} processes (min), including ao itself` },
      );
    }
    printRows('Scale and start-up (issue 10)', rows);
  } finally {
    for (const s of sockets) await execFileAsync('tmux', ['-L', s, 'kill-server']).catch(() => undefined);
    for (const s of sshds) await s.stop();
    temp.cleanup();
  }
}
