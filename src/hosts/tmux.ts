import { randomBytes } from 'node:crypto';
import { AoError } from '../core/errors.js';
import { posixCksum } from '../core/pane-text.js';
import { execScript, run, type Host } from './host.js';
import { scriptEntries, scriptFacts } from './script-output.js';
import { EXIT, hostScript } from './scripts.js';

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
  /** The pane's own process (the agent wrapper). */
  pid?: number;
  /** Last output in the window, epoch ms (tmux keeps seconds). */
  lastActivityAt: number;
  /** The agent's exit status, when the agent has exited inside a live session. */
  agentExitStatus?: number;
  /** Last lines of the pane, trailing blank lines removed. */
  lines: string[];
}

export interface ProbeResult {
  /** Whether a tmux server answered on our socket. "none" is not evidence that any agent died. */
  server: 'up' | 'none';
  panes: Map<string, PaneProbe>;
}

export interface DeliverOptions {
  name: string;
  text: string;
  enter: boolean;
  /** Watch the pane this long for a change after the Enter. */
  confirmMs?: number;
  dataDir: string;
  /** The event log (relative to the data root) where the host records the delivery. */
  events: string;
  /** The outbox (relative to the data root) and this delivery's token: where the host leaves the outcome. */
  outbox: string;
  token: string;
  /** The event's JSON without its closing brace; the host adds the outcome and the text. */
  eventHead: string;
  /** The Enter waits until the pane, showing the paste, has held still this long (agents that take a paste in pieces). */
  stillMs?: number;
}

export interface DeliveryOutcome {
  delivered: boolean;
  /** The pane changed after the Enter. */
  confirmed: boolean;
  /** Not delivered: the agent never showed the paste (with `stillMs` only), and no Enter was pressed. */
  notShown?: boolean;
}

export interface StartedAgent {
  /** The pane's process and its start time (see lib/proc.sh), recorded so a probe can tell it alive without tmux. */
  pid: number;
  start: string;
}

export interface CreateSessionOptions {
  name: string;
  cwd: string;
  /** Shell command line that starts the agent (run by sh -c). */
  command: string;
  env?: Record<string, string>;
}

/**
 * Parse probe_panes (scripts/lib/panes.sh): the server marker, a state line
 * per pane ("pane=name|active|dead|activity|exit|pid|command"), then each
 * session's lines. Only the active pane of each session named with `prefix`
 * counts: the one a capture of "=name:" reads.
 */
