import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { getAdapter } from '../src/agents/index.js';
import { parseConfig } from '../src/core/config.js';
import { shellQuote } from '../src/core/shell.js';
import { HostPool } from '../src/hosts/pool.js';
import { killSession } from '../src/sessions/kill.js';
import { observeSessions, type Observed } from '../src/sessions/list.js';
import { Orchestrator } from '../src/sessions/orchestrator.js';
import { spawnSession } from '../src/sessions/spawn.js';
import { installed, REAL_AGENT_VERSIONS, REAL_AGENTS, REAL_AGENTS_BIN, type RealAgent, type RealAgentName } from '../test/agents/real/agents.js';
import { fakeAgentCommand } from '../test/support/fake-agent.js';
import { makeOrigin, type TestOrigin } from '../test/support/git.js';
import { say, slow, startModelServer, type ModelServer } from '../test/support/model-server.js';
import { makeTempDir } from '../test/support/tmp.js';
import { fmt, forkCount, median, printRows, timeIt, type BenchRow } from './support.js';

/**
 * Issue 15: the real agents (Claude Code, Codex, Gemini CLI, OpenCode, as
 * installed by test/support/install-real-agents.sh) under ao, each pointed
 * at the scripted model server (test/support/model-server.ts).
 *
 *  1. One look (the per-host probe of `ao status`: observeSessions) at a
 *     local host full of real agents idle at their prompts, against the same
 *     look at as many fake-agent panes: wall time, processes started, and
 *     how many panes the look reads as the screen says (ready).
 *  2. Spawn to first activity: for each real agent, from the start of spawn
 *     until a look first reads the session `active`, and until its turn is
 *     over (`ready`), beside the fake agent.
 *
 * Every session is spawned through ao's own spawn, as an operator's would be.
 */

const execFileAsync = promisify(execFile);
/** Panes in the look of part 1. */
const PANES = 50;
/** Keep at least this much memory free while starting real agents (part 1 stops adding sessions below it). */
const MEMORY_RESERVE = 3 * 2 ** 30;
/** Real agents started at once in part 1 (2 cores: each start is seconds of CPU for the node-based agents). */
const SPAWN_CONCURRENCY = 3;
/** How long the model thinks over the task in part 2 (the fake agent is as busy). */
const THINK_SEC = 2;
/** Measured spawns per agent in part 2 (after one warm-up). */
const SPAWN_RUNS = 3;
const LOOKS = 7;
/** What the model answers a task it has no script for: on screen once the agent has had its turn. */
const ANSWER = 'Nothing to change here. BENCH-ANSWERED';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Instance {
  orch: Orchestrator;
  pool: HostPool;
  socket: string;
  /** The local host's data dir (worktrees, records). */
  hostDir: string;
}

/** What an operator puts on a runner host for this agent: its settings in a home of its own, and the command line with its environment. */
function realAgentCommand(agent: RealAgent, home: string, hostDir: string, modelUrl: string): string {
  mkdirSync(home, { recursive: true });
  // No worktree is trusted ahead: spawn trusts each new one where the agent keeps trust per folder.
  const settings = agent.prepare({ home, worktree: '/not/a/worktree', worktreesRoot: hostDir, repoRoot: '/not/a/repo', modelUrl });
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    PATH: `${REAL_AGENTS_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    NO_PROXY: '127.0.0.1,localhost',
    GIT_AUTHOR_NAME: 'Agent',
    GIT_AUTHOR_EMAIL: 'agent@example.invalid',
    GIT_COMMITTER_NAME: 'Agent',
    GIT_COMMITTER_EMAIL: 'agent@example.invalid',
    ...settings,
  };
  const words = getAdapter(agent.adapter).launchCommand({ sessionId: 'x-1', worktree: '/' }).split(' ');
  return ['env', ...Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`), path.join(REAL_AGENTS_BIN, words[0]!), ...words.slice(1)].join(' ');
}

