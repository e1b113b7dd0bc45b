import { execa } from 'execa';
import os from 'node:os';
import path from 'node:path';
import type { ExecOptions, ExecResult, Host } from './host.js';

/** The machine the app runs on, driven through the same interface as an SSH host. */
export class LocalHost implements Host {
  readonly kind = 'local' as const;
  constructor(readonly name = 'local') {}

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const [file, ...args] = argv;
    if (!file) throw new Error('exec: empty argv');
    const cwd = options.cwd ? path.resolve(os.homedir(), options.cwd) : os.homedir();
    const result = await execa(file, args, {
      cwd,
      input: options.stdin ?? '',
      timeout: options.timeoutMs ?? 60_000,
      reject: false,
      stripFinalNewline: false,
      encoding: 'utf8',
      // Same starting point as an SSH login: commands resolve paths from $HOME.
      env: { HOME: os.homedir() },
    });
    return {
      stdout: String(result.stdout ?? ''),
      stderr: result.failed && result.code === 'ENOENT' ? `${file}: command not found` : String(result.stderr ?? ''),
      code: result.exitCode ?? (result.signal ? null : result.code === 'ENOENT' ? 127 : null),
      signal: result.signal ?? null,
      timedOut: result.timedOut,
    };
  }

  async close(): Promise<void> {}
}
