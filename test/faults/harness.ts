import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { HostPool } from '../../src/hosts/pool.js';
import { Orchestrator } from '../../src/sessions/orchestrator.js';
import { spawnSession, type SpawnRequest, type SpawnResult } from '../../src/sessions/spawn.js';
import { messages } from '../support/agent-log.js';
import { auditRig, type AuditOptions } from '../support/audit.js';
import { writeConfig, type AoResult } from '../support/cli.js';
import { startRig, waitFor, type SessionRig } from '../support/rig.js';
import { descendantsOf, type TestSshd } from '../support/sshd.js';
import { tally } from './tally.js';

/**
 * The fault-injection harness: a rig (origin, local host, loopback sshd host,
 * tmux, the fake agent), the real `ao` executable as a child process that can
 * be stopped at a named step (AO_FAULT_DIR / AO_FAULT_AT, see
 * Orchestrator.fault) and killed there, and the ways the real parts are
 * broken: sshd killed, the tmux socket file moved away, locks left by dead
 * processes.
 */

const AO = path.join(import.meta.dirname, '../../bin/ao.js');

export interface FaultRig extends SessionRig {
  configPath: string;
  faultDir: string;
  /**
   * An orchestrator whose lock waits are 1 s and whose locks go stale only
   * after an hour: an operation that proceeds took its locks at once, and
   * not because they had aged (a send waits for its lock as long as its own
   * timeout; this makes it wait for a live holder for good).
   */
  quick(): Orchestrator;
  /** Run `ao` to completion. */
  ao(args: string[], options?: { env?: NodeJS.ProcessEnv; input?: string }): Promise<AoResult>;
  /** Start `ao` and keep a handle on the process (to stop or kill it at a named step). */
  startAo(args: string[], options?: { faultAt?: string[]; env?: NodeJS.ProcessEnv }): AoProcess;
}

export interface AoProcess {
  child: ChildProcess;
  pid: number;
  done: Promise<AoResult & { signal: NodeJS.Signals | null }>;
  /** Wait until the process stands at this fault point. */
  reached(point: string, timeoutMs?: number): Promise<void>;
  /** Let it go on from this fault point. */
  go(point: string): void;
}

export async function startFaultRig(options: Parameters<typeof startRig>[0] = {}): Promise<FaultRig> {
  // Readiness by quiet (an unknown screen still for settleSec) is the agents' slow path; 3 s keeps a fake agent that
  // starts slowly on a loaded machine from being taken for ready before it draws (see the known defect in send.test.ts).
  const rig = await startRig({ ssh: true, settleSec: 3, ...options });
  const configPath = writeConfig(rig.dir, rig.configRaw);
  const faultDir = path.join(rig.dir, 'faults');
  mkdirSync(faultDir, { recursive: true });
  const knownHosts = path.join(rig.dir, 'known_hosts');
  const pools: HostPool[] = [];
  const baseEnv = (): NodeJS.ProcessEnv => ({ ...process.env, AO_FROM_SOURCE: '1', AO_CONFIG: configPath, AO_KNOWN_HOSTS: knownHosts });
  let runs = 0;
  const stop = rig.stop.bind(rig);
  const faultRig: FaultRig = Object.assign(rig, {
    configPath,
    faultDir,
    quick() {
      // And an hour before a lock counts as abandoned: a lock it breaks was broken for its dead or unreadable holder, not its age.
      const pool = new HostPool(rig.config, { lockWaitSec: 1, staleLockSec: 3600 });
      pools.push(pool);
      return new Orchestrator(rig.config, pool, { actor: 'fault-test' });
    },
    startAo(args: string[], opts: { faultAt?: string[]; env?: NodeJS.ProcessEnv } = {}): AoProcess {
      // A directory per run, so a point reached in one run is never mistaken for another's.
      const dir = path.join(faultDir, String(++runs));
      mkdirSync(dir, { recursive: true });
      const env = { ...baseEnv(), ...opts.env, ...(opts.faultAt ? { AO_FAULT_DIR: dir, AO_FAULT_AT: opts.faultAt.join(',') } : {}) };
      // A umask that would leave files world-readable, as on a default system: the data must be private anyway.
      const child = spawn('sh', ['-c', 'umask 022; exec "$0" "$@"', process.execPath, AO, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdin!.end();
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const done = new Promise<AoResult & { signal: NodeJS.Signals | null }>((resolve) =>
        child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), signal, stdout, stderr })),
      );
      const file = (point: string, suffix: string) => path.join(dir, `${point.replace(/[^A-Za-z0-9-]/g, '_')}.${suffix}`);
      return {
        child,
        pid: child.pid!,
        done,
        async reached(point, timeoutMs = 60_000) {
          let exited = false;
          void done.then(() => (exited = true));
          await waitFor(() => existsSync(file(point, 'reached')) || (exited ? Promise.reject(new Error(`ao exited before ${point}: ${stderr}`)) : false), timeoutMs, `ao to reach ${point}`);
          expect(exited, `ao exited before reaching ${point}: ${stderr}`).toBe(false);
        },
        go(point) {
          writeFileSync(file(point, 'go'), '');
        },
      };
    },
    async ao(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<AoResult> {
      const p = faultRig.startAo(args, { env: opts.env });
      return p.done;
    },
    async stop() {
      await Promise.all(pools.map((p) => p.close()));
      await stop();
    },
  });
  return faultRig;
}

