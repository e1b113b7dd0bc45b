import { getAdapter } from '../agents/index.js';
import { AoError } from '../core/errors.js';
import { execScript } from '../hosts/host.js';
import { scriptFacts } from '../hosts/script-output.js';
import { hostScript } from '../hosts/scripts.js';
import type { Orchestrator } from './orchestrator.js';
import { sendMessage } from './send.js';
import { observe } from './view.js';

export interface RestoreResult {
  id: string;
  host: string;
  worktree: 'present' | 'recreated';
  /** The work kill saved: put back, left in the backup ref (the branch moved on since), or there was none to use. */
  saved: 'applied' | 'unapplied' | 'none';
  /** Where an unusable directory at the worktree's place was moved (never deleted). */
  movedAside: string | null;
  runtime: 'new-session' | 'respawned';
  resumed: boolean;
  briefed: boolean;
  restoredAt: string;
}

/**
 * Bring a crashed or killed (unmerged) session back: worktree (recreated
 * from its branch if gone), a tmux session (or a fresh agent in the live
 * one), the agent resumed where it can be, and a note of where it stands.
 */
export async function restoreSession(orch: Orchestrator, id: string, options: { readyTimeoutSec?: number } = {}): Promise<RestoreResult> {
  const located = await orch.locate(id);
  const { host, project, record, snapshot } = located;
  if (record.status === 'merged') throw new AoError('conflict', `session ${id} is merged; its work is done and it cannot be restored`, 'spawn a new session for follow-up work');
  const tmuxName = orch.tmuxName(id);
  const observation = observe(orch, record.agent, snapshot.panes.get(tmuxName), true);
  if (observation.runtime === 'alive' && observation.activity !== 'exited') {
    throw new AoError('conflict', `session ${id} is running (agent ${observation.activity}); there is nothing to restore`, `attach with \`ao open ${id}\` or send it a message`);
  }
  const adapter = getAdapter(record.agent);
  const paths = await orch.paths(host);
  // From the configuration, not the hand-editable record.
  const worktreePath = paths.worktree(project.name, id);
  const promptFile = paths.prompt(project.name, id);

  orch.progress({ session: id, step: 'worktree', message: `${id}: checking the worktree on ${host}` });
  const restored = await orch.workspace(host).restore({
    mirror: paths.mirror(project.repo),
    url: project.url,
    worktree: worktreePath,
    branch: record.branch,
    backupRef: record.backupRef,
    savedCommit: record.backupCommit,
    archive: record.archive,
  });
  const { state: worktree, movedAside } = restored;
  if (movedAside) orch.progress({ session: id, step: 'worktree', message: `${id}: the old directory was not a usable worktree; it was moved to ${movedAside}` });

  const ctx = { sessionId: id, worktree: worktreePath, agentCommand: project.agentCommand, promptFile };
  const resumeCommand = adapter.resumeCommand?.(ctx);
  const command = resumeCommand ?? adapter.launchCommand(ctx);
  const env = { AO_SESSION_ID: id, AO_PROJECT: project.name, AO_PROMPT_FILE: promptFile };
  const runtime = orch.runtime(host);
  let how: RestoreResult['runtime'];
  if (observation.runtime === 'alive') {
    orch.progress({ session: id, step: 'tmux', message: `${id}: the agent had exited; starting it again in the live tmux session` });
    await runtime.respawn({ name: tmuxName, cwd: worktreePath, command, env });
    how = 'respawned';
  } else {
    orch.progress({ session: id, step: 'tmux', message: `${id}: starting a new tmux session` });
    await runtime.create({ name: tmuxName, cwd: worktreePath, command, env });
    how = 'new-session';
  }

  const restoredAt = new Date().toISOString();
  const updated = await orch.store(host).patchRecord(project.name, id, { status: 'working', activity: 'active', restoredAt, statusReason: undefined }, [
    { type: 'restored', session: id, actor: orch.actor, worktree, runtime: how, resumed: Boolean(resumeCommand), saved: restored.saved, archive: restored.archive },
  ]);

  // Tell the agent where it stands.
  const facts = scriptFacts((await execScript(orch.pool.host(host), hostScript('where-it-stands'), [worktreePath])).stdout);
  const savedNote =
    restored.saved === 'applied'
      ? 'The work saved when it was killed is back: commits, staged and unstaged changes and untracked files' +
        (restored.archive === 'restored' ? ', and the ignored files and nested repositories kept on the host. ' : '. ')
      : restored.saved === 'unapplied'
        ? `The branch has moved on since the work was saved at the kill, so those changes were not applied; they are in ${record.backupRef} (commit ${record.backupCommit?.slice(0, 12)}): see them with \`git show ${record.backupCommit?.slice(0, 12)}\`. `
        : '';
  const archiveNote = restored.archive === 'missing' ? `The archive of ignored files saved at the kill (${record.archive}) is missing. ` : '';
  const note =
    `This session (${id}) was restored${record.killedAt ? ' after it was killed' : ' after its agent stopped'}. ` +
    `You are on branch ${record.branch} in ${worktreePath}${worktree === 'recreated' ? ' (the worktree was recreated)' : ''}. ` +
    savedNote +
    archiveNote +
    `Last commit: ${facts.head || 'none'}; ${facts.staged ?? '?'} staged, ${facts.unstaged ?? '?'} unstaged, ${facts.untracked ?? '?'} untracked file(s); ${facts.unpushed ?? '?'} unpushed commit(s). ` +
    (movedAside ? `Files that were at this place before were moved to ${movedAside}; look there for work that is not in git. ` : '') +
    `Your original task is in ${promptFile}. Continue from where you stopped.`;
  let briefed = false;
  try {
    const sent = await sendMessage(orch, id, note, { wait: true, timeoutSec: options.readyTimeoutSec ?? 120, located: { host, project, record: updated } });
    briefed = sent.delivered;
  } catch (error) {
    orch.log.warn({ session: id }, `restored, but the briefing was not delivered: ${String(error)}`);
  }
  return { id, host, worktree, saved: restored.saved, movedAside: movedAside ?? null, runtime: how, resumed: Boolean(resumeCommand), briefed, restoredAt };
}
