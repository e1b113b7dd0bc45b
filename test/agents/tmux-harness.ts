import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * A real tmux server on its own socket, for driving terminal programs in
 * tests the way the orchestrator does: literal keys, bracketed pastes from
 * uniquely named buffers, pane captures.
 */
export class TmuxServer {
  readonly socket = `ao-test-${process.pid}-${randomBytes(4).toString('hex')}`;

  run(args: string[], input?: string): string {
    const env = { ...process.env };
    delete env.TMUX; // never talk to a tmux the tests happen to run in
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { input, env, encoding: 'utf8' });
  }

  /** A detached 200x50 session running `command` in `cwd`; the pane stays after the program ends, showing its exit status. */
  start(name: string, cwd: string, command: string): void {
    this.run(['new-session', '-d', '-s', name, '-x', '200', '-y', '50', '-c', cwd, reportingExit(command), ';', 'set-option', '-t', name, 'remain-on-exit', 'on']);
  }

  /** The pane's lines, trailing spaces and trailing blank lines removed. */
  capture(name: string): string[] {
    const lines = this.run(['capture-pane', '-p', '-J', '-t', name]).split('\n').map((line) => line.trimEnd());
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines;
  }

  lastLine(name: string): string {
    return this.capture(name).at(-1) ?? '';
  }

  type(name: string, text: string): void {
    this.run(['send-keys', '-t', name, '-l', text]);
  }

  key(name: string, key: string): void {
    this.run(['send-keys', '-t', name, key]);
  }

  /** Bracketed paste through a uniquely named buffer, deleted after use; no Enter. */
  paste(name: string, text: string): void {
    const buffer = `ao-test-${randomBytes(6).toString('hex')}`;
    this.run(['load-buffer', '-b', buffer, '-'], text);
    this.run(['paste-buffer', '-p', '-d', '-b', buffer, '-t', name]);
  }

  /**
   * The exit status of a program started with `reportingExit(command)`, once it has ended.
   * (tmux's own #{pane_dead_status} is not reliable here: tmux may mark a pane dead before
   * it has reaped the process, and on some hosts the status never shows.)
   */
  exitStatus(name: string): number | undefined {
    const match = /^\[exited with status (\d+)\]$/m.exec(this.capture(name).join('\n'));
    return match ? Number(match[1]) : undefined;
  }

  kill(): void {
    try {
      this.run(['kill-server']);
    } catch {
      // no server was started, or it is already gone
    }
  }
}

/** A command line that prints the command's exit status on the pane when it ends. */
export function reportingExit(command: string): string {
  return `${command}\nprintf '\\n[exited with status %s]\\n' "$?"`;
}

/** Poll until `probe` returns a value other than undefined/false; fail with `describe()` after the timeout. */
export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs: number, describe: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = describe();
      throw new Error(
        `condition not met within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}${detail ? `\n--- state ---\n${detail}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
