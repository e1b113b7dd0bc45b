import { getAdapter } from '../agents/index.js';
import { AoError } from '../core/errors.js';
import { applyPatch } from '../core/record.js';
import { execScript } from '../hosts/host.js';
import { scriptFacts } from '../hosts/script-output.js';
import { hostScript } from '../hosts/scripts.js';
import type { RestoredWorktree } from '../hosts/workspace.js';
import type { Orchestrator } from './orchestrator.js';
import { assertMayStart } from './control.js';
import { sendMessage } from './send.js';
import { agentProcessAlive, observe } from './view.js';
import { agentHooks } from './agent-setup.js';

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
 * from the newest saved state if gone), a tmux session (or a fresh agent in
 * the live one), the agent resumed where it can be, and a note of where it
 * stands. It holds the session's runtime and record locks throughout, so a
 * kill or another restore waits for it, and it decides from a look taken
 * under those locks.
 */
export async function restoreSession(orch: Orchestrator, id: string, options: { readyTimeoutSec?: number } = {}): Promise<RestoreResult> {
  const { host, project } = await orch.locate(id);
  const store = orch.store(host);
  const tmuxName = orch.tmuxName(id);
  const paths = await orch.paths(host);
  // From the configuration, not the hand-editable record.
  const worktreePath = paths.worktree(project.name, id);
  const promptFile = paths.prompt(project.name, id);

  const done = await store.withLocks(project.name, id, ['runtime', 'record'], async (held) => {
    const record = await held.read();
    if (!record) throw new AoError('not_found', `session ${id} has no record any more`);
    if (record.status === 'merged') throw new AoError('conflict', `session ${id} is merged; its work is done and it cannot be restored`, 'spawn a new session for follow-up work');
    // A killed session brought back is one more live session: the project's switches apply as to a spawn.
    if (record.status === 'killed') await assertMayStart(orch, project, await orch.snapshotAll(), { verb: `${id} not restored` });
    const snapshot = await orch.snapshot(host);
    if (!snapshot.reachable) throw new AoError('host', `host "${host}" could not be asked about session ${id}: ${snapshot.error}`);
    const agentAlive = agentProcessAlive(snapshot.processes, record.panePid, record.paneStart);
    const observation = observe(orch, record.agent, snapshot.panes.get(tmuxName), true, Date.now(), undefined, agentAlive);
    if (observation.runtime === 'unknown') {
      throw new AoError('conflict', `session ${id}: ${observation.doubt}; restoring would start a second agent in the same worktree`, `stop the old one first: ao session kill ${id}`);
    }
    if (observation.runtime === 'alive' && observation.activity !== 'exited') {
      throw new AoError('conflict', `session ${id} is running (agent ${observation.activity}); there is nothing to restore`, `attach with \`ao open ${id}\` or send it a message`);
    }
    const adapter = getAdapter(record.agent);

    const access = await orch.prepareCredentials(host, project);
    orch.progress({ session: id, step: 'worktree', message: `${id}: checking the worktree on ${host}` });
    const restored: RestoredWorktree = await orch.workspace(host).restore({
      mirror: paths.mirror(project.repo),
      url: project.url,
      worktree: worktreePath,
      branch: record.branch,
      backupRef: record.backupRef,
      savedCommit: record.backupCommit,
      archive: record.archive,
      credentialHelper: access.credentialHelper,
    });
    if (restored.movedAside) orch.progress({ session: id, step: 'worktree', message: `${id}: the old directory was not a usable worktree; it was moved to ${restored.movedAside}` });

    const hooks = agentHooks(orch, project, paths, id);
    const ctx = { sessionId: id, worktree: worktreePath, agentCommand: project.agentCommand, promptFile, ...(hooks.hooks ? { hooks: hooks.hooks } : {}) };
    const resumeCommand = adapter.resumeCommand?.(ctx);
    const command = resumeCommand ?? adapter.launchCommand(ctx);
    const env = { ...access.env, ...hooks.env, AO_SESSION_ID: id, AO_PROJECT: project.name, AO_PROMPT_FILE: promptFile };
    const runtime = orch.runtime(host);
    const how: RestoreResult['runtime'] = observation.runtime === 'alive' ? 'respawned' : 'new-session';
    orch.progress({
      session: id,
      step: 'tmux',
      message: how === 'respawned' ? `${id}: the agent had exited; starting it again in the live tmux session` : `${id}: starting a new tmux session`,
    });
    const started = await runtime.start({ name: tmuxName, cwd: worktreePath, command, env }, how === 'respawned' ? 'respawn' : 'new');

    const restoredAt = new Date().toISOString();
    const updated = applyPatch(record, { status: 'working', activity: 'active', restoredAt, statusReason: undefined, panePid: started.pid, paneStart: started.start || undefined });
    await held.write(updated, [
      { type: 'restored', session: id, actor: orch.actor, worktree: restored.state, runtime: how, resumed: Boolean(resumeCommand), saved: restored.saved, archive: restored.archive },
    ]);
    return { record, updated, restored, how, resumed: Boolean(resumeCommand), restoredAt };
  });

  // Tell the agent where it stands (after the locks: a message takes the send lock).
  const { record, updated, restored, how, resumed, restoredAt } = done;
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
    `You are on branch ${record.branch} in ${worktreePath}${restored.state === 'recreated' ? ' (the worktree was recreated)' : ''}. ` +
    savedNote +
    archiveNote +
    `Last commit: ${facts.head || 'none'}; ${facts.staged ?? '?'} staged, ${facts.unstaged ?? '?'} unstaged, ${facts.untracked ?? '?'} untracked file(s); ${facts.unpushed ?? '?'} unpushed commit(s). ` +
    (restored.movedAside ? `Files that were at this place before were moved to ${restored.movedAside}; look there for work that is not in git. ` : '') +
    `Your original task is in ${promptFile}. Continue from where you stopped.`;
  let briefed = false;
  try {
    const sent = await sendMessage(orch, id, note, { wait: true, timeoutSec: options.readyTimeoutSec ?? 120, located: { host, project, record: updated } });
    briefed = sent.delivered;
  } catch (error) {
    orch.log.warn({ session: id }, `restored, but the briefing was not delivered: ${String(error)}`);
  }
  return { id, host, worktree: restored.state, saved: restored.saved, movedAside: restored.movedAside ?? null, runtime: how, resumed, briefed, restoredAt };
}
