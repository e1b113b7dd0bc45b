import { commandEnv, programOf } from '../agents/command.js';
import { getAdapter } from '../agents/index.js';
import { isLocalHostConfig, type HostConfig, type ProjectConfig } from '../core/config.js';
import { agentCheckArgs, parseAgentCheck } from '../core/doctor.js';
import { AoError } from '../core/errors.js';
import { instanceHash } from '../core/names.js';
import { execScript } from '../hosts/host.js';
import type { HostPool } from '../hosts/pool.js';
import { FILE_SEPARATOR, scriptFacts, scriptSections } from '../hosts/script-output.js';
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
  /** Every agent a project may run here (its agent, or defaults.agent): installed, its version, whether it starts unattended. */
  agents: AgentCheck[];
  problems: string[];
  /** What is worth knowing about the agents but fails nothing. */
  notes: string[];
}

export interface AgentCheck {
  agent: string;
  program: string;
  projects: string[];
  /** Where the host has the program (null: missing). */
  path: string | null;
  installed: boolean;
  /** How to install it, when it is missing. */
  installHint?: string;
  version?: string;
  /**
   * Whether it starts straight at its prompt, with no first-run screen or
   * login in the way (spawn would stall there), as its adapter's doctor
   * script judges; undefined for an agent without one (generic, aider).
   */
  ready?: boolean;
  /** What would stop a fresh start, each with its fix. */
  needs: string[];
  notes: string[];
}

interface AgentEntry {
  agent: string;
  program: string;
  projects: string[];
  installHint?: string;
  /** The adapter's doctor script, and its arguments after dataDir and program. */
  doctorScript?: string;
  setNames: string;
  pathAssignments: string;
}

/**
 * The agents a host must be able to start: those of every project whose host
 * labels the host carries, one entry per agent and command line (two
 * projects may give the same agent different homes).
 */
export function agentPrograms(host: HostConfig, projects: readonly ProjectConfig[]): AgentEntry[] {
  const entries = new Map<string, AgentEntry>();
  for (const project of projects) {
    if (!project.hostLabels.every((l) => host.labels.includes(l))) continue;
    const adapter = getAdapter(project.agent);
    const launch = adapter.launchCommand({ sessionId: `${project.prefix}-1`, worktree: '/', agentCommand: project.agentCommand });
    const program = programOf(launch);
    if (!program) continue;
    const { setNames, pathAssignments } = agentCheckArgs(commandEnv(launch));
    const key = JSON.stringify([adapter.name, program, setNames, pathAssignments]);
    const entry = entries.get(key) ?? { agent: adapter.name, program, projects: [], installHint: adapter.installHint, doctorScript: adapter.doctorScript, setNames, pathAssignments };
    entry.projects.push(project.name);
    entries.set(key, entry);
  }
  return [...entries.values()];
}

/**
 * One round trip: each agent's doctor script in a subshell of its own, taking
 * its four arguments (dataDir program setNames pathAssignments) from the front
 * and shifting them off, a file separator after each, then the host's checks
 * (scripts/doctor.sh) with the arguments left.
 */
function doctorScript(scripts: readonly string[]): string {
  const parts = [...scripts.flatMap((name) => [`( ${hostScript(name)})`, 'shift 4', `printf '\\034\\n'`]), hostScript('doctor')];
  return `${parts.join('\n')}\n`;
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
    notes: [],
  };
  const host = pool.host(name);
  const entries = agentPrograms(cfg, pool.config.projects);
  const checked = entries.filter((e) => e.doctorScript);
  const dataDir = pool.dataDir(name);
  try {
    const args = [...checked.flatMap((e) => [dataDir, e.program, e.setNames, e.pathAssignments]), dataDir, ...entries.map((e) => e.program)];
    // Each agent answers `--version` within 10 s on the host.
    const result = await execScript(host, doctorScript(checked.map((e) => e.doctorScript!)), args, { timeoutMs: 20_000 + 12_000 * checked.length });
    check.reachable = true;
    if (host instanceof SshHost) check.hostKey = { status: 'match', seen: host.lastSeenKey?.fingerprint };
    const sections = scriptSections(result.stdout, FILE_SEPARATOR, checked.length + 1);
    const facts = scriptFacts(sections[checked.length] ?? '');
    check.git = facts.git || undefined;
    check.tmux = facts.tmux || undefined;
    check.dataDir = facts.root;
    check.dataDirWritable = facts.writable === 'yes';
    if (!check.git) check.problems.push('git is not installed (install it with the host\'s package manager)');
    if (!check.tmux) check.problems.push('tmux is not installed (install it with the host\'s package manager)');
    else if (!/^(next-)?[3-9]\.|^[1-9][0-9]/.test(check.tmux)) check.problems.push(`tmux ${check.tmux} is too old; 3.0 or newer is needed`);
    if (!check.dataDirWritable) check.problems.push(`data dir ${check.dataDir} is not writable by ${local ? 'this user' : (cfg as { user: string }).user}`);
    entries.forEach((e, i) => {
      const found = facts[`program${i + 1}`];
      const path = found && found !== 'missing' ? found : null;
      const reading = e.doctorScript ? parseAgentCheck(sections[checked.indexOf(e)] ?? '') : undefined;
      const agent: AgentCheck = {
        agent: e.agent,
        program: e.program,
        projects: e.projects,
        path,
        installed: path !== null,
        ...(path === null && e.installHint ? { installHint: e.installHint } : {}),
        ...(path !== null && reading?.version ? { version: reading.version } : {}),
        ...(reading ? { ready: path !== null && reading.ready } : {}),
        needs: reading?.needs ?? [],
        notes: reading?.notes ?? [],
      };
      check.agents.push(agent);
      const who = `program "${e.program}" (${e.agent}, for ${e.projects.join(', ')})`;
      if (!path) {
        check.problems.push(`agent ${who} is not installed: ${e.installHint ? `install it (${e.installHint})` : 'install it'}, or set projects[].agentCommand to the command that starts it`);
      } else {
        for (const need of agent.needs) check.problems.push(`agent ${who} will not start unattended: ${need}`);
      }
      for (const note of agent.notes) check.notes.push(`agent ${who}: ${note}`);
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
