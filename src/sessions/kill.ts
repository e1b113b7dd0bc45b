import type { ProjectConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { backupRef } from '../core/layout.js';
import type { SessionRecord } from '../core/record.js';
import type { Orchestrator } from './orchestrator.js';

export interface KillOptions {
  /** Kill even when unsaved work could not be saved. */
  force?: boolean;
  reason?: string;
}

export interface KillResult {
  id: string;
  host: string;
  /** False when the session was already killed (a no-op). */
  killed: boolean;
  alreadyKilled: boolean;
  /** Where unpushed commits / uncommitted changes were saved, if there were any. */
  backupRef: string | null;
  backupCommit: string | null;
  /** Unsaved work was discarded because --force was given. */
  discardedUnsavedWork: boolean;
  message: string;
}

/**
 * Kill a session: save unpushed or uncommitted work to a backup ref (or
 * refuse without --force), kill tmux, remove the worktree, mark it killed.
 * The metadata and the event log stay for the audit trail.
 */
export async function killSession(orch: Orchestrator, id: string, options: KillOptions = {}): Promise<KillResult> {
  const { host, project, record } = await orch.locate(id);
  if (record.status === 'killed') return alreadyKilled(id, host, record);
  const store = orch.store(host);
  // One change to the runtime at a time per session (cleanup and a person may race).
  return store.withLock(project.name, id, 'runtime', async () => {
    const current = await store.readRecord(project.name, id);
    if (current?.status === 'killed') return alreadyKilled(id, host, current);
    return killLocked(orch, host, project, current ?? record, options);
  });
}

function alreadyKilled(id: string, host: string, record: SessionRecord): KillResult {
  return { id, host, killed: false, alreadyKilled: true, backupRef: record.backupRef ?? null, backupCommit: null, discardedUnsavedWork: false, message: `session ${id} is already killed; nothing to do` };
}

async function killLocked(orch: Orchestrator, host: string, project: ProjectConfig, record: SessionRecord, options: KillOptions): Promise<KillResult> {
  const { id } = record;
  const store = orch.store(host);
  // Paths come from the configuration, never from the (hand-editable) record: kill deletes what they name.
  const paths = await orch.paths(host);
  const worktree = paths.worktree(project.name, id);
  const ref = backupRef(id);

  // Stop the agent first, so nothing changes the tree while it is saved.
  await orch.runtime(host).kill(orch.tmuxName(id));
  const saved = await orch.workspace(host).saveWork(worktree, ref, id);
  let discarded = false;
  if (saved.state === 'failed') {
    if (!options.force) {
      await store.patchRecord(project.name, id, { status: 'errored', statusReason: 'kill refused: unsaved work could not be saved' }, [
        { type: 'kill_refused', session: id, actor: orch.actor, error: saved.error },
      ]);
      throw new AoError(
        'failed',
        `session ${id} has ${saved.unpushed} unpushed commit(s) and ${saved.dirty} uncommitted change(s) that could not be saved to ${ref}: ${saved.error ?? 'push failed'}. The worktree was kept; the agent was stopped.`,
        `push the work by hand from ${worktree}, or kill with --force to discard it (restore with \`ao session restore ${id}\`)`,
      );
    }
    discarded = true;
  }
  await orch.workspace(host).remove({ mirror: paths.mirror(project.repo), worktree });
  const now = new Date().toISOString();
  const arbiter = orch.pool.names()[0]!;
  if (record.issue) await orch.store(arbiter).releaseIssue(project.name, record.issue, id).catch(() => undefined);
  const reason = options.reason ?? 'killed by command';
  await store.patchRecord(
    project.name,
    id,
    {
      status: 'killed',
      activity: 'exited',
      killedAt: now,
      killReason: reason,
      ...(saved.state === 'saved' ? { backupRef: saved.ref } : {}),
      statusReason: undefined,
    },
    [{ type: 'killed', session: id, actor: orch.actor, reason, backupRef: saved.ref, backupCommit: saved.commit, discardedUnsavedWork: discarded }],
  );
  const parts = [`killed ${id}`];
  if (saved.state === 'saved') parts.push(`saved ${saved.unpushed} unpushed commit(s) and ${saved.dirty} uncommitted change(s) to ${saved.ref} (${saved.commit?.slice(0, 12)})`);
  if (discarded) parts.push('unsaved work was discarded (--force)');
  return {
    id,
    host,
    killed: true,
    alreadyKilled: false,
    backupRef: saved.state === 'saved' ? (saved.ref ?? null) : null,
    backupCommit: saved.state === 'saved' ? (saved.commit ?? null) : null,
    discardedUnsavedWork: discarded,
    message: parts.join('; '),
  };
}
