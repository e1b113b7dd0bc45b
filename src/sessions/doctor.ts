import { isLocalHostConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
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
  problems: string[];
}

export interface DoctorReport {
  ok: boolean;
  hosts: HostCheck[];
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
    problems: [],
  };
  const host = pool.host(name);
  try {
    const result = await execScript(host, hostScript('doctor'), [pool.dataDir(name)], { timeoutMs: 20_000 });
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
  return { ok: hosts.every((h) => h.ok), hosts };
}
