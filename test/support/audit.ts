import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseMetadata } from '../../src/core/metadata.js';
import { TERMINAL_STATUSES } from '../../src/core/model.js';
import { parseRecord, type SessionRecord } from '../../src/core/record.js';
import type { SessionRig } from './rig.js';
import { descendantsOf } from './sshd.js';

/**
 * A consistency audit of a rig after a run: what the records say is checked
 * against what is really there, by looking at it directly (tmux on the rig's
 * socket, git, /proc, the files under each host's data dir), never through
 * the code under test's own views. Records are parsed with the project's
 * record parser, the one thing only the code knows. Returns the problems
 * found, one line each; an empty list means the end state is consistent.
 *
 * Both hosts of a rig (the local one and the loopback SSH one) live on this
 * machine, so their files and processes are all visible from here.
 */

/** Statuses whose session has a running agent: its tmux session and worktree must be there. */
const RUNNING_STATUSES = new Set(['working', 'pr_open', 'ci_failed', 'review_pending', 'changes_requested', 'approved', 'mergeable', 'needs_input', 'stuck']);

export interface AuditedRecord {
  host: string;
  dataRoot: string;
  project: string;
  id: string;
  record: SessionRecord;
}

interface HostLayout {
  name: string;
  /** <dataDir>/<instance> on this machine. */
  root: string;
}

function hostLayouts(rig: SessionRig): HostLayout[] {
  const hosts = (rig.configRaw.hosts as { name: string; dataDir?: string }[] | undefined) ?? [];
  return hosts.map((h) => ({ name: h.name, root: path.join(h.dataDir ?? (rig.configRaw.dataDir as string), rig.config.instance) }));
}

const ls = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

function tryGit(cwd: string, ...args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The tmux sessions on the rig's socket: name -> pane pid of the active pane; undefined when tmux does not answer. */
function tmuxSessions(socket: string): Map<string, number> | undefined {
  try {
    const out = execFileSync('tmux', ['-L', socket, 'list-panes', '-a', '-F', '#{session_name} #{window_active}#{pane_active} #{pane_pid}'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const sessions = new Map<string, number>();
    for (const line of out.split('\n')) {
      const [name, active, pid] = line.split(' ');
      if (name && active === '11') sessions.set(name, Number(pid));
    }
    return sessions;
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer | string }).stderr ?? '');
    if (/no server running|error connecting|No such file or directory/.test(stderr)) return new Map();
    return undefined;
  }
}

/** Start ticks of a process (field 22 of /proc/<pid>/stat), undefined when it is gone. */
function startOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return undefined; // a zombie has ended
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number | undefined, start?: string): boolean {
  if (!pid) return false;
  const now = startOf(pid);
  return now !== undefined && (!start || now === start);
}

/** Where a process runs: its cwd, or undefined when it cannot be read (gone). " (deleted)" marks a removed directory. */
function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

function environOf(pid: number): Map<string, string> {
  const env = new Map<string, string>();
  try {
    for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
  } catch {
    /* gone, or not ours to read */
  }
  return env;
}

function inside(dir: string, cwd: string): boolean {
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    /* gone: compare as written */
  }
  return cwd === real || cwd.startsWith(`${real}/`) || cwd === dir || cwd.startsWith(`${dir}/`);
}

/** Every session record under a host's root; unreadable ones are problems. */
export function readRecords(rig: SessionRig, problems: string[] = []): AuditedRecord[] {
  const out: AuditedRecord[] = [];
  for (const host of hostLayouts(rig)) {
    for (const project of ls(host.root)) {
      if (project === 'repos') continue;
      const dir = path.join(host.root, project, 'sessions');
      for (const id of ls(dir)) {
        if (id.startsWith('.')) continue;
        const file = path.join(dir, id);
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (error) {
          problems.push(`${host.name}: record ${project}/${id} cannot be read: ${String(error)}`);
          continue;
        }
        let parsed: ReturnType<typeof parseRecord>;
        try {
          parsed = parseRecord(parseMetadata(text));
        } catch (error) {
          problems.push(`${host.name}: record ${project}/${id} does not parse: ${String(error)}`);
          continue;
        }
        if (!parsed.ok) {
          problems.push(`${host.name}: record ${project}/${id} is not a valid record: ${parsed.problem}`);
          continue;
        }
        if (parsed.record.id !== id) {
          problems.push(`${host.name}: record file ${project}/${id} holds session ${JSON.stringify(parsed.record.id)}`);
          continue;
        }
        out.push({ host: host.name, dataRoot: host.root, project, id, record: parsed.record });
      }
    }
  }
  return out;
}

/** This machine's boot ID as lock holders name it (holder.ts: the first 16 hex digits). */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '').slice(0, 16);
  } catch {
    return '';
  }
}

/**
 * Whether the process a holder string names (`machine:pid:start`) runs:
 * true or false for a process of this machine, undefined when it cannot be
 * told from here (another machine, or not a holder string at all).
 */
