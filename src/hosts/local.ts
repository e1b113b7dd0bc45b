import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { ExecOptions, ExecResult, Host } from './host.js';

/**
 * The machine ao runs on, driven through the same interface as an SSH host.
 * Node's own child_process is all it needs (argv, never a shell; stdin as
 * text or a stream; a deadline), and it keeps every command's start-up free
 * of a process-runner library.
 */
export class LocalHost implements Host {
  readonly kind = 'local' as const;
  constructor(readonly name = 'local') {}

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const [file, ...args] = argv;
    if (!file) return Promise.reject(new Error('exec: empty argv'));
    // Same starting point as an SSH login: commands resolve paths from $HOME.
    const cwd = options.cwd ? path.resolve(os.homedir(), options.cwd) : os.homedir();
    return new Promise<ExecResult>((resolve) => {
      const child = spawn(file, args, { cwd, env: { ...process.env, HOME: os.homedir() }, stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      let settled = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs ?? 60_000);
      const finish = (result: ExecResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        const missing = error.code === 'ENOENT';
        finish({ stdout: '', stderr: missing ? `${file}: command not found` : error.message, code: missing ? 127 : null, signal: null, timedOut: false });
      });
      const done = (code: number | null, signal: NodeJS.Signals | null) =>
        finish({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), code: timedOut ? null : code, signal: timedOut ? 'SIGKILL' : signal, timedOut });
      child.on('close', done);
      // A background process that kept our pipes open must not hold the result back for ever.
      child.on('exit', (code, signal) => setTimeout(() => done(code, signal), 2000).unref());
      // The command may exit before it reads all of its input.
      child.stdin.on('error', () => undefined);
      const input = options.stdin;
      if (input !== undefined && typeof input !== 'string' && !Buffer.isBuffer(input)) {
        input.on('error', (error) => child.stdin.destroy(error));
        input.pipe(child.stdin);
      } else child.stdin.end(input ?? '');
    });
  }

  async close(): Promise<void> {}
}