function makeInstance(dir: string, name: string, projects: Record<string, unknown>[]): Instance {
  const hostDir = path.join(dir, `${name}-host`);
  const socket = `ao-bench-agents-${process.pid}-${name}`;
  const config = parseConfig({
    instance: name,
    dataDir: path.join(dir, `${name}-data`),
    tmuxSocket: socket,
    hosts: [{ name: 'local', local: true, dataDir: hostDir, capacity: 200 }],
    projects,
    // Quiet for an hour before idle: a pane at its prompt reads ready for the whole run.
    defaults: { idleAfterSec: 3600, settleSec: 1, stuckAfterSec: 7200 },
  });
  const pool = new HostPool(config);
  return { orch: new Orchestrator(config, pool, { actor: 'bench' }), pool, socket, hostDir };
}

function project(origin: TestOrigin, name: string, agent: string, agentCommand: string): Record<string, unknown> {
  return { repo: `acme/${name}`, name, prefix: name.replace(/[^a-z0-9]/g, '').slice(0, 12), url: origin.url, agent, agentCommand };
}

const look = (orch: Orchestrator): Promise<Observed> => observeSessions(orch, { github: false });

/**
 * Processes started while `fn` runs in this process, exactly: strace attached
 * to this process (-f: and whatever it starts) counts successful execve calls.
 * Undefined where strace cannot attach.
 */
async function processesDuring(fn: () => Promise<unknown>): Promise<number | undefined> {
  const out = path.join(os.tmpdir(), `ao-bench-agents-strace-${process.pid}.txt`);
  const tracer = spawn('strace', ['-f', '-e', 'trace=execve', '-o', out, '-p', String(process.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const attached = await new Promise<boolean>((resolve) => {
    let err = '';
    tracer.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (/attached/.test(err)) resolve(true);
    });
    tracer.on('error', () => resolve(false));
    tracer.on('exit', () => resolve(false));
    setTimeout(() => resolve(false), 5000);
  });
  if (!attached) {
    tracer.kill('SIGKILL');
    return undefined;
  }
  await fn();
  const exited = new Promise((resolve) => tracer.once('exit', resolve));
  tracer.kill('SIGINT');
  await exited;
  const lines = readFileSync(out, 'utf8').split('\n');
  rmSync(out, { force: true });
  return lines.filter((l) => /execve.*= 0$/.test(l)).length;
}

/** Processes started machine-wide while `fn` runs (whatever else the machine does counts too). */
async function forksDuring(fn: () => Promise<unknown>): Promise<number> {
  const before = forkCount();
  await fn();
  return forkCount() - before;
}

function meminfo(key: string): number {
  const line = readFileSync('/proc/meminfo', 'utf8').split('\n').find((l) => l.startsWith(`${key}:`));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

/** Proportional set size (bytes) of each tmux session's pane process and everything below it. */
async function paneMemory(socket: string): Promise<Map<string, number>> {
  const { stdout } = await execFileAsync('tmux', ['-L', socket, 'list-panes', '-a', '-F', '#{session_name} #{pane_pid}']);
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const pss = (pid: number): number => {
    let own = 0;
    try {
      const line = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').split('\n').find((l) => l.startsWith('Pss:'));
      own = Number(line?.split(/\s+/)[1] ?? 0) * 1024;
    } catch {
      // gone
    }
    return own + (children.get(pid) ?? []).reduce((sum, child) => sum + pss(child), 0);
  };
  const result = new Map<string, number>();
  for (const line of stdout.trim().split('\n')) {
    const [session, pid] = line.split(' ');
    if (session && pid) result.set(session, pss(Number(pid)));
  }
  return result;
}

/** Processes whose working directory or command line is inside `dir` (what the agents started, in tmux or not). */
function processesUnder(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cwd.startsWith(dir) || cmdline.includes(dir)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** End the tmux servers, then anything the agents left running under `dir` (by process id). */
async function stopEverything(sockets: string[], dir: string): Promise<void> {
  for (const s of sockets) await execFileAsync('tmux', ['-L', s, 'kill-server']).catch(() => undefined);
  for (let attempt = 0; attempt < 20; attempt++) {
    const left = processesUnder(dir);
    if (left.length === 0) return;
    for (const pid of left) {
      try {
        process.kill(pid, attempt >= 5 ? 'SIGKILL' : 'SIGTERM');
      } catch {
        // gone
      }
    }
    await sleep(200);
  }
}

/** Run `fn` over `items`, `concurrency` at a time, while `more()` allows. */
async function pooled<T>(items: T[], concurrency: number, more: () => boolean, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length && more()) await fn(items[next++]!);
    }),
  );
}

