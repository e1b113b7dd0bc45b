import { programOf } from '../agents/command.js';
import { getAdapter } from '../agents/index.js';
import { isLocalHostConfig, type HostConfig, type ProjectConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { instanceHash } from '../core/names.js';
import { execScript } from '../hosts/host.js';
import type { HostPool } from '../hosts/pool.js';
import { scriptFacts } from '../hosts/script-output.js';
import { hostScript } from '../hosts/scripts.js';
import { SshHost } from '../hosts/ssh.js';

export interface HostCheck {
  name: string;
  kind: 'local' | 'ssh';
  address: string;
  ok: boolean;
  reachable: boolean;
  hostKey: { status: 'match' | 'mismatch' | 'unpinned' | 'not-applicable' | 'unknown'; seen?: string };
  git?: string;
  tmux?: string;
  dataDir?: string;
  dataDirWritable?: boolean;
  /** The program of every agent a project may run here, and where the host has it (null: missing). */
  agents: { agent: string; program: string; projects: string[]; path: string | null }[];
  problems: string[];
}

/** The agents' programs a host must have: those of every project whose host labels the host carries. */
export function agentPrograms(host: HostConfig, projects: readonly ProjectConfig[]): { agent: string; program: string; projects: string[]; installHint?: string }[] {
  const byProgram = new Map<string, { agent: string; program: string; projects: string[]; installHint?: string }>();
  for (const project of projects) {
    if (!project.hostLabels.every((l) => host.labels.includes(l))) continue;
    const adapter = getAdapter(project.agent);
    const program = programOf(adapter.launchCommand({ sessionId: `${project.prefix}-1`, worktree: '/', agentCommand: project.agentCommand }));
    if (!program) continue;
    const entry = byProgram.get(program) ?? { agent: adapter.name, program, projects: [], installHint: adapter.installHint };
    entry.projects.push(project.name);
    byProgram.set(program, entry);
  }
  return [...byProgram.values()];
}

export interface DoctorReport {
  ok: boolean;
  hosts: HostCheck[];
  /** The private tmux socket this deployment's sessions run on (`tmux -L <socket> ls` on a host lists them). */
  tmuxSocket: string;
}

export async function checkHost(pool: HostPool, name: string): Promise<HostCheck> {
  const cfg = pool.hostConfig(name);
  const local = isLocalHostConfig(cfg);
  const check: HostCheck = {
    name,
    kind: local ? 'local' : 'ssh',
    address: local ? 'localhost' : `${cfg.user}@${cfg.address}:${cfg.port}`,
    ok: false,
    reachable: false,
    hostKey: { status: local ? 'not-applicable' : 'unknown' },
    agents: [],
    problems: [],
  };
  const host = pool.host(name);
  const programs = agentPrograms(cfg, pool.config.projects);
  try {
    const result = await execScript(host, hostScript('doctor'), [pool.dataDir(name), ...programs.map((p) => p.program)], { timeoutMs: 20_000 });
    check.reachable = true;
    if (host instanceof SshHost) check.hostKey = { status: 'match', seen: host.lastSeenKey?.fingerprint };
    const facts = scriptFacts(result.stdout);
    check.git = facts.git || undefined;
    check.tmux = facts.tmux || undefined;
    check.dataDir = facts.root;
    check.dataDirWritable = facts.writable === 'yes';
    if (!check.git) check.problems.push('git is not installed (install it with the host\'s package manager)');
    if (!check.tmux) check.problems.push('tmux is not installed (install it with the host\'s package manager)');
    else if (!/^(next-)?[3-9]\.|^[1-9][0-9]/.test(check.tmux)) check.problems.push(`tmux ${check.tmux} is too old; 3.0 or newer is needed`);
    if (!check.dataDirWritable) check.problems.push(`data dir ${check.dataDir} is not writable by ${local ? 'this user' : (cfg as { user: string }).user}`);
    programs.forEach((p, i) => {
      const found = facts[`program${i + 1}`];
      const path = found && found !== 'missing' ? found : null;
      check.agents.push({ agent: p.agent, program: p.program, projects: p.projects, path });
      if (!path) {
        check.problems.push(
          `agent program "${p.program}" (${p.agent}, for ${p.projects.join(', ')}) is not installed: ${p.installHint ? `install it (${p.installHint})` : 'install it'}, or set projects[].agentCommand to the command that starts it`,
        );
      }
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (host instanceof SshHost) {
      const seen = error instanceof AoError ? (error.details?.seenFingerprint as string | undefined) : undefined;
      if (seen) check.hostKey = { status: cfg && 'hostKey' in cfg && cfg.hostKey ? 'mismatch' : 'unpinned', seen };
    }
    check.problems.push(error instanceof AoError && error.hint ? `${message} (${error.hint})` : message);
  }
  check.ok = check.reachable && check.problems.length === 0;
  return check;
}

export async function doctor(pool: HostPool): Promise<DoctorReport> {
  const hosts = await Promise.all(pool.names().map((name) => checkHost(pool, name)));
  const tmuxSocket = pool.config.tmuxSocket ?? `ao-${instanceHash(pool.config.instance, pool.config.dataDir)}`;
  return { ok: hosts.every((h) => h.ok), hosts, tmuxSocket };
}