export function parseProbeOutput(out: string, maxLines: number, prefix = ''): ProbeResult {
  const panes = new Map<string, PaneProbe>();
  const firstEntry = out.indexOf('\u001e');
  const head = firstEntry < 0 ? out : out.slice(0, firstEntry);
  const server: ProbeResult['server'] = /^server=none$/m.test(head) ? 'none' : 'up';
  for (const line of head.split('\n')) {
    if (!line.startsWith('pane=')) continue;
    const [name, active, dead, activity, exitStatus, pid, ...command] = line.slice(5).split('|');
    if (!name || !name.startsWith(prefix) || active !== '11') continue;
    panes.set(name, {
      name,
      paneDead: dead === '1',
      foreground: command.join('|'),
      pid: pid && /^\d+$/.test(pid) ? Number(pid) : undefined,
      lastActivityAt: Number(activity) * 1000 || 0,
      agentExitStatus: exitStatus ? Number(exitStatus) : undefined,
      lines: [],
    });
  }
  for (const { header: name, body } of scriptEntries(out)) {
    const pane = panes.get(name);
    if (!pane) continue;
    const lines = body.split('\n');
    while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
    pane.lines = lines.slice(-maxLines);
  }
  return { server, panes };
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

  /**
   * Start the agent in a new session (or, `respawn`, afresh in the live
   * session whose agent exited), in `cwd` or not at all. One round trip.
   */
  async start(options: CreateSessionOptions, mode: 'new' | 'respawn' = 'new'): Promise<StartedAgent> {
    const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const result = await execScript(this.host, hostScript('start-session'), [mode, this.socket, options.name, options.cwd, hostScript('pane-wrapper'), options.command, ...env]);
    if (result.code === EXIT.NO_WORKTREE) throw new AoError('failed', `${result.stderr.trim()} (host "${this.host.name}")`);
    if (result.code !== 0) throw new AoError('host', `starting the agent in tmux session ${options.name} on host "${this.host.name}" failed: ${result.stderr.trim() || `exit ${result.code}`}`);
    const f = scriptFacts(result.stdout);
    return { pid: Number(f.pid), start: f.start ?? '' };
  }

  async create(options: CreateSessionOptions): Promise<StartedAgent> {
    return this.start(options, 'new');
  }

  /** Start the agent again in a live session whose agent has exited. */
  async respawn(options: CreateSessionOptions): Promise<StartedAgent> {
    return this.start(options, 'respawn');
  }

  async isAlive(name: string): Promise<boolean> {
    const result = await this.host.exec(this.tmux('has-session', '-t', `=${name}`));
    return result.code === 0;
  }

  /**
   * Stop a session's agent for good: the tmux session, and the agent's
   * process group when its pid is known (tmux may not answer while the
   * agent runs). Resolves only when nothing of it runs any more.
   */
  async stopAgent(name: string, agent?: { pid?: number; start?: string }): Promise<void> {
    const result = await execScript(this.host, hostScript('stop-agent'), [this.socket, name, agent?.pid ? String(agent.pid) : '', agent?.start ?? '']);
    if (result.code !== 0 || scriptFacts(result.stdout).agent !== 'stopped') {
      throw new AoError('failed', `the agent of tmux session ${name} on host "${this.host.name}" could not be stopped${result.stderr.trim() ? `: ${result.stderr.trim()}` : ''}`, 'stop it by hand on the host, then retry');
    }
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
    return probes.panes.get(name)?.lines ?? [];
  }

  /** One round trip: state and last lines of every session whose name starts with `prefix`. */
  async probeAll(prefix: string, maxLines = 30): Promise<ProbeResult> {
    const result = await execScript(this.host, hostScript('probe-panes'), [this.socket, prefix, String(maxLines)]);
    if (result.code !== 0) throw new AoError('host', `probing tmux on host "${this.host.name}" failed: ${result.stderr.trim()}`);
    return parseProbeOutput(result.stdout, maxLines, prefix);
  }

  /**
   * Deliver text to a pane whole or not at all (scripts/deliver.sh): staged
   * to a private file on the host and checked against its POSIX cksum, then
   * pasted through a uniquely named buffer as one bracketed paste, then (if
   * `enter`) exactly one Enter once the pane shows the paste; the outcome is
   * written to the event log on the host, with the text, whatever happens
   * to this process. One round trip.
   */
  async deliver(options: DeliverOptions): Promise<DeliveryOutcome> {
    const bytes = Buffer.from(options.text, 'utf8');
    const buffer = `ao-${randomBytes(6).toString('hex')}`;
    const polls = String(Math.ceil((options.confirmMs ?? 0) / 50));
    const result = await execScript(
      this.host,
      hostScript('deliver'),
      [options.dataDir, options.events, this.socket, this.target(options.name), buffer, options.enter ? '1' : '0', polls, posixCksum(bytes), options.outbox, options.token, options.eventHead, String(Math.ceil((options.stillMs ?? 0) / 50))],
      { stdin: bytes, timeoutMs: (options.confirmMs ?? 0) + 60_000 },
    );
    const f = scriptFacts(result.stdout);
    if (result.code === EXIT.INCOMPLETE) throw new AoError('failed', `the message to ${options.name} arrived incomplete on host "${this.host.name}"; nothing was pasted`, 'send it again', { reason: 'incomplete' });
    if (result.code === 0 && f.delivered === 'no' && f.shown === 'no') return { delivered: false, confirmed: false, notShown: true };
    if (result.code !== 0 || f.delivered !== 'yes') throw new AoError('host', `pasting into tmux session ${options.name} on host "${this.host.name}" failed: ${result.stderr.trim() || `exit ${result.code}`}`);
    return { delivered: true, confirmed: f.confirmed === 'yes' };
  }

  /**
   * The outcome of a delivery whose client lost the connection: the host
   * script finished it on its own and left the answer in the outbox.
   */
  async deliveryOutcome(options: { dataDir: string; outbox: string; token: string }): Promise<'delivered' | 'incomplete' | 'failed' | 'unknown'> {
    const result = await execScript(this.host, hostScript('delivery-outcome'), [options.dataDir, options.outbox, options.token]);
    const outcome = result.stdout.trim();
    return outcome === 'delivered' || outcome === 'incomplete' || outcome === 'failed' ? outcome : 'unknown';
  }

  async sendKeys(name: string, ...keys: string[]): Promise<void> {
    await run(this.host, this.tmux('send-keys', '-t', this.target(name), ...keys), { what: 'send-keys' });
  }

  /** Argv that attaches to a session, to be run on the host. */
  attachArgv(name: string): string[] {
    return this.tmux('attach-session', '-t', `=${name}`);
  }
}