function holderAlive(holder: string | undefined): boolean | undefined {
  const m = holder ? /^([^:]+):(\d+):(\S+)$/.exec(holder) : null;
  if (!m || m[1] !== bootId()) return undefined;
  return alive(Number(m[2]), m[3] === 'unknown' ? undefined : m[3]);
}

/** Whether a spawning record's spawner still runs. */
function spawnerAlive(record: SessionRecord): boolean {
  return holderAlive(record.spawner) !== false && record.spawner !== undefined;
}

/** Modes of what ao writes under a data root: nothing may be readable or writable by group or others. */
function openModes(root: string): string[] {
  const found: string[] = [];
  const walk = (p: string, depth: number) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) found.push(`${p} (mode ${(st.mode & 0o777).toString(8)})`);
    // Worktrees and mirrors: their top directory is checked; what agents and git write inside is theirs.
    if (st.isDirectory() && depth < 8) {
      const base = path.basename(p);
      if (path.basename(path.dirname(p)) === 'worktrees' || base.endsWith('.git')) return;
      for (const entry of ls(p)) walk(path.join(p, entry), depth + 1);
    }
  };
  walk(root, 0);
  return found;
}

export interface AuditOptions {
  /** Skip the permission walk (a test that made a file public on purpose says so). */
  skipModes?: boolean;
}

