import { isLocalHostConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { parseSessionId } from '../core/names.js';
import { shellLine } from '../core/shell.js';
import { listSessions } from './list.js';
import type { Orchestrator } from './orchestrator.js';

export interface AttachTarget {
  id: string;
  host: string;
  /** Argv to run locally that attaches to the session (ssh -t for remote hosts). */
  argv: string[];
  /** The same as one shell line. */
  command: string;
}

/** Resolve `id | project | all` to attach commands. Ctrl+B, D detaches. */
export async function attachTargets(orch: Orchestrator, what: string): Promise<AttachTarget[]> {
  let views;
  if (parseSessionId(what)) {
    const located = await orch.locate(what);
    views = [{ id: what, host: located.host, tmuxName: located.meta.tmuxName!, status: located.meta.status }];
  } else {
    const project = what === 'all' ? undefined : orch.project(what).name;
    views = (await listSessions(orch, { project })).sessions.filter((s) => s.activity !== null && s.status !== 'errored');
    if (views.length === 0) throw new AoError('not_found', `no running sessions${project ? ` in project ${project}` : ''}`, 'list them with `ao session ls`');
  }
  return views.map((v) => {
    if (v.status === 'killed') throw new AoError('conflict', `session ${v.id} is killed`, `restore it first: ao session restore ${v.id}`);
    const cfg = orch.pool.hostConfig(v.host);
    const tmux = ['tmux', '-L', orch.tmuxSocket, 'attach-session', '-t', `=${v.tmuxName}`];
    const argv = isLocalHostConfig(cfg)
      ? tmux
      : // Never trust on first use here either: ssh must already know the host's key.
        ['ssh', '-t', '-o', 'StrictHostKeyChecking=yes', '-p', String(cfg.port), '-i', cfg.privateKey, `${cfg.user}@${cfg.address}`, shellLine(tmux)];
    return { id: v.id, host: v.host, argv, command: shellLine(argv) };
  });
}
