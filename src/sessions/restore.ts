import { getAdapter } from '../agents/index.js';
import { AoError } from '../core/errors.js';
import { execScript, scriptFacts } from '../hosts/host.js';
import type { Orchestrator } from './orchestrator.js';
import { sendMessage } from './send.js';
import { observe } from './view.js';

export interface RestoreResult {
  id: string;
  host: string;
  worktree: 'present' | 'recreated';
  /** Where an unusable directory at the worktree's place was moved (never deleted). */
  movedAside: string | null;
  runtime: 'new-session' | 'respawned';
  resumed: boolean;
  briefed: boolean;
  restoredAt: string;
}

const WHERE_IT_STANDS = `cd "$1" || exit 1
echo "head=$(git log -1 --format='%h %s' 2>/dev/null)"
echo "dirty=$(git status --porcelain | wc -l | tr -d ' ')"
echo "unpushed=$(git rev-list HEAD --not --remotes=origin 2>/dev/null | wc -l | tr -d ' ')"
`;

/**
 * Bring a crashed or killed (unmerged) session back: worktree (recreated
 * from its branch if gone), a tmux session (or a fresh agent in the live
 * one), the agent resumed where it can be, and a note of where it stands.
 */
export async function restoreSession(orch: Orchestrator, id: string, options: { readyTimeoutSec?: number } = {}): Promise<RestoreResult> {
  const located = await orch.locate(id);
  const { host, project, meta, snapshot } = located;
  if (meta.status === 'merged') throw new AoError('conflict', `session ${id} is merged; its work is done and it cannot be restored`, 'spawn a new session for follow-up work');
  const pane = snapshot.panes.get(meta.tmuxName!);
  const observation = observe(orch, meta.agent ?? 'generic', pane, true);
  if (observation.runtime === 'alive' && observation.activity !== 'exited') {
    throw new AoError('conflict', `session ${id} is running (agent ${observation.activity}); there is nothing to restore`, `attach with \`ao open ${id}\` or send it a message`);
  }
  const adapter = getAdapter(meta.agent ?? project.agent);
  const paths = await orch.paths(host, project, id);
  // From the configuration, not the hand-editable record.
  const worktreePath = paths.worktree;

  orch.progress(`${id}: checking the worktree on ${host}`);
  const { state: worktree, movedAside } = await orch.workspace(host).restore({ mirror: paths.mirror, url: project.url, worktree: worktreePath, branch: meta.branch! });
  if (movedAside) orch.progress(`${id}: the old directory was not a usable worktree; it was moved to ${movedAside}`);

  const ctx = { sessionId: id, worktree: worktreePath, agentCommand: project.agentCommand, promptFile: paths.prompt };
  const resumeCommand = adapter.resumeCommand?.(ctx);
  const command = resumeCommand ?? adapter.launchCommand(ctx);
  const env = { AO_SESSION_ID: id, AO_PROJECT: project.name, AO_PROMPT_FILE: paths.prompt };
  const runtime = orch.runtime(host);
  let how: RestoreResult['runtime'];
  if (observation.runtime === 'alive') {
    orch.progress(`${id}: the agent had exited; starting it again in the live tmux session`);
    await runtime.respawn({ name: meta.tmuxName!, cwd: worktreePath, command, env });
    how = 'respawned';
  } else {
    orch.progress(`${id}: starting a new tmux session`);
    await runtime.create({ name: meta.tmuxName!, cwd: worktreePath, command, env });
    how = 'new-session';
  }

  const restoredAt = new Date().toISOString();
  await orch.store(host).patch(project.name, id, { status: 'working', activity: 'active', restoredAt, statusReason: undefined, killedAt: meta.killedAt }, [
    { type: 'restored', session: id, actor: orch.actor, worktree, runtime: how, resumed: Boolean(resumeCommand) },
  ]);

  // Tell the agent where it stands.
  const facts = scriptFacts((await execScript(orch.pool.host(host), WHERE_IT_STANDS, [worktreePath])).stdout);
  const note =
    `This session (${id}) was restored${meta.killedAt ? ' after it was killed' : ' after its agent stopped'}. ` +
    `You are on branch ${meta.branch} in ${worktreePath}${worktree === 'recreated' ? ' (the worktree was recreated from the branch)' : ''}. ` +
    `Last commit: ${facts.head || 'none'}; ${facts.dirty ?? '?'} uncommitted change(s); ${facts.unpushed ?? '?'} unpushed commit(s). ` +
    (movedAside ? `Files that were at this place before were moved to ${movedAside}; look there for work that is not in git. ` : '') +
    `Your original task is in ${paths.prompt}. Continue from where you stopped.`;
  let briefed = false;
  try {
    const sent = await sendMessage(orch, id, note, { wait: true, timeoutSec: options.readyTimeoutSec ?? 120, located: { host, project, meta: { ...meta, status: 'working' } } });
    briefed = sent.delivered;
  } catch (error) {
    orch.log.warn({ session: id }, `restored, but the briefing was not delivered: ${String(error)}`);
  }
  return { id, host, worktree, movedAside: movedAside ?? null, runtime: how, resumed: Boolean(resumeCommand), briefed, restoredAt };
}
