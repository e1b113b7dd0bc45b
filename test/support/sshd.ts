import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SshHostConfig } from '../../src/core/config.js';
import { makeTempDir } from './tmp.js';

/**
 * A real OpenSSH server on 127.0.0.1 for tests: generated host key, an
 * authorized client key, everything in a temp dir, torn down by stop().
 */

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/bin/sshd', '/usr/local/sbin/sshd'];

export function sshdPath(): string {
  const found = SSHD_CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error('sshd not found: install openssh-server (apt-get install openssh-server); .ci/run does this');
  return found;
}

/** Every descendant of a process, read from /proc. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      /* exited while we looked */
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForBanner(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let data = '';
      socket.setTimeout(1000);
      socket.on('data', (chunk) => {
        data += chunk.toString();
        if (data.includes('SSH-2.0')) {
          socket.destroy();
          resolve(true);
        }
      });
      socket.on('error', () => resolve(false));
      socket.on('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('close', () => resolve(data.includes('SSH-2.0')));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not start listening on port ${port} within ${timeoutMs} ms`);
}

export interface TestSshd {
  port: number;
  dir: string;
  user: string;
  clientKeyPath: string;
  hostKeyFingerprint: string;
  hostKeyLine: string;
  /** A host config entry for this server (name defaults to "ssh1"). */
  hostConfig(overrides?: Partial<SshHostConfig>): SshHostConfig;
  /** Kill the server and every connection it serves. */
  kill(): Promise<void>;
  /** Start it again on the same port with the same keys. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSshd(): Promise<TestSshd> {
  const { dir, cleanup } = makeTempDir('ao-sshd');
  const user = os.userInfo().username;
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  const clientKey = path.join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey, '-C', 'ao-test-host']);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey, '-C', 'ao-test-client']);
  const authorized = path.join(dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${clientKey}.pub`));
  chmodSync(authorized, 0o600);
  const fingerprint = execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`, '-E', 'sha256']).toString().split(/\s+/)[1]!;
  const hostKeyLine = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  // sshd insists on its privilege separation directory.
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const port = await freePort();
  const configPath = path.join(dir, 'sshd_config');
  writeFileSync(
    configPath,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${user}`,
      'MaxSessions 10',
      'MaxStartups 200',
      'LogLevel ERROR',
      'PrintMotd no',
      'AcceptEnv LANG LC_*',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(sshdPath(), ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk.toString()));
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) => reject(new Error(`sshd exited early (${code}): ${stderr}`))),
    );
    await Promise.race([waitForBanner(port, 10_000), exited]);
    exited.catch(() => {});
  };
  // Per-connection sshd processes outlive the listener (and rename themselves), so end the whole tree.
  const killAll = async () => {
    if (child?.pid) {
      for (const pid of [child.pid, ...descendantsOf(child.pid)]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  };
  await start();

  return {
    port,
    dir,
    user,
    clientKeyPath: clientKey,
    hostKeyFingerprint: fingerprint,
    hostKeyLine,
    hostConfig: (overrides = {}) => ({
      name: 'ssh1',
      address: '127.0.0.1',
      port,
      user,
      privateKey: clientKey,
      hostKey: fingerprint,
      capacity: 10,
      labels: [],
      maxChannels: 8,
      connectTimeoutMs: 10_000,
      keepaliveIntervalMs: 15_000,
      ...overrides,
    }),
    kill: killAll,
    restart: start,
    stop: async () => {
      await killAll();
      cleanup();
    },
  };
}