interface Timeline {
  /** The first look that reads the session active: spawn's own work on it (its record says spawning) counts. */
  firstActiveMs?: number;
  /** Its status in that look. */
  firstActiveStatus?: string;
  /** The first look that reads the agent at its prompt (ready), before the task: the agent is up. */
  promptMs?: number;
  /** The first look begun after spawn returned (the task delivered) that reads active: the agent at work on the task. */
  activeOnTaskMs?: number;
  spawnedMs: number;
  taskAtModelMs?: number;
  readyMs?: number;
}

/**
 * One spawn with a small task, looked at all along (one look after another
 * from the moment spawn starts): when ao first reads the session active, when
 * spawn returns, when the model is sent the task, when the turn is over.
 */
async function spawnTimeline(orch: Orchestrator, projectName: string, marker: string, server?: ModelServer): Promise<Timeline> {
  const started = Date.now();
  const since = () => Date.now() - started;
  const mainsBefore = server?.mainRequests().length ?? 0;
  let spawnedMs: number | undefined;
  let id: string | undefined;
  let failure: unknown;
  const spawning = spawnSession(orch, { project: projectName, prompt: `Bench task: say ${marker} and stop.`, readyTimeoutSec: 120 }).then(
    (r) => {
      spawnedMs = since();
      id = r.id;
    },
    (error: unknown) => {
      failure = error;
    },
  );
  const timeline: Partial<Timeline> = {};
  while (since() < 180_000 && failure === undefined) {
    const lookStart = since();
    const observed = await observeSessions(orch, { github: false, project: projectName });
    const state = observed.states.find((s) => (id ? s.view.id === id : s.view.status !== 'killed'));
    const activity = state?.view.activity;
    if (activity === 'active' && timeline.firstActiveMs === undefined) {
      timeline.firstActiveMs = since();
      timeline.firstActiveStatus = state!.view.status;
    }
    if (activity === 'ready' && spawnedMs === undefined && timeline.promptMs === undefined) timeline.promptMs = since();
    if (activity === 'active' && spawnedMs !== undefined && lookStart >= spawnedMs && timeline.activeOnTaskMs === undefined) timeline.activeOnTaskMs = since();
    // The turn is over: the answer on screen at the prompt (looked at after spawn returned).
    if (spawnedMs !== undefined && lookStart >= spawnedMs && (activity === 'ready' || activity === 'idle') && state!.observation.paneLines.join('\n').includes(marker)) {
      timeline.readyMs = since();
      break;
    }
    await sleep(50);
  }
  await spawning;
  if (failure !== undefined) throw failure;
  const task = server?.mainRequests()[mainsBefore];
  if (task) timeline.taskAtModelMs = task.at - started;
  if (id) await killSession(orch, id, { force: true }).catch(() => undefined);
  return { ...timeline, spawnedMs: spawnedMs! };
}

const med = (values: (number | undefined)[]) => {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === values.length && known.length > 0 ? fmt(median(known)) : `${known.length ? fmt(median(known)) : '-'} (${values.length - known.length} of ${values.length} not seen)`;
};

