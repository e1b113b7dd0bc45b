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
    const streamed = options.stdin !== undefined && typeof options.stdin !== 'string' && !Buffer.isBuffer(options.stdin) ? options.stdin : undefined;
    const child = execa(file, args, {
      cwd,
      ...(streamed ? { stdin: 'pipe' as const } : { input: (options.stdin as string | Buffer | undefined) ?? '' }),
      timeout: options.timeoutMs ?? 60_000,
      reject: false,
      stripFinalNewline: false,
      encoding: 'utf8',
      // Same starting point as an SSH login: commands resolve paths from $HOME.
      env: { HOME: os.homedir() },
    });
    if (streamed) {
      streamed.on('error', (error) => child.stdin?.destroy(error));
      child.stdin?.on('error', () => undefined); // the command may exit before reading it all
      streamed.pipe(child.stdin!);
    }
    const result = await child;
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
