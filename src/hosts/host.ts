/**
 * A runner host: the only thing that runs commands. Runtime (tmux),
 * Workspace (git) and Store (metadata) are built on it, so each works the
 * same on the local machine and over SSH.
 */

import type { Readable } from 'node:stream';

export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed. A stream is piped as it arrives (with backpressure). */
  stdin?: string | Buffer | Readable;
  /** Kill the command after this long; the result then has timedOut: true. Default 60 s. */
  timeoutMs?: number;
  /** Working directory (absolute, or relative to the user's home). */
  cwd?: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when the command was ended by a signal. */
  code: number | null;
  signal: string | null;
  timedOut: boolean;
}

export interface Host {
  readonly name: string;
  readonly kind: 'local' | 'ssh';
  /** Run argv (never a shell line) on the host. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Release pooled resources (SSH connection). */
  close(): Promise<void>;
}

export class HostCommandError extends Error {
  constructor(
    readonly host: string,
    readonly argv: readonly string[],
    readonly result: ExecResult,
    what?: string,
  ) {
    const detail = result.timedOut
      ? 'timed out'
      : result.code === null
        ? `was killed by ${result.signal}`
        : `exited with ${result.code}`;
    const stderr = result.stderr.trim().split('\n').slice(-5).join('\n');
    super(`${what ?? argv[0]} on host "${host}" ${detail}${stderr ? `: ${stderr}` : ''}`);
    this.name = 'HostCommandError';
  }
}

/** Run and require exit code 0. */
export async function run(host: Host, argv: readonly string[], options?: ExecOptions & { what?: string }): Promise<string> {
  const result = await host.exec(argv, options);
  if (result.code !== 0) throw new HostCommandError(host.name, argv, result, options?.what);
  return result.stdout;
}

/** Run a POSIX sh script (our constant text) with positional arguments. */
export function runScript(
  host: Host,
  script: string,
  args: readonly string[] = [],
  options?: ExecOptions & { what?: string },
): Promise<string> {
  return run(host, ['sh', '-c', script, 'ao-sh', ...args], options);
}

export function execScript(host: Host, script: string, args: readonly string[] = [], options?: ExecOptions): Promise<ExecResult> {
  return host.exec(['sh', '-c', script, 'ao-sh', ...args], options);
}