/** Kill a process and wait until it is gone. */
export async function killProcess(p: AoProcess, signal: NodeJS.Signals): Promise<AoResult & { signal: NodeJS.Signals | null }> {
  // The shell exec'd node, so the child's pid is ao's.
  process.kill(p.pid, signal);
  tally.fault(`ao ${signal}`);
  return p.done;
}

/**
 * Kill the sshd daemon and its per-connection processes, but not the
 * commands they run: what a crash, an OOM kill or `pkill sshd` does. The
 * commands lose their client (stdin ends, stdout breaks) and go on alone.
 */
export async function killSshdOnly(sshd: TestSshd): Promise<number[]> {
  const pid = Number(readFileSync(path.join(sshd.dir, 'sshd.pid'), 'utf8').trim());
  const victims = [pid, ...descendantsOf(pid)].filter((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim().startsWith('sshd');
    } catch {
      return false;
    }
  });
  for (const p of victims) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await waitFor(() => victims.every((p) => !existsSync(`/proc/${p}`) || readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z')), 10_000, 'sshd to die');
  tally.fault('sshd killed');
  return victims;
}

/** The tmux socket file of the rig (tmux -L <name> uses /tmp/tmux-<uid>/<name>). */
function tmuxSocketPath(rig: SessionRig): string {
  return path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid!()}`, rig.socket);
}

/** Move the tmux socket file away (as a /tmp cleaner does); returns the function that puts it back. */
export function moveTmuxSocket(rig: SessionRig): () => void {
  const socket = tmuxSocketPath(rig);
  const aside = `${socket}.moved-away`;
  renameSync(socket, aside);
  tally.fault('tmux socket moved away');
  return () => renameSync(aside, socket);
}

/** The processes whose cwd is inside a directory (its agent, a shell, anything left running there). */
export function processesIn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`).replace(/ \(deleted\)$/, '');
      if (cwd === dir || cwd.startsWith(`${dir}/`)) found.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** Whether a process runs (a zombie does not). */
export function running(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
  } catch {
    return false;
  }
}

/** Every file under a directory (nested repositories' own git data too, but not the worktree's .git link) -> sha256 of its content. */
export function fileHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const relPath = rel ? `${rel}/${name}` : name;
      if (relPath === '.git') continue;
      const full = path.join(dir, relPath);
      const st = lstatSync(full);
      if (st.isDirectory()) walk(relPath);
      else if (st.isFile()) out.set(relPath, createHash('sha256').update(readFileSync(full)).digest('hex'));
      else if (st.isSymbolicLink()) out.set(relPath, `link:${readlinkSync(full)}`);
    }
  };
  walk('');
  return out;
}

