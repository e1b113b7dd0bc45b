import { readFile } from 'node:fs/promises';
import os from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import type { SshHostConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { shellLine } from '../core/shell.js';
import type { ExecOptions, ExecResult, Host } from './host.js';
import { describeKey, pinnedFingerprints, type SeenHostKey } from '../core/host-key.js';

export interface SshHostOptions {
  /** Connection attempts per exec when the host is down (with exponential backoff). */
  connectAttempts?: number;
  backoffMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? os.homedir() + p.slice(1) : p;
}

/**
 * A runner host over SSH: one pooled connection with keepalive, reconnect
 * with backoff after it drops, and a bound on concurrent channels (OpenSSH
 * allows 10 sessions per connection by default). The host key must match the
 * configured pin; nothing is trusted on first use.
 */
export class SshHost implements Host {
  readonly kind = 'ssh' as const;
  readonly name: string;
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private readonly channels: LimitFunction;
  private closed = false;
  /** How many connections were established; tests and `doctor` read it. */
  connectCount = 0;
  lastSeenKey: SeenHostKey | undefined;

  constructor(
    readonly config: SshHostConfig,
    private readonly options: SshHostOptions = {},
  ) {
    this.name = config.name;
    this.channels = pLimit(config.maxChannels);
  }

  get address(): string {
    return `${this.config.user}@${this.config.address}:${this.config.port}`;
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    // The server ends the command itself at the deadline (closing a channel does not
    // stop a remote process, and OpenSSH ignores signal requests), where coreutils' timeout exists.
    const command = shellLine(argv);
    const limitSec = Math.ceil((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000) + 1;
    let line = `if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL ${limitSec} ${command}; else exec ${command}; fi`;
    if (options.cwd) line = `cd ${shellLine([options.cwd])} && ${line}`;
    return this.channels(async () => {
      const client = await this.connection();
      return this.runOnChannel(client, line, options);
    });
  }

  private runOnChannel(client: Client, line: string, options: ExecOptions): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      client.exec(line, (error: Error | undefined, stream: ClientChannel) => {
        if (error) {
          reject(new AoError('host', `host "${this.name}" (${this.address}) refused a command channel: ${error.message}`));
          return;
        }
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let code: number | null = null;
        let signal: string | null = null;
        let timedOut = false;
        let settled = false;
        const timer = setTimeout(() => {
          timedOut = true;
          try {
            stream.signal('KILL');
          } catch {
            /* best effort; the server-side timeout ends the command */
          }
          stream.close();
          finish();
        }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        const finish = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          client.off('close', onConnectionClose);
          resolve({
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
            code: timedOut ? null : code,
            signal: timedOut ? (signal ?? 'SIGKILL') : signal,
            timedOut,
          });
        };
        const onConnectionClose = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(new AoError('host', `connection to host "${this.name}" (${this.address}) was lost while a command ran`, 'the command may or may not have completed; check the host and retry'));
        };
        client.once('close', onConnectionClose);
        stream.on('data', (chunk: Buffer) => stdout.push(chunk));
        stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        stream.on('exit', (exitCode: number | null, exitSignal?: string) => {
          code = exitCode ?? null;
          signal = exitSignal ? (exitSignal.startsWith('SIG') ? exitSignal : `SIG${exitSignal}`) : null;
        });
        stream.on('close', finish);
        const input = options.stdin;
        if (input !== undefined && typeof input !== 'string' && !Buffer.isBuffer(input)) {
          input.on('error', () => stream.close());
          input.pipe(stream);
        } else stream.end(input ?? '');
      });
    });
  }

  /** The pooled connection, (re)connecting with backoff when there is none. */
  private async connection(): Promise<Client> {
    if (this.closed) throw new AoError('host', `host "${this.name}" is closed`);
    if (this.client) return this.client;
    if (!this.connecting) {
      this.connecting = this.connectWithBackoff().finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private async connectWithBackoff(): Promise<Client> {
    const attempts = this.options.connectAttempts ?? 3;
    const backoff = this.options.backoffMs ?? 200;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        return await this.connectOnce();
      } catch (error) {
        lastError = error;
        // A wrong host key or a rejected login will not fix itself: fail at once.
        if (error instanceof AoError && error.details?.permanent) throw error;
        if (attempt < attempts) await new Promise((r) => setTimeout(r, backoff * 2 ** (attempt - 1)));
      }
    }
    throw lastError;
  }

  private async connectOnce(): Promise<Client> {
    const { config } = this;
    let privateKey: Buffer;
    try {
      privateKey = await readFile(expandHome(config.privateKey));
    } catch (error) {
      throw new AoError('host', `host "${this.name}": cannot read private key ${config.privateKey}: ${(error as Error).message}`, 'set hosts[].privateKey to a readable key file', { permanent: true });
    }
    let pins: string[] = [];
    try {
      pins = pinnedFingerprints(config.hostKey ?? '');
    } catch (error) {
      throw new AoError('config', `host "${this.name}": ${(error as Error).message}`, undefined, { permanent: true });
    }
    let rejectedKey: SeenHostKey | undefined;
    // Loaded on first use: a CLI run on the local host alone never pays for it.
    const ssh2 = await import('ssh2');
    // ssh2 is CommonJS: its exports sit on `default` when bundled as ESM.
    const SshClient = ssh2.Client ?? (ssh2 as unknown as { default: typeof ssh2 }).default.Client;
    const client = new SshClient();
    const connectConfig: ConnectConfig = {
      host: config.address,
      port: config.port,
      username: config.user,
      privateKey,
      passphrase: config.passphraseEnv ? process.env[config.passphraseEnv] : undefined,
      readyTimeout: config.connectTimeoutMs,
      keepaliveInterval: config.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const seen = describeKey(key);
        // Only a key that matched its pin is remembered (ao open trusts it).
        if (pins.includes(seen.fingerprint)) {
          this.lastSeenKey = seen;
          return true;
        }
        rejectedKey = seen;
        return false;
      },
    };
    return new Promise<Client>((resolve, reject) => {
      let settled = false;
      const onError = (error: Error & { level?: string }) => {
        // ssh2 can emit more than one error for one failed handshake; only the first counts.
        if (settled) return;
        settled = true;
        client.removeAllListeners('ready');
        client.end();
        if (rejectedKey) {
          const pinned = pins.length > 0 ? `the pinned key is ${pins.join(' or ')}` : 'no host key is pinned';
          reject(
            new AoError(
              'host',
              `host key verification failed for host "${this.name}" (${config.address}:${config.port}): it presented ${rejectedKey.type} ${rejectedKey.fingerprint}, but ${pinned}`,
              `if you trust this key (check it on the host with "ssh-keygen -lf /etc/ssh/ssh_host_${rejectedKey.type.replace(/^ssh-/, '')}_key.pub"), set hosts[].hostKey: "${rejectedKey.fingerprint}"`,
              { permanent: true, seenFingerprint: rejectedKey.fingerprint },
            ),
          );
          return;
        }
        const permanent = error.level === 'client-authentication';
        reject(
          new AoError(
            'host',
            `cannot connect to host "${this.name}" (${this.address}): ${error.message}`,
            permanent ? `check that the public key of ${config.privateKey} is in ~${config.user}/.ssh/authorized_keys on the host` : 'check that the host is up and reachable, and its address and port',
            { permanent },
          ),
        );
      };
      client.on('error', onError);
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        client.off('error', onError);
        if (this.closed) {
          client.end();
          reject(new AoError('host', `host "${this.name}" was closed while connecting`));
          return;
        }
        this.connectCount++;
        this.client = client;
        client.on('error', () => {
          /* reported through 'close'; the next exec reconnects */
        });
        client.once('close', () => {
          if (this.client === client) this.client = undefined;
        });
        resolve(client);
      });
      client.connect(connectConfig);
    });
  }

  /** Drop the pooled connection without closing the host (the next exec reconnects). */
  disconnect(): void {
    this.client?.end();
    this.client = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.disconnect();
  }
}
