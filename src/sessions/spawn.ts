import { getAdapter } from '../agents/index.js';
import type { HostConfig, ProjectConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { TERMINAL_STATUSES, isSessionStatus } from '../core/model.js';
import { assertBranchName, defaultBranchName, formatSessionId, parseSessionId, tmuxSessionName } from '../core/names.js';
import { composeTaskPrompt } from '../core/prompt.js';
import { run } from '../hosts/host.js';
import type { HostSnapshot, Orchestrator } from './orchestrator.js';
import { sendMessage } from './send.js';

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

type Step = 'reserve' | 'record' | 'worktree' | 'post-create' | 'prompt-file' | 'tmux' | 'deliver-prompt' | 'finalize';

function active(status: string | undefined): boolean {
  return !status || !isSessionStatus(status) || !TERMINAL_STATUSES.has(status);
}

/** Pick a host: reachable, with the project's labels, under capacity; the least loaded wins. */
export function chooseHost(hosts: HostConfig[], snapshots: HostSnapshot[], project: ProjectConfig, requested?: string): string {
  const load = (name: string) => snapshots.find((s) => s.host === name)?.sessions.filter((s) => active(s.meta.status)).length ?? 0;
  const reachable = (name: string) => snapshots.find((s) => s.host === name)?.reachable ?? false;
  if (requested) {
    const host = hosts.find((h) => h.name === requested);
    if (!host) throw new AoError('usage', `unknown host "${requested}"`, `configured hosts: ${hosts.map((h) => h.name).join(', ')}`);
    if (!reachable(requested)) {
      const error = snapshots.find((s) => s.host === requested)?.error;
      throw new AoError('host', `host "${requested}" is unreachable${error ? `: ${error}` : ''}`, 'check it with `ao doctor`');
    }
    if (load(requested) >= host.capacity) throw new AoError('conflict', `host "${requested}" is at capacity (${host.capacity} active sessions)`);
    return requested;
  }
  const candidates = hosts
    .filter((h) => project.hostLabels.every((l) => h.labels.includes(l)))
    .filter((h) => reachable(h.name) && load(h.name) < h.capacity)
    .sort((a, b) => load(a.name) / a.capacity - load(b.name) / b.capacity || a.name.localeCompare(b.name));
  if (candidates.length === 0) {
    const down = snapshots.filter((s) => !s.reachable).map((s) => s.host);
    throw new AoError(
      'host',
      `no runner host can take a session for ${project.name}${project.hostLabels.length ? ` (labels: ${project.hostLabels.join(', ')})` : ''}`,
      down.length ? `unreachable: ${down.join(', ')}; check them with \`ao doctor\`` : 'all matching hosts are at capacity; raise hosts[].capacity or wait for sessions to end',
    );
  }
  return candidates[0]!.name;
}

export async function spawnSession(orch: Orchestrator, request: SpawnRequest): Promise<SpawnResult> {
  const project = orch.project(request.project);
  const agentName = request.agent ?? project.agent ?? orch.config.defaults.agent;
  const adapter = getAdapter(agentName);
  if (request.branch) assertBranchName(request.branch);
  if (request.issue && (!Number.isInteger(request.issue.number) || request.issue.number < 1)) {
    throw new AoError('usage', `invalid issue number ${JSON.stringify(request.issue.number)}`, 'issue numbers are positive integers');
  }
  // The launch command is checked before anything is made (e.g. generic without agentCommand).
  adapter.launchCommand({ sessionId: `${project.prefix}-1`, worktree: '/', agentCommand: project.agentCommand });

  orch.progress(`checking ${orch.pool.names().length} host(s)`);
  const snapshots = await orch.snapshotAll();
  const arbiter = orch.pool.names()[0]!;
  const arbiterStore = orch.store(arbiter);

  // One active session per issue unless forced: an exclusive claim on the arbiter host settles races.
  if (request.issue && !request.force) {
    const existing = snapshots
      .flatMap((s) => s.sessions.map((r) => ({ host: s.host, ...r })))
      .find((r) => r.project === project.name && r.meta.issue === String(request.issue!.number) && active(r.meta.status));
    if (existing) return existingResult(orch, existing.host, project, existing.meta);
  }

  const hostName = chooseHost(orch.pool.configs, snapshots, project, request.host);
  const floor = Math.max(
    0,
    ...snapshots.flatMap((s) => s.sessions.filter((r) => r.project === project.name).map((r) => parseSessionId(r.id)?.n ?? 0)),
  );
  const n = await arbiterStore.allocateNumber(project.name, floor);
  const id = formatSessionId(project.prefix, n);
  const store = orch.store(hostName);
  const runtime = orch.runtime(hostName);
  const workspace = orch.workspace(hostName);
  const host = orch.pool.host(hostName);

  const made = { number: true, claim: false, record: false, worktree: false, branch: false, tmux: false, prompt: false };
  let step: Step = 'reserve';
  const branch = request.branch ?? defaultBranchName(id, request.issue);
  const tmuxName = tmuxSessionName(orch.hash12, id);
  try {
    if (request.issue && !request.force) {
      const claimed = await claimIssue(orch, arbiter, project.name, request.issue.number, id, snapshots);
      if (claimed !== id) {
        await arbiterStore.releaseNumber(project.name, n);
        made.number = false;
        const owner = await orch.locate(claimed);
        return existingResult(orch, owner.host, project, owner.meta);
      }
      made.claim = true;
    }
    const paths = await orch.paths(hostName, project, id);
    const now = new Date().toISOString();
    const meta: Record<string, string> = {
      id,
      project: project.name,
      repo: project.repo,
      host: hostName,
      branch,
      baseBranch: project.baseBranch,
      worktree: paths.worktree,
      tmuxName,
      agent: adapter.name,
      status: 'spawning',
      createdAt: now,
      updatedAt: now,
      createdBy: orch.actor,
    };
    if (request.issue) meta.issue = String(request.issue.number);

    step = 'record';
    await store.create(project.name, id, meta);
    made.record = true;

    step = 'worktree';
    orch.progress(`${id}: fetching ${project.repo} and adding worktree on ${hostName} (branch ${branch})`);
    const { mirror } = await workspace.add({ mirror: paths.mirror, url: project.url, worktree: paths.worktree, branch, baseBranch: project.baseBranch });
    made.worktree = true;
    made.branch = true;

    if (project.postCreate.length > 0) {
      step = 'post-create';
      orch.progress(`${id}: running ${project.postCreate.length} post-create command(s)`);
      await workspace.postCreate(paths.worktree, project.postCreate);
    }

    step = 'prompt-file';
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
    // Kept outside the worktree so it never counts as the agent's change.
    await run(host, ['sh', '-c', 'mkdir -p "${1%/*}" && cat > "$1"', 'ao-sh', paths.prompt], { stdin: prompt, what: 'writing the prompt file' });
    made.prompt = true;

    step = 'tmux';
    orch.progress(`${id}: starting ${adapter.name} in tmux session ${tmuxName}`);
    const launch = adapter.launchCommand({ sessionId: id, worktree: paths.worktree, agentCommand: project.agentCommand, promptFile: paths.prompt });
    await runtime.create({ name: tmuxName, cwd: paths.worktree, command: launch, env: { AO_SESSION_ID: id, AO_PROJECT: project.name, AO_PROMPT_FILE: paths.prompt } });
    made.tmux = true;

    step = 'deliver-prompt';
    let promptDelivered = adapter.initialPrompt === 'launch';
    if (adapter.initialPrompt === 'message') {
      orch.progress(`${id}: delivering the task prompt`);
      const sent = await sendMessage(orch, id, prompt, { wait: true, timeoutSec: request.readyTimeoutSec ?? 120, located: { host: hostName, project, meta } });
      if (!sent.delivered) throw new AoError('failed', `the agent asked a question before it received its task: ${sent.question ?? ''}`);
      promptDelivered = true;
    }

    step = 'finalize';
    await store.update(project.name, id, (current) => {
      // Someone killed it meanwhile: their decision stands.
      if (current.status !== 'spawning') throw new AoError('conflict', `session ${id} became ${current.status} while it was being spawned`);
      return {
        meta: { ...current, status: 'working', activity: 'active', updatedAt: new Date().toISOString() },
        events: [{ type: 'spawned', session: id, actor: orch.actor, host: hostName, branch, agent: adapter.name, issue: request.issue?.number, prompt }],
      };
    });
    orch.progress(`${id}: ready`);
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
      attach: attachHint(orch, hostName, tmuxName),
    };
  } catch (error) {
    orch.progress(`${id}: spawn failed at step "${step}", rolling back`);
    await rollback(orch, hostName, project, id, n, branch, tmuxName, made, request.issue?.number);
    await store
      .appendEvents(project.name, [{ type: 'spawn_failed', session: id, actor: orch.actor, step, error: error instanceof Error ? error.message : String(error) }])
      .catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new AoError(error instanceof AoError && error.kind !== 'failed' ? error.kind : 'failed', `spawn of ${id} failed at step "${step}": ${message}`, error instanceof AoError ? error.hint : undefined, {
      step,
    });
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
  const paths = await orch.paths(hostName, project, id).catch(() => undefined);
  if (made.tmux) await attempt('tmux', () => orch.runtime(hostName).kill(tmuxName));
  if (made.record) {
    // Someone acted on the session meanwhile (a kill, maybe refused to keep unsaved work): their state stands.
    const current = await orch.store(hostName).read(project.name, id).catch(() => undefined);
    if (current && current.status !== 'spawning') return;
  }
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
    let record: { meta: Record<string, string> } | undefined;
    let fresh = snapshots;
    for (let wait = 0; wait < 10 && !record; wait++) {
      if (wait > 0) await new Promise((r) => setTimeout(r, 500));
      fresh = await orch.snapshotAll();
      record = fresh.flatMap((s) => s.sessions).find((r) => r.id === holder);
    }
    if (record && active(record.meta.status)) return holder;
    if (!record && fresh.some((s) => !s.reachable)) {
      throw new AoError('conflict', `issue #${issue} is claimed by ${holder || 'an unknown session'}, which may be on an unreachable host`, 'check the hosts with `ao doctor`, or pass --force');
    }
    await store.releaseIssue(project, issue, holder);
  }
  throw new AoError('conflict', `could not claim issue #${issue} for a new session`, 'retry, or pass --force');
}

function existingResult(orch: Orchestrator, host: string, project: ProjectConfig, meta: Record<string, string>): SpawnResult {
  return {
    id: meta.id!,
    host,
    project: project.name,
    branch: meta.branch ?? '',
    worktree: meta.worktree ?? '',
    tmuxName: meta.tmuxName ?? '',
    agent: meta.agent ?? '',
    existing: true,
    promptDelivered: false,
    mirror: null,
    attach: attachHint(orch, host, meta.tmuxName ?? ''),
  };
}

export function attachHint(orch: Orchestrator, host: string, tmuxName: string): string {
  return `ao open ${tmuxName.slice(orch.hash12.length + 1)}`;
}
