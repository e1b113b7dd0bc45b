import type { Activity } from './model.js';

export { stripAnsi } from './ansi.js';

/**
 * What an agent adapter reads in a pane. The same union as
 * `PaneState` in src/agents/adapter.ts (core imports nothing outside core;
 * src/agents/index.ts checks at compile time that the two stay equal).
 */
export type PaneReading = 'busy' | 'ready' | 'waiting_input' | 'error' | 'unknown';

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
}

/**
 * Activity (SPEC section 3) from one look at a pane. Rules, in order:
 * gone/exited -> exited; a question -> waiting_input; an error -> blocked;
 * a busy indicator -> active (however long it has been quiet: a spinner
 * that says "working" is believed); a recognised prompt -> ready (or idle
 * after long quiet); other recent output -> active; long quiet -> idle;
 * otherwise ready.
 */
export function deriveActivity(e: ActivityEvidence): Activity {
  if (!e.alive || e.agentExited) return 'exited';
  if (e.paneState === 'waiting_input') return 'waiting_input';
  if (e.paneState === 'error') return 'blocked';
  if (e.paneState === 'busy') return 'active';
  // A prompt the adapter recognises is believed at once; only unrecognised screens need to settle.
  const recognisedReady = e.paneState === 'ready';
  // A host clock slightly ahead of ours must not make output look older than it is.
  const quietMs = Number.isFinite(e.lastOutputAt) ? Math.max(0, e.now - e.lastOutputAt) : Number.POSITIVE_INFINITY;
  if (!recognisedReady && quietMs < e.settleSec * 1000) return 'active';
  if (quietMs >= e.idleAfterSec * 1000) return 'idle';
  return 'ready';
}

/** Whether a message can be typed into the agent now without interrupting it or answering a question. */
export function isReadyForMessage(activity: Activity): boolean {
  // 'blocked' = the agent showed an error and is back at its prompt: a message is how a human helps.
  return activity === 'ready' || activity === 'idle' || activity === 'blocked';
}