async function benchSpawnToActivity(dir: string, origin: TestOrigin, server: ModelServer, agents: RealAgent[], sockets: string[]): Promise<void> {
  const projects = [
    project(origin, 'fake', 'generic', fakeAgentCommand({ busyMs: THINK_SEC * 1000 })),
    ...agents.map((a) => project(origin, a.adapter, a.adapter, realAgentCommand(a, path.join(dir, 'spawn-homes', a.adapter), path.join(dir, 'spawn-host'), server.url))),
  ];
  const inst = makeInstance(dir, 'spawn', projects);
  sockets.push(inst.socket);
  const rows: string[] = [];
  try {
    for (const name of ['fake', ...agents.map((a) => a.adapter)]) {
      const real = name !== 'fake';
      const runs: Timeline[] = [];
      for (let i = 0; i <= SPAWN_RUNS; i++) {
        const marker = real ? `BENCH-TURN-${i}-DONE` : 'done.';
        if (real) server.script([slow(THINK_SEC, say(`Nothing to change. ${marker}`))]);
        const run = await spawnTimeline(inst.orch, name, marker, real ? server : undefined);
        if (i > 0) runs.push(run); // the first is a warm-up (mirror clone, the agent's first start in its home)
        process.stderr.write(`bench agents: spawn ${name} #${i}: ${JSON.stringify(run)}\n`);
      }
      const label = real ? `${name} ${REAL_AGENT_VERSIONS[name as RealAgentName]}` : 'fake agent';
      rows.push(
        `| ${label} | ${med(runs.map((r) => r.firstActiveMs))} (${[...new Set(runs.map((r) => r.firstActiveStatus))].join('/')}) | ${med(runs.map((r) => r.promptMs))} | ${med(runs.map((r) => r.spawnedMs))} | ${real ? med(runs.map((r) => r.taskAtModelMs)) : '-'} | ${med(runs.map((r) => r.activeOnTaskMs))} | ${med(runs.map((r) => r.readyMs))} |`,
      );
    }
  } finally {
    await inst.pool.close();
  }
  process.stdout.write(
    `\n## Spawn to first activity (issue 15)\n\nMedian of ${SPAWN_RUNS} spawns per agent after one warm-up, local host, a small task; the model answers after ${THINK_SEC} s (the fake agent is busy as long). Times from the start of spawn; a look after another all along.\n\n` +
      '| agent | first look `active` (status then) | first look `ready` (agent at its prompt) | spawn returned (task delivered) | model sent the task | first look `active` after spawn returned | look `ready` after the turn |\n|---|---|---|---|---|---|---|\n' +
      `${rows.join('\n')}\n`,
  );
}

