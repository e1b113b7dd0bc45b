import type { Activity } from './model.js';

export { stripAnsi } from './ansi.js';

/**
 * What an agent adapter reads in a pane. The same union as
 * `PaneState` in src/agents/adapter.ts (core imports nothing outside core;
 * src/agents/index.ts checks at compile time that the two stay equal).
 */
export type PaneReading = 'busy' | 'ready' | 'waiting_input' | 'error' | 'unknown';

/**
 * What the agent last said about itself, through its hooks (Claude Code's
 * hooks, Codex's notify program) or its own log (Claude Code's transcript):
 * the newest such report and the time it was made.
 */
export interface AgentReport {
  state: PaneReading;
  /** Epoch ms (the host's clock, like the pane's times). */
  at: number;
}

export interface ActivityEvidence {
  /** The tmux session (and its pane) exists. */
  alive: boolean;
  /** The agent's process has ended inside a live pane. */
  agentExited: boolean;
  /** The adapter's reading of the pane's last lines. */
  paneState: PaneReading;
  /** Epoch ms of the last change in the pane. */
  lastOutputAt: number;
  now: number;
  /** Quiet this long (seconds) means idle. */
  idleAfterSec: number;
  /** A pane that changed within this many seconds is still settling: the agent is active. */
  settleSec: number;
  /** The agent's own newest report, where it makes any. */
  report?: AgentReport;
}

/**
 * How long (seconds) the agent's own word that it asks a human is believed
 * over a screen that does not show the question (yet): an agent draws its
 * dialog within a frame of telling its hooks, so after this long only the
 * screen can keep a session waiting when it shows something recognisable
 * (a human who answered at once is not shown waiting for longer).
 */
export const REPORT_LEAD_SEC = 5;

/**
 * Activity (SPEC section 3) from one look at a pane and the agent's own
 * newest report. Rules, in order:
 *   1. gone/exited -> exited;
 *   2. a question on screen -> waiting_input;
 *   3. the agent reported a question within REPORT_LEAD_SEC -> waiting_input
 *      (the hook comes before the dialog is drawn, or read);
 *   4. an error on screen -> blocked; a busy indicator -> active (however
 *      long it has been quiet: a spinner that says "working" is believed);
 *   5. a recognised prompt -> ready, or idle after long quiet;
 *   6. a screen that says nothing recognisable: the report fills in. A
 *      question stays a question until the agent reports something else; an
 *      error is blocked; "working" is believed only while the report is
 *      younger than idleAfterSec (a stale "active" is demoted by this timer,
 *      so a session whose agent stopped reporting never sits working for
 *      good); "ready" counts as a recognised prompt;
 *   7. otherwise: recent output -> active, long quiet -> idle, else ready.
 * The report's time counts as output: it moves the last-activity time.
 */
export function deriveActivity(e: ActivityEvidence): Activity {
  if (!e.alive || e.agentExited) return 'exited';
  if (e.paneState === 'waiting_input') return 'waiting_input';
  const report = e.report && Number.isFinite(e.report.at) ? e.report : undefined;
  // A host clock slightly ahead of ours must not make output look older than it is.
  const age = (at: number) => (Number.isFinite(at) ? Math.max(0, e.now - at) : Number.POSITIVE_INFINITY);
  if (report?.state === 'waiting_input' && age(report.at) < REPORT_LEAD_SEC * 1000) return 'waiting_input';
  let reading: PaneReading = e.paneState;
  if (reading === 'unknown' && report) {
    if (report.state === 'busy') reading = age(report.at) < e.idleAfterSec * 1000 ? 'busy' : 'unknown';
    else reading = report.state;
  }
  if (reading === 'waiting_input') return 'waiting_input';
  if (reading === 'error') return 'blocked';
  if (reading === 'busy') return 'active';
  // A prompt the adapter recognises is believed at once; only unrecognised screens need to settle.
  const recognisedReady = reading === 'ready';
  const quietMs = Math.min(age(e.lastOutputAt), report ? age(report.at) : Number.POSITIVE_INFINITY);
  if (!recognisedReady && quietMs < e.settleSec * 1000) return 'active';
  if (quietMs >= e.idleAfterSec * 1000) return 'idle';
  return 'ready';
}

/** Whether a message can be typed into the agent now without interrupting it or answering a question. */
export function isReadyForMessage(activity: Activity): boolean {
  // 'blocked' = the agent showed an error and is back at its prompt: a message is how a human helps.
  return activity === 'ready' || activity === 'idle' || activity === 'blocked';
}

export interface MessageReadiness {
  activity: Activity;
  /** Nothing on the pane yet. */
  blank: boolean;
  /** The agent's adapter recognises the screen (its prompt, or its error). */
  recognised: boolean;
  /** The agent draws a full screen and settles (adapter settleMs). */
  fullScreen: boolean;
  /** How long the pane has held still. */
  stillMs: number;
  /** How long a screen that proves nothing must hold still before it counts as ready. */
  slowReadyMs: number;
}

/**
 * May a message be typed into the pane now? Quiet is not enough. An agent
 * that has drawn nothing is still starting: text pasted then goes to a
 * terminal no program reads yet, where every line break is an Enter, and
 * the agent gets the message cut into several. A full-screen agent takes a
 * message at a prompt it recognises. Either kind of doubt ends only after a
 * long still time (an agent that never draws anything still gets messages).
 */
export function mayTakeMessage(r: MessageReadiness): boolean {
  if (!isReadyForMessage(r.activity)) return false;
  if (r.blank || (r.fullScreen && !r.recognised)) return r.stillMs >= r.slowReadyMs;
  return true;
}
