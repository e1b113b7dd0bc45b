import { getAdapter } from '../agents/index.js';
import type { ProjectConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { assertBranchName, defaultBranchName, formatSessionId, parseSessionId } from '../core/names.js';
import { chooseHost, type HostLoad } from '../core/placement.js';
import { composeTaskPrompt } from '../core/prompt.js';
import { redactSecrets } from '../log.js';
import type { SessionRecord } from '../core/record.js';
import { execScript, HostCommandError, run } from '../hosts/host.js';
import { EXIT, hostScript } from '../hosts/scripts.js';
import { programOf } from '../agents/command.js';
import { thisHolder } from '../hosts/holder.js';
import type { HeldSession } from '../hosts/store.js';
import type { HostSnapshot, Orchestrator } from './orchestrator.js';
import { isLive, SPAWN_HEARTBEAT_MS } from './view.js';
import { assertMayStart } from './control.js';
import { sendMessage } from './send.js';
import { agentHooks, prepareLaunch } from './agent-setup.js';

export interface SpawnRequest {
  project: string;
  issue?: { number: number; title?: string; body?: string; author?: string; authorPermission?: string };
  prompt?: string;
  host?: string;
  agent?: string;
  branch?: string;
  /** Allow a second active session for the same issue. */
  force?: boolean;
  /** How long to wait for the agent to be ready for the task prompt. */
  readyTimeoutSec?: number;
}

export interface SpawnResult {
  id: string;
  host: string;
  project: string;
  branch: string;
  worktree: string;
  tmuxName: string;
  agent: string;
  /** True when an active session for the issue already existed and was returned instead. */
  existing: boolean;
  promptDelivered: boolean;
  mirror: 'cloned' | 'warm' | null;
  attach: string;
}

type Step = 'reserve' | 'record' | 'credentials' | 'worktree' | 'post-create' | 'agent-program' | 'tmux' | 'deliver-prompt' | 'finalize';

/** What placement needs of each host, from the snapshots. */
export function hostLoads(snapshots: readonly HostSnapshot[]): HostLoad[] {
  return snapshots.map((s) => ({ name: s.host, reachable: s.reachable, active: s.records.filter((r) => isLive(r.record)).length, error: s.error }));
}

export async function spawnSession(orch: Orchestrator, request: SpawnRequest): Promise<SpawnResult> {
  const project = orch.project(request.project);
  const agentName = request.agent ?? project.agent ?? orch.config.defaults.agent;
  const adapter = getAdapter(agentName);
  if (request.branch) assertBranchName(request.branch);
  if (request.issue && (!Number.isInteger(request.issue.number) || request.issue.number < 1)) {
    throw new AoError('usage', `invalid issue number ${JSON.stringify(request.issue.number)}`, 'issue numbers are positive integers');
  }
  if (!request.issue && !request.prompt?.trim()) throw new AoError('usage', 'give an issue number or --prompt, so the agent has a task');
  // The launch command is checked before anything is made (e.g. generic without agentCommand).
  adapter.launchCommand({ sessionId: `${project.prefix}-1`, worktree: '/', agentCommand: project.agentCommand });

  orch.progress({ step: 'hosts', message: `checking ${orch.pool.names().length} host(s)` });
  const snapshots = await orch.snapshotAll();
  const arbiter = orch.pool.names()[0]!;
  const arbiterStore = orch.store(arbiter);

  // One live session per issue unless forced: an exclusive claim on the arbiter host settles races.
  if (request.issue && !request.force) {
    const existing = snapshots
      .flatMap((s) => s.records.map((r) => ({ host: s.host, ...r })))
      .find((r) => r.project === project.name && r.record.issue === request.issue!.number && isLive(r.record));
    if (existing) return existingResult(orch, existing.host, project, existing.record);
  }

  // The maintainers' switches (core/control.ts): a paused project starts nothing; one at its cap starts nothing more.
  await assertMayStart(orch, project, snapshots, { verb: 'not spawned', ...(request.issue ? { issue: request.issue.number } : {}) });

  const hostName = chooseHost(orch.pool.configs, hostLoads(snapshots), project, request.host);
  const floor = Math.max(
    0,
    ...snapshots.flatMap((s) => s.records.filter((r) => r.project === project.name).map((r) => parseSessionId(r.id)?.n ?? 0)),
  );
  const n = await arbiterStore.allocateNumber(project.name, floor);
  const id = formatSessionId(project.prefix, n);
  const store = orch.store(hostName);
  // The new session's runtime and record locks are held from before its record exists until it is
  // ready (or rolled back): a kill, restore or cleanup that meets it waits, and never acts on half of it.
  return store.withLocks(project.name, id, ['runtime', 'record'], (held) => spawnLocked(orch, request, { project, adapter, snapshots, arbiter, hostName, n, id, held }));
}

interface SpawnPlan {
  project: ProjectConfig;
  adapter: ReturnType<typeof getAdapter>;
  snapshots: HostSnapshot[];
  arbiter: string;
  hostName: string;
  n: number;
  id: string;
  held: HeldSession;
}

async function spawnLocked(orch: Orchestrator, request: SpawnRequest, plan: SpawnPlan): Promise<SpawnResult> {
  const { project, adapter, snapshots, arbiter, hostName, n, id, held } = plan;
  const arbiterStore = orch.store(arbiter);
  const store = orch.store(hostName);
  const runtime = orch.runtime(hostName);
  const workspace = orch.workspace(hostName);
  const host = orch.pool.host(hostName);

  const made = { number: true, claim: false, record: false, worktree: false, branch: false, tmux: false, prompt: false };
  let step: Step = 'reserve';
  const branch = request.branch ?? defaultBranchName(id, request.issue, orch.config.instance);
  const tmuxName = orch.tmuxName(id);
  let record: SessionRecord | undefined;
  // While the spawn runs, the record says so (spawnHeartbeatAt), so a spawn whose spawner died is told apart from a slow one.
  let beating: Promise<unknown> = Promise.resolve();
  const heartbeat = setInterval(() => {
    if (!record) return;
    record = { ...record, spawnStep: step, spawnHeartbeatAt: new Date().toISOString() };
    beating = held.write(record).catch((error: unknown) => orch.log.warn({ session: id }, `spawn heartbeat failed: ${String(error)}`));
  }, SPAWN_HEARTBEAT_MS);
  const stopHeartbeat = async () => {
    clearInterval(heartbeat);
    await beating;
  };
  try {
    if (request.issue && !request.force) {
      const claimed = await claimIssue(orch, arbiter, project.name, request.issue.number, id, snapshots);
      if (claimed !== id) {
        await arbiterStore.releaseNumber(project.name, n);
        made.number = false;
        await stopHeartbeat();
        const owner = await orch.locate(claimed);
        return existingResult(orch, owner.host, project, owner.record);
      }
      made.claim = true;
    }
    const hostPaths = await orch.paths(hostName);
    const paths = { worktree: hostPaths.worktree(project.name, id), prompt: hostPaths.prompt(project.name, id), mirror: hostPaths.mirror(project.repo) };
    const now = new Date().toISOString();
    const created: SessionRecord = {
      id,
      project: project.name,
      repo: project.repo,
      host: hostName,
      issue: request.issue?.number,
      branch,
      baseBranch: project.baseBranch,
      worktree: paths.worktree,
      tmuxName,
      agent: adapter.name,
      status: 'spawning',
      createdAt: now,
      updatedAt: now,
      createdBy: orch.actor,
      spawner: thisHolder(),
      spawnHeartbeatAt: now,
      extra: {},
    };

    step = 'record';
    await store.createRecord(created);
    record = created;
    made.record = true;
    await orch.fault('spawn:record');

    step = 'credentials';
    const access = await orch.prepareCredentials(hostName, project);

    step = 'worktree';
    orch.progress({ session: id, step, message: `${id}: fetching ${project.repo} and adding worktree on ${hostName} (branch ${branch})` });
    const { mirror, guard } = await workspace.add({ mirror: paths.mirror, url: project.url, worktree: paths.worktree, branch, baseBranch: project.baseBranch, credentialHelper: access.credentialHelper });
    if (guard === 'off') orch.log.warn({ session: id, host: hostName }, `the push guard does not run for ${project.repo} on this host: the repository's core.hooksPath points elsewhere`);
    made.worktree = true;
    made.branch = true;
    await orch.fault('spawn:worktree');

    if (project.postCreate.length > 0) {
      step = 'post-create';
      orch.progress({ session: id, step, message: `${id}: running ${project.postCreate.length} post-create command(s)` });
      await workspace.postCreate(paths.worktree, project.postCreate);
    }

    step = 'agent-program';
    const prompt = composeTaskPrompt({
      sessionId: id,
      repo: project.repo,
      branch,
      baseBranch: project.baseBranch,
      issue: request.issue,
      prompt: request.prompt,
      promptAuthor: orch.actor,
      rules: project.rules,
    });
    // The agent's hooks (where it has them) report to the session's state directory, outside the worktree.
    const hooks = agentHooks(orch, project, hostPaths, id);
    const launchContext = { sessionId: id, worktree: paths.worktree, agentCommand: project.agentCommand, promptFile: paths.prompt, ...(hooks.hooks ? { hooks: hooks.hooks } : {}) };
    const launch = adapter.launchCommand(launchContext);
    // The prompt is kept outside the worktree so it never counts as the agent's change; the
    // agent's program is checked in the same round trip, before anything starts.
    const program = programOf(launch);
    // The agent's first-run setup (a trust entry for the new worktree) in the same round trip.
    const { script: prepareScript, setupArgs } = prepareLaunch(adapter, launchContext);
    const prepared = await execScript(host, prepareScript, [paths.prompt, program ?? '', ...setupArgs], { stdin: prompt });
    made.prompt = true;
    if (prepared.code === EXIT.NO_PROGRAM) {
      throw new AoError(
        'failed',
        `the agent's program "${program}" was not found on host "${hostName}" (not on the PATH of its login shell)`,
        `install it there${adapter.installHint ? ` (${adapter.installHint})` : ''}, or set projects[].agentCommand to the command that starts it; \`ao doctor\` checks every host`,
      );
    }
    if (prepared.code !== 0) throw new HostCommandError(hostName, ['prepare-launch'], prepared, 'writing the prompt file');

    step = 'tmux';
    orch.progress({ session: id, step, message: `${id}: starting ${adapter.name} in tmux session ${tmuxName}` });
    const started = await runtime.create({ name: tmuxName, cwd: paths.worktree, command: launch, env: { ...access.env, ...hooks.env, AO_SESSION_ID: id, AO_PROJECT: project.name, AO_PROMPT_FILE: paths.prompt } });
    made.tmux = true;
    record = { ...record, panePid: started.pid, paneStart: started.start || undefined };
    await orch.fault('spawn:tmux');

    step = 'deliver-prompt';
    let promptDelivered = adapter.initialPrompt === 'launch';
    if (adapter.initialPrompt === 'message') {
      orch.progress({ session: id, step, message: `${id}: delivering the task prompt` });
      const sent = await sendMessage(orch, id, prompt, { wait: true, timeoutSec: request.readyTimeoutSec ?? 120, located: { host: hostName, project, record } }).catch(async (error: unknown) => {
        const reason = error instanceof AoError ? error.details?.reason : undefined;
        if (reason !== 'agent_exited' && reason !== 'runtime_gone') throw error;
        // The session is rolled back, so "restore it" would not work: say what the agent said instead.
        const lines = (await runtime.capture(tmuxName, 8).catch(() => [] as string[])).filter((l) => l.trim());
        throw new AoError(
          'failed',
          `the agent exited before it took its task${lines.length ? `; its last lines:\n${redactSecrets(lines.join('\n'))}` : ''}`,
          `check that \`${launch}\` starts on host "${hostName}" (try it there by hand) and projects[].agentCommand`,
        );
      });
      if (!sent.delivered) throw new AoError('failed', `the agent asked a question before it received its task: ${sent.question ?? ''}`);
      promptDelivered = true;
    }
    await orch.fault('spawn:deliver-prompt');

    step = 'finalize';
    await stopHeartbeat();
    const ready: SessionRecord = { ...record, status: 'working', activity: 'active', updatedAt: new Date().toISOString() };
    delete ready.spawner;
    delete ready.spawnStep;
    delete ready.spawnHeartbeatAt;
    await held.write(ready, [{ type: 'spawned', session: id, actor: orch.actor, host: hostName, branch, agent: adapter.name, issue: request.issue?.number, prompt }]);
    orch.progress({ session: id, step: 'ready', message: `${id}: ready` });
    return {
      id,
      host: hostName,
      project: project.name,
      branch,
      worktree: paths.worktree,
      tmuxName,
      agent: adapter.name,
      existing: false,
      promptDelivered,
      mirror,
      attach: attachHint(id),
    };
  } catch (error) {
    await stopHeartbeat();
    orch.progress({ session: id, step: 'rollback', message: `${id}: spawn failed at step "${step}", rolling back` });
    await rollback(orch, hostName, project, id, n, branch, tmuxName, made, request.issue?.number, record);
    await store
      .appendEvents(project.name, [{ type: 'spawn_failed', session: id, actor: orch.actor, step, error: error instanceof Error ? error.message : String(error) }])
      .catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new AoError(error instanceof AoError && error.kind !== 'failed' ? error.kind : 'failed', `spawn of ${id} failed at step "${step}": ${message}`, error instanceof AoError ? error.hint : undefined, {
      step,
    });
  } finally {
    clearInterval(heartbeat);
  }
}

async function rollback(
  orch: Orchestrator,
  hostName: string,
  project: ProjectConfig,
  id: string,
  n: number,
  branch: string,
  tmuxName: string,
  made: Record<string, boolean>,
  issue?: number,
  record?: SessionRecord,
): Promise<void> {
  let clean = true;
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      clean = false;
      orch.log.error({ session: id, what }, `rollback step failed: ${String(error)}`);
    }
  };
  const hostPaths = await orch.paths(hostName).catch(() => undefined);
  const paths = hostPaths && { worktree: hostPaths.worktree(project.name, id), prompt: hostPaths.prompt(project.name, id), mirror: hostPaths.mirror(project.repo) };
  // The spawn holds the session's locks, so nobody else has acted on it: everything made is undone.
  if (made.tmux) await attempt('tmux', () => orch.runtime(hostName).stopAgent(tmuxName, { pid: record?.panePid, start: record?.paneStart }));
  if (made.worktree && paths) await attempt('worktree', () => orch.workspace(hostName).remove({ mirror: paths.mirror, worktree: paths.worktree }));
  if (made.branch && paths) await attempt('branch', () => run(orch.pool.host(hostName), ['git', '-C', paths.mirror, 'branch', '-D', branch]));
  if (made.prompt && paths) await attempt('prompt', () => run(orch.pool.host(hostName), ['rm', '-f', paths.prompt]));
  if (made.record) await attempt('record', () => orch.store(hostName).removeRecord(project.name, id));
  const arbiter = orch.pool.names()[0]!;
  // A number is only given back when nothing of the session is left; else the next spawn would trip over the leftovers.
  if (made.number && clean) await attempt('id', () => orch.store(arbiter).releaseNumber(project.name, n));
  if (made.claim && issue !== undefined) await attempt('claim', () => orch.store(arbiter).releaseIssue(project.name, issue, id));
}

