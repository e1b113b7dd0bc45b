import { randomBytes } from 'node:crypto';
import { AoError } from '../core/errors.js';
import { execScript, run, type Host } from './host.js';
import { scriptEntries } from './script-output.js';
import { hostScript } from './scripts.js';

/**
 * The tmux runtime on one host, on an isolated socket (`tmux -L <socket>`),
 * so our sessions never mix with a user's own tmux.
 */

export interface PaneProbe {
  name: string;
  /** The pane's process has ended (only with remain-on-exit). */
  paneDead: boolean;
  /** Name of the pane's foreground process. */
  foreground: string;
  /** Last output in the window, epoch ms (tmux keeps seconds). */
  lastActivityAt: number;
  /** The agent's exit status, when the agent has exited inside a live session. */
  agentExitStatus?: number;
  /** Last lines of the pane, trailing blank lines removed. */
  lines: string[];
}

export interface CreateSessionOptions {
  name: string;
  cwd: string;
  /** Shell command line that starts the agent (run by sh -c). */
  command: string;
  env?: Record<string, string>;
}

export function parseProbeOutput(out: string, maxLines: number): Map<string, PaneProbe> {
  const probes = new Map<string, PaneProbe>();
  for (const { header, body } of scriptEntries(out)) {
    const [name, dead, activity, exitStatus, ...command] = header.split('|');
    if (!name) continue;
    const lines = body.split('\n');
    while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
    probes.set(name, {
      name,
      paneDead: dead === '1',
      foreground: command.join('|'),
      lastActivityAt: Number(activity) * 1000 || 0,
      agentExitStatus: exitStatus ? Number(exitStatus) : undefined,
      lines: lines.slice(-maxLines),
    });
  }
  return probes;
}

export class TmuxRuntime {
  constructor(
    readonly host: Host,
    readonly socket: string,
  ) {}

  private target(name: string): string {
    return `=${name}:`;
  }

  private tmux(...args: string[]): string[] {
    // -u: UTF-8 even when the host's locale (often C over SSH) does not say so.
    return ['tmux', '-u', '-L', this.socket, ...args];
  }

  async create(options: CreateSessionOptions): Promise<void> {
    const envArgs = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await run(
      this.host,
      this.tmux('new-session', '-d', '-s', options.name, '-c', options.cwd, '-x', '220', '-y', '50', ...envArgs, 'sh', '-c', hostScript('pane-wrapper'), 'ao-agent', options.command),
      { what: `starting tmux session ${options.name}` },
    );
  }

  /** Start the agent again in a live session whose agent has exited. */
  async respawn(options: CreateSessionOptions): Promise<void> {
    const envArgs = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await run(this.host, this.tmux('set-option', '-p', '-u', '-t', this.target(options.name), '@ao_exit'), { what: 'clearing the exit mark' }).catch(() => undefined);
    await run(
      this.host,
      this.tmux('respawn-pane', '-k', '-t', this.target(options.name), '-c', options.cwd, ...envArgs, 'sh', '-c', hostScript('pane-wrapper'), 'ao-agent', options.command),
      { what: `restarting the agent in ${options.name}` },
    );
  }

  async isAlive(name: string): Promise<boolean> {
    const result = await this.host.exec(this.tmux('has-session', '-t', `=${name}`));
    return result.code === 0;
  }

  /** Kill a session; a session that is already gone is not an error. */
  async kill(name: string): Promise<void> {
    const result = await this.host.exec(this.tmux('kill-session', '-t', `=${name}`));
    if (result.code !== 0 && !/can't find session|no server running|\(No such file or directory\)/i.test(result.stderr)) {
      throw new AoError('host', `killing tmux session ${name} on host "${this.host.name}" failed: ${result.stderr.trim()}`);
    }
  }

  async capture(name: string, maxLines = 50): Promise<string[]> {
    const probes = await this.probeAll(name, maxLines);
    return probes.get(name)?.lines ?? [];
  }

  /** One round trip: state and last lines of every session whose name starts with `prefix`. */
  async probeAll(prefix: string, maxLines = 30): Promise<Map<string, PaneProbe>> {
    const result = await execScript(this.host, hostScript('probe-panes'), [this.socket, prefix, String(maxLines)]);
    if (result.code !== 0) throw new AoError('host', `probing tmux on host "${this.host.name}" failed: ${result.stderr.trim()}`);
    return parseProbeOutput(result.stdout, maxLines);
  }

  /**
   * Paste text through a uniquely named buffer (never the shared one), as a
   * bracketed paste, then optionally press Enter once, and watch the pane for
   * up to `confirmMs` for a change. One round trip. Returns whether it changed.
   */
  async paste(name: string, text: string, enter: boolean, confirmMs = 0): Promise<boolean> {
    const buffer = `ao-${randomBytes(6).toString('hex')}`;
    const polls = String(Math.ceil(confirmMs / 100));
    const result = await execScript(this.host, hostScript('paste'), [this.socket, this.target(name), buffer, enter ? '1' : '0', polls], { stdin: text, timeoutMs: confirmMs + 30_000 });
    if (result.code !== 0) throw new AoError('host', `pasting into tmux session ${name} failed: ${result.stderr.trim()}`);
    return result.stdout.trim() === 'confirmed';
  }

  async sendKeys(name: string, ...keys: string[]): Promise<void> {
    await run(this.host, this.tmux('send-keys', '-t', this.target(name), ...keys), { what: 'send-keys' });
  }

  /** Argv that attaches to a session, to be run on the host. */
  attachArgv(name: string): string[] {
    return this.tmux('attach-session', '-t', `=${name}`);
  }
}
