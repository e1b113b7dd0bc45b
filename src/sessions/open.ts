import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isLocalHostConfig, type SshHostConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { parseSessionId } from '../core/names.js';
import { shellLine } from '../core/shell.js';
import { SshHost } from '../hosts/ssh.js';
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
    views = [{ id: what, host: located.host, tmuxName: orch.tmuxName(what), status: located.record.status }];
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
      : // Never trust on first use here either: ssh checks the key our own (pinned) connection verified.
        ['ssh', '-t', '-o', 'StrictHostKeyChecking=yes', ...knownHostsOption(orch, cfg), '-p', String(cfg.port), '-i', cfg.privateKey, `${cfg.user}@${cfg.address}`, shellLine(tmux)];
    return { id: v.id, host: v.host, argv, command: shellLine(argv) };
  });
}

/** ao's own known_hosts file, holding keys only after they matched their pins. */
export function knownHostsFile(): string {
  return process.env.AO_KNOWN_HOSTS ?? path.join(os.homedir(), '.config', 'agent-orchestrator', 'known_hosts');
}

/**
 * The system ssh must trust exactly the pinned key. The pooled connection has
 * already checked the host's key against the pin; write that key to ao's
 * known_hosts and point ssh at it. With no verified key at hand, ssh falls
 * back to the user's own known_hosts (still strict).
 */
function knownHostsOption(orch: Orchestrator, cfg: SshHostConfig): string[] {
  const host = orch.pool.host(cfg.name);
  const seen = host instanceof SshHost ? host.lastSeenKey : undefined;
  if (!seen) return [];
  const file = knownHostsFile();
  const name = cfg.port === 22 ? cfg.address : `[${cfg.address}]:${cfg.port}`;
  let lines: string[] = [];
  try {
    lines = readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith(`${name} `));
  } catch {
    /* first use */
  }
  lines.push(`${name} ${seen.publicKey}`);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return ['-o', `UserKnownHostsFile=${file}`];
}
