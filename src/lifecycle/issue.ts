import { AoError } from '../core/errors.js';
import { trustedIssue } from '../core/prompt.js';
import { repoRef } from './evidence.js';
import type { GitHubPort, RepoPermission, RepoRef } from '../github/port.js';
import { queueSpawn, unqueueSpawn } from '../sessions/control.js';
import type { Orchestrator } from '../sessions/orchestrator.js';
import type { SpawnRequest, SpawnResult } from '../sessions/spawn.js';

/**
 * An issue as a session's task (SPEC section 4): its title always, its
 * body only when its author may write to the repo (asked of GitHub), each
 * labelled with who wrote it. Text from anyone else never reaches an agent.
 */
export async function issueTask(port: GitHubPort, repo: RepoRef, number: number): Promise<NonNullable<SpawnRequest['issue']> & { state: 'open' | 'closed' }> {
  const issue = await port.getIssue(repo, number);
  const permission: RepoPermission = issue.author ? await port.collaboratorPermission(repo, issue.author).catch((): RepoPermission => 'none') : 'none';
  return { ...trustedIssue({ number: issue.number, title: issue.title, body: issue.body, ...(issue.author ? { author: issue.author } : {}) }, permission), state: issue.state };
}

/** The task for an issue as every surface gives it: trusted parts only when GitHub can be asked, else its number alone. */
export async function issueTaskFor(orch: Orchestrator, project: string, number: number): Promise<NonNullable<SpawnRequest['issue']>> {
  const port = await orch.github();
  if (!port) return { number };
  try {
    const { state: _state, ...task } = await issueTask(port, repoRef(orch.project(project).repo), number);
    return task;
  } catch (error) {
    orch.progress({ step: 'issue', message: `issue #${number} could not be read on GitHub (${error instanceof Error ? error.message : String(error)}): the agent gets its number only` });
    return { number };
  }
}

export type IssueSpawnOutcome = { started: SpawnResult } | { queued: number; reason: string } | { refused: string };

/**
 * Spawn for an issue the way the app and the engine do: with the trusted
 * task, as the person who asked. A project at its cap queues the spawn (it
 * starts when a slot frees); a paused one queues it too, until resumed.
 */
export async function spawnForIssue(orch: Orchestrator, project: string, number: number, by: string, options: { queue?: boolean; prompt?: string; agent?: string } = {}): Promise<IssueSpawnOutcome> {
  const port = await orch.github();
  const p = orch.project(project);
  const found = port ? await issueTask(port, repoRef(p.repo), number) : undefined;
  // A queued issue closed meanwhile is not worked on any more.
  if (found?.state === 'closed') {
    await unqueueSpawn(orch, p.name, number).catch(() => undefined);
    return { refused: `issue #${number} is closed` };
  }
  const { state: _state, ...issue } = found ?? { number, state: 'open' as const };
  const { spawnSession } = await import('../sessions/spawn.js');
  try {
    const started = await spawnSession(orch, { project: p.name, issue, ...(options.prompt ? { prompt: options.prompt } : {}), ...(options.agent ? { agent: options.agent } : {}) });
    await unqueueSpawn(orch, p.name, number).catch(() => undefined);
    return { started };
  } catch (error) {
    const reason = error instanceof AoError ? (error.details?.reason as string | undefined) : undefined;
    if ((reason === 'at_cap' || reason === 'paused') && options.queue !== false) {
      const control = await queueSpawn(orch, p.name, { issue: number, at: new Date().toISOString(), by });
      return { queued: control.queue.findIndex((q) => q.issue === number) + 1, reason: (error as AoError).message.replace(/^not spawned: /, '') };
    }
    throw error;
  }
}
