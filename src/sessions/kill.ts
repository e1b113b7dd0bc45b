import type { ProjectConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { backupRef } from '../core/layout.js';
import { applyPatch, type SessionRecord } from '../core/record.js';
import type { HeldSession } from '../hosts/store.js';
import { EXIT } from '../hosts/scripts.js';
import type { SaveResult } from '../hosts/workspace.js';
import type { Orchestrator } from './orchestrator.js';

export interface KillOptions {
  /** Kill even when unsaved work could not be saved. */
  force?: boolean;
  reason?: string;
}

export interface SavedWork {
  /** Commits not on origin, kept in the backup ref. */
  commits: number;
  staged: number;
  unstaged: number;
  untracked: number;
  /** Ignored paths and nested repositories kept in the archive on the host. */
  ignored: number;
  nested: number;
}

export interface KillResult {
  id: string;
  host: string;
  /** False when the session was already killed (a no-op). */
  killed: boolean;
  alreadyKilled: boolean;
  /** Where unpushed commits and uncommitted changes were saved, if there were any. */
  backupRef: string | null;
  backupCommit: string | null;
  /** Where ignored files and nested repositories were kept on the host, if there were any. */
  archive: string | null;
  saved: SavedWork;
  /** Ignored paths deleted as regenerable (projects[].disposable), or given up with --force. */
  discarded: string[];
  /** Unsaved work was discarded because --force was given. */
  discardedUnsavedWork: boolean;
  message: string;
}

const NOTHING: SavedWork = { commits: 0, staged: 0, unstaged: 0, untracked: 0, ignored: 0, nested: 0 };

/**
 * Kill a session: save everything it is about to delete (commits and
 * changes to a backup ref in origin, ignored files and nested repositories
 * to an archive on the host) or refuse, naming what it would lose, unless
 * --force; then kill tmux, remove the worktree and mark it killed. The
 * metadata and the event log stay for the audit trail.
 */
export async function killSession(orch: Orchestrator, id: string, options: KillOptions = {}): Promise<KillResult> {
  const { host, project, record } = await orch.locate(id);
  if (record.status === 'killed') return alreadyKilled(id, host, record);
  const store = orch.store(host);
  // Every lock kill needs is held before anything is stopped or deleted: the runtime (a
  // restore or spawn may race) and the record (so the end state is always written).
  return store.withLocks(project.name, id, ['runtime', 'record'], async (held) => {
    const current = await held.read();
    if (!current) throw new AoError('not_found', `session ${id} has no record any more`);
    if (current.status === 'killed') return alreadyKilled(id, host, current);
    return killLocked(orch, host, project, current, held, options);
  });
}

function alreadyKilled(id: string, host: string, record: SessionRecord): KillResult {
  return {
    id,
    host,
    killed: false,
    alreadyKilled: true,
    backupRef: record.backupRef ?? null,
    backupCommit: record.backupCommit ?? null,
    archive: record.archive ?? null,
    saved: NOTHING,
    discarded: [],
    discardedUnsavedWork: false,
    message: `session ${id} is already killed; nothing to do`,
  };
}

function describeSaved(saved: SaveResult): string {
  const parts: string[] = [];
  if (saved.commit) {
    const what = [`${saved.unpushed} unpushed commit(s)`, `${saved.staged} staged`, `${saved.unstaged} unstaged`, `${saved.untracked} untracked file(s)`];
    parts.push(`saved ${what.join(', ')} to ${saved.ref} (${saved.commit.slice(0, 12)})`);
  }
  if (saved.archive) parts.push(`kept ${saved.ignored} ignored path(s) and ${saved.nested} nested repositor${saved.nested === 1 ? 'y' : 'ies'} in ${saved.archive}`);
  return parts.join('; ');
}

async function killLocked(orch: Orchestrator, host: string, project: ProjectConfig, record: SessionRecord, held: HeldSession, options: KillOptions): Promise<KillResult> {
  const { id } = record;
  // Paths come from the configuration, never from the (hand-editable) record: kill deletes what they name.
  const paths = await orch.paths(host);
  const worktree = paths.worktree(project.name, id);
  const workspace = orch.workspace(host);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const save = (maxArchiveKb: number) =>
    workspace.saveWork({
      worktree,
      ref: backupRef(orch.deployment, id),
      id,
      archive: paths.savedArchive(project.name, id, stamp),
      maxArchiveKb,
      disposable: project.disposable,
    });

  // Stop the agent first, so nothing changes the tree while it is saved: tmux, and its process
  // group even when tmux does not answer. If it cannot be stopped, nothing is deleted.
  await orch.runtime(host).stopAgent(orch.tmuxName(id), { pid: record.panePid, start: record.paneStart });
  await orch.fault('kill:stopped');
  let saved = await save(orch.config.defaults.killArchiveMaxMb * 1024);
  // Too much ignored material to keep: with --force, git's part is still saved and only that is given up.
  if (saved.state === 'failed' && saved.code === EXIT.TOO_BIG && options.force) saved = await save(-1);
  let discardedUnsavedWork = false;
  if (saved.state === 'failed') {
    if (!options.force) {
      await held.write(applyPatch(record, { status: 'errored', statusReason: 'kill refused: unsaved work could not be saved', panePid: undefined, paneStart: undefined }), [
        { type: 'kill_refused', session: id, actor: orch.actor, error: saved.error },
      ]);
      if (saved.code === EXIT.TOO_BIG) {
        throw new AoError(
          'failed',
          `session ${id}: kill would delete ignored files and nested repositories (${Math.round(saved.archiveKb / 1024)} MB${saved.biggest ? `; biggest: ${saved.biggest}` : ''}), more than the ${orch.config.defaults.killArchiveMaxMb} MB it keeps on the host. The worktree was kept; the agent was stopped.`,
          `add regenerable directories to projects[].disposable, raise defaults.killArchiveMaxMb, move what matters out of ${worktree}, or kill with --force to give them up (commits and changes still go to the backup ref)`,
        );
      }
      throw new AoError(
        'failed',
        `session ${id} has ${saved.unpushed} unpushed commit(s) and ${saved.staged + saved.unstaged + saved.untracked} uncommitted change(s) that could not be saved: ${saved.error ?? 'push failed'}. The worktree was kept; the agent was stopped.`,
        `push the work by hand from ${worktree}, or kill with --force to discard it (restore with \`ao session restore ${id}\`)`,
      );
    }
    discardedUnsavedWork = true;
  }
  await workspace.remove({ mirror: paths.mirror(project.repo), worktree });
  const now = new Date().toISOString();
  const arbiter = orch.pool.names()[0]!;
  if (record.issue) await orch.store(arbiter).releaseIssue(project.name, record.issue, id).catch(() => undefined);
  const reason = options.reason ?? 'killed by command';
  const savedWork: SavedWork = discardedUnsavedWork
    ? NOTHING
    : { commits: saved.commit ? saved.unpushed : 0, staged: saved.staged, unstaged: saved.unstaged, untracked: saved.untracked, ignored: saved.archive ? saved.ignored : 0, nested: saved.archive ? saved.nested : 0 };
  await held.write(
    applyPatch(record, {
      status: 'killed',
      activity: 'exited',
      killedAt: now,
      killReason: reason,
      statusReason: undefined,
      // What restore starts from: this kill's saved state, or (clean) the branch alone.
      backupCommit: discardedUnsavedWork ? undefined : saved.commit,
      archive: discardedUnsavedWork ? undefined : saved.archive,
      ...(saved.ref ? { backupRef: saved.ref } : {}),
      panePid: undefined,
      paneStart: undefined,
    }),
    [{ type: 'killed', session: id, actor: orch.actor, reason, backupRef: saved.ref, backupCommit: saved.commit, archive: saved.archive, saved: savedWork, discarded: saved.dropped, discardedUnsavedWork }],
  );
  const parts = [`killed ${id}`];
  const what = describeSaved(saved);
  if (what && !discardedUnsavedWork) parts.push(what);
  if (saved.dropped.length > 0) parts.push(`deleted ${saved.dropped.length} regenerable or given-up path(s): ${saved.dropped.join(' ')}`);
  if (discardedUnsavedWork) parts.push('unsaved work was discarded (--force)');
  return {
    id,
    host,
    killed: true,
    alreadyKilled: false,
    backupRef: discardedUnsavedWork ? null : (saved.ref ?? null),
    backupCommit: discardedUnsavedWork ? null : (saved.commit ?? null),
    archive: discardedUnsavedWork ? null : (saved.archive ?? null),
    saved: savedWork,
    discarded: saved.dropped,
    discardedUnsavedWork,
    message: parts.join('; '),
  };
}