async function benchClassification(dir: string, origin: TestOrigin, server: ModelServer, agents: RealAgent[], sockets: string[]): Promise<void> {
  const rows: BenchRow[] = [];
  // --- the real agents: a mix, round robin, one shared home per agent (as on one runner account) ---
  const realProjects = agents.map((a) => project(origin, `r-${a.adapter}`, a.adapter, realAgentCommand(a, path.join(dir, 'look-homes', a.adapter), path.join(dir, 'real-host'), server.url)));
  const real = makeInstance(dir, 'real', realProjects);
  sockets.push(real.socket);
  const fake = makeInstance(dir, 'fake', [project(origin, 'f-fake', 'generic', fakeAgentCommand({}))]);
  sockets.push(fake.socket);
  try {
    server.script([]);
    const availableBefore = meminfo('MemAvailable');
    const plan = Array.from({ length: PANES }, (_, i) => agents[i % agents.length]!);
    const failures: string[] = [];
    let stoppedForMemory = false;
    const spawnedAt = Date.now();
    await pooled(
      plan,
      SPAWN_CONCURRENCY,
      () => {
        if (meminfo('MemAvailable') < MEMORY_RESERVE) stoppedForMemory = true;
        return !stoppedForMemory;
      },
      async (agent) => {
        try {
          await spawnSession(real.orch, { project: `r-${agent.adapter}`, prompt: 'Bench task: answer in one line and stop.', readyTimeoutSec: 120 });
        } catch (error) {
          failures.push(`${agent.adapter}: ${String(error).split('\n')[0]}`);
        }
      },
    );
    const spawnAllMs = Date.now() - spawnedAt;
    // Wait until every task has reached the model and the answers have had time to be drawn: no request for 10 s.
    const started = (await look(real.orch)).states.filter((s) => s.view.status !== 'killed');
    const settleDeadline = Date.now() + 180_000;
    while (Date.now() < settleDeadline) {
      const last = server.requests.at(-1)?.at ?? 0;
      if (server.mainRequests().length >= started.length && Date.now() - last > 10_000) break;
      await sleep(500);
    }
    // What 50 idle agents cost the machine with nobody looking: processes (and threads) created, CPU busy.
    const cpu = () => readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
    const cpuBefore = cpu();
    const idleForks = await forksDuring(() => sleep(5000));
    const cpuAfter = cpu();
    const delta = cpuAfter.map((v, i) => v - cpuBefore[i]!);
    const total = delta.reduce((a, b) => a + b, 0);
    const busy = total > 0 ? 1 - (delta[3]! + (delta[4] ?? 0)) / total : 0;
    const memory = await paneMemory(real.socket);
    const availableAfter = meminfo('MemAvailable');

    // The fake agents: as many panes, spawned the same way.
    for (let i = 0; i < started.length; i++) await spawnSession(fake.orch, { project: 'f-fake', prompt: 'Bench task: answer in one line and stop.' });
    await sleep(3000);

    const measure = async (inst: Instance) => {
      await look(inst.orch); // warm-up
      const times: number[] = [];
      const forks: number[] = [];
      let observed: Observed | undefined;
      for (let i = 0; i < LOOKS; i++) {
        let result: Observed | undefined;
        forks.push(await forksDuring(async () => times.push((await timeIt(async () => (result = await look(inst.orch)))).ms)));
        observed = result;
      }
      const exact = await processesDuring(() => look(inst.orch));
      return { ms: median(times), forksMin: Math.min(...forks), exact, observed: observed! };
    };
    const realLook = await measure(real);
    const fakeLook = await measure(fake);

    // Is each pane read as its screen says? Every agent got its task, answered (the model server's answer is
    // on screen) and waits at its prompt: ready. The check of the screen here is the model's answer on it.
    const states = realLook.observed.states.filter((s) => s.view.status !== 'killed');
    const byAgent = new Map<string, { n: number; ready: number; answered: number; other: string[]; pss: number[] }>();
    for (const s of states) {
      const a = byAgent.get(s.view.agent) ?? { n: 0, ready: 0, answered: 0, other: [], pss: [] };
      a.n++;
      if (s.view.activity === 'ready') a.ready++;
      else a.other.push(`${s.view.id}: ${s.view.activity}`);
      if (s.observation.paneLines.join('\n').includes(ANSWER)) a.answered++;
      else if (a.n - a.answered === 1) process.stderr.write(`bench agents: ${s.view.id} (${s.view.agent}) does not show the answer:\n${s.observation.paneLines.join('\n')}\n`);
      const pss = memory.get(s.view.tmuxName);
      if (pss !== undefined) a.pss.push(pss);
      byAgent.set(s.view.agent, a);
    }
    const fakeStates = fakeLook.observed.states.filter((s) => s.view.status !== 'killed');
    const correct = states.filter((s) => s.view.activity === 'ready').length;
    const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
    rows.push(
      { name: 'real-agent sessions started (of 50 planned)', value: String(states.length), note: `${agents.map((a) => `${byAgent.get(a.adapter)?.n ?? 0} ${a.adapter}`).join(', ')}; spawning them took ${fmt(spawnAllMs)}, ${SPAWN_CONCURRENCY} at a time${stoppedForMemory ? '; stopped: memory reserve reached' : ''}${failures.length ? `; failed: ${failures.join('; ')}` : ''}` },
      { name: 'memory the real agents take', value: mb(availableBefore - availableAfter), note: `drop of MemAvailable; per pane (PSS of the pane's processes, median): ${[...byAgent.entries()].map(([a, v]) => `${a} ${v.pss.length ? mb(median(v.pss)) : '-'}`).join(', ')}` },
      { name: `${states.length} idle real agents, nobody looking, 5 s`, value: `${Math.round(idleForks / 5)} forks/s`, note: `machine-wide (/proc/stat \`processes\`: threads count too); CPU ${(busy * 100).toFixed(0)}% busy (both cores)` },
      { name: `one look at ${states.length} real-agent panes: wall time (median of ${LOOKS})`, value: fmt(realLook.ms), note: `${(realLook.ms / Math.max(1, states.length)).toFixed(2)} ms per pane` },
      { name: `the same look at ${fakeStates.length} fake-agent panes (median of ${LOOKS})`, value: fmt(fakeLook.ms), note: `${(fakeLook.ms / Math.max(1, fakeStates.length)).toFixed(2)} ms per pane` },
      { name: 'real vs fake: wall time', value: `**${(realLook.ms / fakeLook.ms).toFixed(2)}x**`, note: 'real / fake' },
      { name: 'one look, real-agent panes: processes started', value: String(realLook.exact ?? realLook.forksMin), note: realLook.exact === undefined ? 'machine-wide count, min of runs' : `exact (strace -f: execve); machine-wide min of ${LOOKS}: ${realLook.forksMin}` },
      { name: 'one look, fake-agent panes: processes started', value: String(fakeLook.exact ?? fakeLook.forksMin), note: fakeLook.exact === undefined ? 'machine-wide count, min of runs' : `exact; machine-wide min of ${LOOKS}: ${fakeLook.forksMin}` },
      { name: 'real-agent panes read as the screen says (ready)', value: `**${correct} / ${states.length}**`, note: `${[...byAgent.entries()].map(([a, v]) => `${a} ${v.ready}/${v.n}`).join(', ')}; panes showing the model's answer: ${[...byAgent.entries()].map(([a, v]) => `${a} ${v.answered}/${v.n}`).join(', ')}${[...byAgent.values()].some((v) => v.other.length) ? `; misread: ${[...byAgent.values()].flatMap((v) => v.other).join(', ')}` : ''}` },
      { name: 'fake-agent panes read ready', value: `${fakeStates.filter((s) => s.view.activity === 'ready').length} / ${fakeStates.length}` },
    );
  } finally {
    await real.pool.close();
    await fake.pool.close();
  }
  printRows(`Activity classification per probe, real-agent panes (issue 15)`, rows);
}

export async function benchAgents(): Promise<void> {
  const agents = (Object.keys(REAL_AGENTS) as RealAgentName[]).map((n) => REAL_AGENTS[n]).filter(installed);
  if (agents.length === 0) {
    process.stdout.write('\nNo real agent is installed (sh test/support/install-real-agents.sh): nothing measured.\n');
    return;
  }
  const temp = makeTempDir('ao-bench-agents');
  const dir = realpathSync(temp.dir);
  const origin = makeOrigin();
  const server = await startModelServer({ whenExhausted: say(ANSWER) });
  const sockets: string[] = [];
  try {
    process.stdout.write(`\nReal agents: ${agents.map((a) => `${a.adapter} ${REAL_AGENT_VERSIONS[a.adapter]}`).join(', ')}; the scripted model server plays the model.\n`);
    await benchSpawnToActivity(dir, origin, server, agents, sockets);
    await stopEverything(sockets.splice(0), dir);
    await benchClassification(dir, origin, server, agents, sockets);
  } finally {
    await stopEverything(sockets, dir);
    await server.close();
    origin.cleanup();
    temp.cleanup();
  }
}