/** Files that are gone or changed between two looks at a worktree (the work lost), counted into the tally. */
export function lostFiles(before: Map<string, string>, after: Map<string, string>, ignore: (file: string) => boolean = () => false): string[] {
  const lost = [...before].filter(([file, hash]) => !ignore(file) && after.get(file) !== hash).map(([file]) => file);
  tally.workChecked(before.size, lost.length);
  return lost;
}

/**
 * The deliveries the agent received, checked against what was sent: every
 * message received must be one sent, whole; anything else (a part, two
 * halves) counts as a partial delivery in the tally.
 */
export function partialDeliveries(sent: readonly string[], received: readonly string[]): string[] {
  const partial = received.filter((m) => !sent.includes(m));
  tally.deliveriesChecked(sent.length, partial.length);
  return partial;
}

/** Run the audit, count the run, and assert the end state is consistent. */
export function expectConsistent(rig: SessionRig, options: AuditOptions = {}): void {
  const problems = auditRig(rig, options);
  tally.endState(problems.length > 0);
  expect(problems, `inconsistent end state:\n${problems.join('\n')}`).toEqual([]);
}

/** Make a record file say something else (a hand edit, a bad disk), as the host sees it. */
export function recordFile(rig: SessionRig, host: string, id: string): string {
  const dataDir = host === 'local' ? 'local-data' : 'ssh-data';
  return path.join(rig.dir, dataDir, rig.config.instance, 'demo', 'sessions', id);
}

export function worktreeOf(rig: SessionRig, host: string, id: string): string {
  const dataDir = host === 'local' ? 'local-data' : 'ssh-data';
  return path.join(rig.dir, dataDir, rig.config.instance, 'demo', 'worktrees', id);
}

export function dataRoot(rig: SessionRig, host: string): string {
  return path.join(rig.dir, host === 'local' ? 'local-data' : 'ssh-data', rig.config.instance);
}

/**
 * A zombie: a process that has ended but whose parent never reaps it (as
 * under a container's PID 1 that is not an init). Its /proc entry stays,
 * and kill -0 still succeeds on it. `release` ends the parent, and with it
 * the zombie.
 */
export async function makeZombie(): Promise<{ pid: number; start: string; release: () => void }> {
  // sh starts a short child, then becomes `sleep`, which never waits for it.
  const parent = spawn('sh', ['-c', 'sleep 0 & exec sleep 300'], { stdio: 'ignore' });
  const zombie = await waitFor(() => {
    for (const pid of descendantsOf(parent.pid!)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (fields[0] === 'Z') return { pid, start: fields[19]! };
      } catch {
        /* gone */
      }
    }
    return undefined;
  }, 10_000, 'a zombie');
  return { ...zombie, release: () => parent.kill('SIGKILL') };
}

/**
 * Spawn a session and wait until its agent has logged all of its task
 * prompt (so later looks at the log see only what follows). The prompt is
 * counted as a message: had it arrived in parts, each part counts as a
 * partial delivery.
 */
export async function spawnSettled(orch: Orchestrator, agentLog: string, request: SpawnRequest & { prompt: string }): Promise<SpawnResult> {
  const s = await spawnSession(orch, request);
  const lastLine = request.prompt.trim().split('\n').at(-1)!;
  const parts = await waitFor(() => {
    const all = messages(agentLog);
    const start = all.findIndex((m) => m.includes(`session ${s.id} `));
    const end = start < 0 ? -1 : all.findIndex((m, i) => i >= start && m.includes(lastLine));
    return end < 0 ? undefined : all.slice(start, end + 1);
  }, 30_000, `the task prompt of ${s.id}`);
  tally.deliveriesChecked(1, parts.length > 1 ? parts.length : 0);
  return s;
}
