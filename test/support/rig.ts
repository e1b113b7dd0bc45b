import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseConfig, type Config } from '../../src/core/config.js';
import { HostPool } from '../../src/hosts/pool.js';
import { Orchestrator } from '../../src/sessions/orchestrator.js';
import { fakeAgentCommand, type FakeAgentOptions } from './fake-agent.js';
import { makeOrigin, type TestOrigin } from './git.js';
import { startSshd, type TestSshd } from './sshd.js';
import { makeTempDir } from './tmp.js';


export interface SessionRig {
  dir: string;
  origin: TestOrigin;
  sshd?: TestSshd;
  agentLog: string;
  configRaw: Record<string, unknown>;
  config: Config;
  pool: HostPool;
  orch: Orchestrator;
  socket: string;
  /** A fresh orchestrator on a fresh pool (as a second process would have). */
  reopen(): Orchestrator;
  stop(): Promise<void>;
}

/**
 * Real parts for session tests: a bare origin, a local host and (optionally)
 * a loopback sshd host with their own data dirs, an isolated tmux socket and
 * the fake agent.
 */
export async function startRig(
  options: {
    ssh?: boolean;
    postCreate?: string[];
    agent?: Omit<FakeAgentOptions, 'log'>;
    settleSec?: number;
    hostsOrder?: 'local-first' | 'ssh-first';
    /** The project's origin (default: a fresh bare repo). */
    url?: string;
    /** More keys for the project (reactions...) and for defaults. */
    project?: Record<string, unknown>;
    defaults?: Record<string, unknown>;
  } = {},
): Promise<SessionRig> {
  const { dir, cleanup } = makeTempDir('ao-rig');
  const origin = makeOrigin();
  const sshd = options.ssh ? await startSshd() : undefined;
  const socket = `ao-test-${randomBytes(4).toString('hex')}`;
  const agentLog = path.join(dir, 'agent-log.jsonl');
  const local = { name: 'local', local: true, dataDir: path.join(dir, 'local-data'), capacity: 20 };
  const hosts: unknown[] = [local];
  if (sshd) {
    const ssh = sshd.hostConfig({ name: 'ssh1', dataDir: path.join(dir, 'ssh-data') } as never);
    if (options.hostsOrder === 'ssh-first') hosts.unshift(ssh);
    else hosts.push(ssh);
  }
  const configRaw = {
    instance: 'test',
    dataDir: path.join(dir, 'data'),
    tmuxSocket: socket,
    hosts,
    projects: [
      {
        repo: 'acme/demo-app',
        name: 'demo',
        prefix: 'demo',
        url: options.url ?? origin.url,
        agent: 'generic',
        agentCommand: fakeAgentCommand({ log: agentLog, ...options.agent }),
        postCreate: options.postCreate ?? [],
        ...options.project,
      },
    ],
    defaults: { settleSec: options.settleSec ?? 1, ...options.defaults },
  };
  const config = parseConfig(configRaw);
  const pool = new HostPool(config);
  const orch = new Orchestrator(config, pool, { actor: 'test' });
  const pools: HostPool[] = [pool];
  return {
    dir,
    origin,
    sshd,
    agentLog,
    configRaw,
    config,
    pool,
    orch,
    socket,
    reopen() {
      const p = new HostPool(config);
      pools.push(p);
      return new Orchestrator(config, p, { actor: 'test-2' });
    },
    async stop() {
      await Promise.all(pools.map((p) => p.close()));
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      } catch {
        /* no server */
      }
      await sshd?.stop();
      origin.cleanup();
      cleanup();
    },
  };
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