/**
 * Claim an issue for a session; returns the session that holds the claim.
 * A claim is only taken over when its holder's record shows it ended, or
 * when no record appears for it on any host (its spawner died).
 */
async function claimIssue(orch: Orchestrator, arbiter: string, project: string, issue: number, id: string, snapshots: HostSnapshot[]): Promise<string> {
  const store = orch.store(arbiter);
  for (let attempt = 0; attempt < 3; attempt++) {
    const holder = await store.claimIssue(project, issue, id);
    if (holder === id) return id;
    // The holder may be mid-spawn, with its record not written yet: give it a few seconds.
    let found: { record: SessionRecord } | undefined;
    let fresh = snapshots;
    for (let wait = 0; wait < 10 && !found; wait++) {
      if (wait > 0) await new Promise((r) => setTimeout(r, 500));
      fresh = await orch.snapshotAll();
      found = fresh.flatMap((s) => s.records).find((r) => r.id === holder);
    }
    if (found && isLive(found.record)) return holder;
    if (!found && fresh.some((s) => !s.reachable)) {
      throw new AoError('conflict', `issue #${issue} is claimed by ${holder || 'an unknown session'}, which may be on an unreachable host`, 'check the hosts with `ao doctor`, or pass --force');
    }
    await store.releaseIssue(project, issue, holder);
  }
  throw new AoError('conflict', `could not claim issue #${issue} for a new session`, 'retry, or pass --force');
}

function existingResult(orch: Orchestrator, host: string, project: ProjectConfig, record: SessionRecord): SpawnResult {
  return {
    id: record.id,
    host,
    project: project.name,
    branch: record.branch,
    worktree: record.worktree ?? '',
    tmuxName: orch.tmuxName(record.id),
    agent: record.agent,
    existing: true,
    promptDelivered: false,
    mirror: null,
    attach: attachHint(record.id),
  };
}

export function attachHint(id: string): string {
  return `ao open ${id}`;
}