/** The audit. Returns the problems found (empty: consistent). */
export function auditRig(rig: SessionRig, options: AuditOptions = {}): string[] {
  const problems: string[] = [];
  const hash12 = rig.orch.hash12;
  const prefix = `${hash12}-`;
  const records = readRecords(rig, problems);
  const tmux = tmuxSessions(rig.socket);
  if (!tmux) problems.push(`tmux on socket ${rig.socket} does not answer (was its socket file left moved away?)`);
  const sessions = tmux ?? new Map<string, number>();
  const byKey = new Map(records.map((r) => [`${r.host}/${r.project}/${r.id}`, r]));
  /** A record that may own a runtime and a worktree: not ended, not a spawn whose spawner is gone. */
  const owning = (r: AuditedRecord) => !TERMINAL_STATUSES.has(r.record.status) && (r.record.status !== 'spawning' || spawnerAlive(r.record));

  // The agents of this rig, found by the environment tmux gave their panes (AO_SESSION_ID, AO_PROMPT_FILE under a host's root).
  const roots = hostLayouts(rig);
  const agents: { pid: number; host: string; project: string; id: string }[] = [];
  for (const entry of ls('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const env = environOf(pid);
    const id = env.get('AO_SESSION_ID');
    const prompt = env.get('AO_PROMPT_FILE');
    if (!id || !prompt || startOf(pid) === undefined) continue;
    const host = roots.find((h) => prompt.startsWith(`${h.root}/`));
    if (host) agents.push({ pid, host: host.name, project: env.get('AO_PROJECT') ?? '', id });
  }

  for (const r of records) {
    const { record, host, dataRoot, project, id } = r;
    const where = `${host}: ${id} (${record.status})`;
    const name = `${prefix}${id}`;
    const worktree = path.join(dataRoot, project, 'worktrees', id);
    const hasTmux = sessions.has(name);
    const hasWorktree = existsSync(worktree);
    const mirror = path.join(dataRoot, 'repos', `${record.repo}.git`);

    if (TERMINAL_STATUSES.has(record.status)) {
      if (hasTmux) problems.push(`${where}: its tmux session ${name} still exists`);
      if (hasWorktree) problems.push(`${where}: its worktree ${worktree} still exists`);
      if (alive(record.panePid, record.paneStart)) problems.push(`${where}: its agent process ${record.panePid} still runs`);
      if (record.status === 'killed' && record.backupRef) {
        const tip = tryGit(rig.origin.url, 'rev-parse', '--verify', '--quiet', record.backupRef);
        if (!tip) problems.push(`${where}: its backup ref ${record.backupRef} is not in origin`);
        else if (record.backupCommit && tryGit(rig.origin.url, 'merge-base', '--is-ancestor', record.backupCommit, tip) === undefined) {
          problems.push(`${where}: its saved commit ${record.backupCommit} is not reachable from ${record.backupRef}`);
        }
      }
      continue;
    }
    if (record.status === 'spawning' && !spawnerAlive(record)) {
      problems.push(`${where}: still spawning, but its spawner ${record.spawner ?? '(none recorded)'} is gone`);
    }
    const agentAlive = alive(record.panePid, record.paneStart);
    if (RUNNING_STATUSES.has(record.status) || (record.status === 'errored' && (hasTmux || agentAlive))) {
      if (!hasTmux) problems.push(`${where}: no tmux session ${name}`);
      if (!hasWorktree) problems.push(`${where}: no worktree at ${worktree}`);
    }
    if (hasTmux) {
      const panePid = sessions.get(name)!;
      if (record.panePid && record.panePid !== panePid && record.status !== 'spawning') {
        problems.push(`${where}: the record names agent process ${record.panePid}, but its pane runs ${panePid}`);
      }
      for (const pid of [panePid, ...descendantsOf(panePid)]) {
        const cwd = cwdOf(pid);
        if (cwd === undefined) continue; // ended while we looked
        if (!inside(worktree, cwd)) problems.push(`${where}: process ${pid} of its pane runs in ${cwd}, not in its worktree ${worktree}`);
      }
    }
    if (hasWorktree && record.status !== 'spawning') {
      const branch = tryGit(worktree, 'branch', '--show-current');
      if (branch !== record.branch) problems.push(`${where}: its worktree is on branch ${JSON.stringify(branch ?? '(unreadable)')}, the record says ${record.branch}`);
    }
    if (record.status !== 'spawning' && !tryGit(mirror, 'rev-parse', '--verify', '--quiet', `refs/heads/${record.branch}`)) {
      problems.push(`${where}: its branch ${record.branch} is not in the host's mirror ${mirror}`);
    }
  }

  // Every agent process of the rig belongs to a session that owns a runtime, and runs in its worktree.
  for (const agent of agents) {
    const r = byKey.get(`${agent.host}/${agent.project}/${agent.id}`);
    const cwd = cwdOf(agent.pid) ?? '';
    if (!r) problems.push(`${agent.host}: process ${agent.pid} of session ${agent.id} runs, but there is no record of it`);
    else if (!owning(r)) problems.push(`${agent.host}: process ${agent.pid} of session ${agent.id} runs, but the session is ${r.record.status}${r.record.status === 'spawning' ? ' with its spawner gone' : ''}`);
    const worktree = path.join(roots.find((h) => h.name === agent.host)!.root, agent.project, 'worktrees', agent.id);
    if (cwd && !inside(worktree, cwd)) problems.push(`${agent.host}: process ${agent.pid} of session ${agent.id} runs in ${cwd}, not in its worktree`);
  }

  // No tmux session of this deployment without a record that owns it.
  for (const name of sessions.keys()) {
    if (!name.startsWith(prefix)) continue;
    const id = name.slice(prefix.length);
    const owners = records.filter((r) => r.id === id && owning(r));
    if (owners.length === 0) problems.push(`tmux session ${name} runs without a live record`);
  }

  for (const host of roots) {
    for (const project of ls(host.root)) {
      if (project === 'repos') continue;
      const base = path.join(host.root, project);
      // No worktree without a record that owns it (moved-aside directories are kept on purpose).
      for (const dir of ls(path.join(base, 'worktrees'))) {
        if (dir.includes('.orphan.')) continue;
        const r = byKey.get(`${host.name}/${project}/${dir}`);
        if (!r || !owning(r)) problems.push(`${host.name}: worktree ${project}/worktrees/${dir} exists without a live record${r ? ` (it is ${r.record.status})` : ''}`);
      }
      // Issue claims point at a live session of that issue.
      for (const n of ls(path.join(base, 'issues'))) {
        let owner = '';
        try {
          owner = readFileSync(path.join(base, 'issues', n, 'owner'), 'utf8').trim();
        } catch {
          problems.push(`${host.name}: the claim of issue ${n} has no owner`);
          continue;
        }
        const claimed = records.filter((r) => r.project === project && r.id === owner);
        if (claimed.length === 0) problems.push(`${host.name}: issue ${n} is claimed by ${owner}, which has no record`);
        else if (!claimed.some((r) => owning(r))) problems.push(`${host.name}: issue ${n} is claimed by ${owner}, which is ${claimed[0]!.record.status}`);
        else if (!claimed.some((r) => r.record.issue === Number(n))) problems.push(`${host.name}: issue ${n} is claimed by ${owner}, a session of another issue`);
      }
      // No lock left behind by a process that is gone (or that nobody can own).
      for (const lock of ls(path.join(base, 'locks'))) {
        const dir = path.join(base, 'locks', lock);
        if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
        if (lock.includes('.stale.')) {
          problems.push(`${host.name}: a broken lock was left at ${project}/locks/${lock}`);
          continue;
        }
        let owner = '';
        try {
          owner = readFileSync(path.join(dir, 'owner'), 'utf8').trim();
        } catch {
          /* no owner file */
        }
        const holding = holderAlive(owner.split(/\s+/)[2]);
        if (holding !== true) problems.push(`${host.name}: lock ${project}/locks/${lock} is left behind (owner ${JSON.stringify(owner)}${holding === false ? ', its process is gone' : ''})`);
      }
    }
    if (!options.skipModes && existsSync(host.root)) {
      for (const open of openModes(path.dirname(host.root))) problems.push(`${host.name}: ${open} is open to other users`);
    }
  }
  return problems;
}
