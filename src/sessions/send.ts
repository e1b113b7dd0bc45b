import { createHash, randomBytes } from 'node:crypto';
import { getAdapter } from '../agents/index.js';
import { mayTakeMessage } from '../core/activity.js';
import { AoError } from '../core/errors.js';
import type { Activity } from '../core/model.js';
import { neutralizeForPane } from '../core/pane-text.js';
import type { LocatedSession, Orchestrator } from './orchestrator.js';
import { agentProcessAlive, observe } from './view.js';

export interface SendOptions {
  /** Wait until the agent is ready (default true). */
  wait?: boolean;
  timeoutSec?: number;
  /**
   * Answer a question the agent is asking: the one case where Enter goes into
   * a prompt, and only with an explicit answer.
   */
  answer?: boolean;
  /** Where the session is, when the caller already knows (spawn, restore): saves a round trip per host. */
  located?: LocatedSession;
  /** Stops the wait for a ready agent (Ctrl-C); a delivery under way is never stopped half-way. */
  signal?: AbortSignal;
}

export interface SendResult {
  id: string;
  host: string;
  /** The text was pasted and Enter pressed. */
  delivered: boolean;
  /** The pane reacted (changed, or the agent became active) after delivery. */
  confirmed: boolean;
  /** Not delivered because the agent waits for a human; the question it shows. */
  needsInput: boolean;
  question: string | null;
  activityBefore: Activity | null;
  waitedMs: number;
  bytes: number;
}

const POLL_MS = 150;
const CONFIRM_MS = 5000;
/** However the pane moves, a ready agent gets its message after this long. */
const SETTLE_CAP_MS = 5000;
/** How long a full-screen agent's pane must be still before a screen its adapter does not recognise counts as ready. */
const UNRECOGNISED_READY_MS = 15_000;
/** How often a message a full-screen agent did not take (showed nothing of) is tried. */
const DELIVERY_ATTEMPTS = 3;
/** After the paste shows, how long the pane of an agent that settles must hold still before the Enter. */
const PASTE_SETTLE_MS = 300;

/**
 * Right after the agent started (spawn's task prompt, restore's note) it may still redraw a
 * while later (Gemini CLI resuming shows its prompt, then the conversation): a longer still time.
 */
const START_SETTLE_MS = 2000;
/** A resumed conversation is drawn after the prompt, later still on a loaded host: restore's note waits longer. */
const RESUME_SETTLE_MS = 4000;
const JUST_STARTED_MS = 60_000;

function startSettle(record: { status: string; restoredAt?: string }, settleMs: number): number {
  if (settleMs === 0) return 0;
  if (record.status === 'spawning') return Math.max(settleMs, START_SETTLE_MS);
  const restored = record.restoredAt ? Date.parse(record.restoredAt) : Number.NaN;
  return Number.isFinite(restored) && Date.now() - restored < JUST_STARTED_MS ? Math.max(settleMs, RESUME_SETTLE_MS) : settleMs;
}

/** The recorded agent's settle time (full-screen agents); an agent this version does not know has none. */
function settleOf(agent: string): number | undefined {
  try {
    return getAdapter(agent).settleMs;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Deliver a message to a session's agent, whole or not at all. Sends to one
 * session are serialized by a lock on its host, so concurrent sends never
 * interleave. The text is neutralised for the terminal (no escape sequence
 * or carriage return can act as a key), staged on the host and checked
 * there before anything is pasted; the host writes the event, verbatim,
 * whatever happens to this process or its connection.
 */
export async function sendMessage(orch: Orchestrator, id: string, given: string, options: SendOptions = {}): Promise<SendResult> {
  // The one Enter submits the message: trailing newlines (a file's last line end) would add empty lines.
  const text = neutralizeForPane(given).replace(/\n+$/, '');
  if (text.trim() === '') throw new AoError('usage', 'the message is empty', 'pass the text as arguments, or -f FILE');
  const wait = options.wait ?? true;
  const timeoutMs = (options.timeoutSec ?? orch.config.defaults.sendTimeoutSec) * 1000;
  const located = options.located ?? (await orch.locate(id));
  const { host, project, record } = located;
  if (record.status === 'killed' || record.status === 'merged') {
    throw new AoError('conflict', `session ${id} is ${record.status}; nothing is running to receive a message`, record.status === 'killed' ? `restore it first: ao session restore ${id}` : undefined);
  }
  const tmuxName = orch.tmuxName(id);
  const runtime = orch.runtime(host);
  const store = orch.store(host);
  const started = Date.now();
  const bytes = Buffer.byteLength(text);
  const type = options.answer ? 'answered' : 'message_sent';

  return store.withLocks(
    project.name,
    id,
    ['send'],
    async (held) => {
      // Look at the pane until the agent can take the message (the first look came with the lock).
      let observation = observe(orch, record.agent, held.probe?.panes.get(tmuxName), true);
      const activityBefore = observation.activity;
      // A full-screen agent takes a message only once its pane holds still (it redraws after it
      // starts or resumes): the wait goes on that long after it is ready, at most SETTLE_CAP_MS.
      const settleMs = wait && !options.answer ? startSettle(record, settleOf(record.agent) ?? 0) : 0;
      let screen = observation.paneLines.join('\n');
      let stillSince = Date.now();
      let readySince: number | undefined;
      // A full-screen agent may drop a paste while it still starts up: it shows nothing, no Enter is
      // pressed, and the message goes again once the agent is ready (at most DELIVERY_ATTEMPTS).
      for (let attempt = 1; ; attempt++) {
        for (;;) {
          if (observation.runtime === 'gone') {
            // No pane is not proof: tmux's socket file may be gone while the agent runs (restore would refuse then).
            if (agentProcessAlive((await orch.snapshot(host)).processes, record.panePid, record.paneStart)) {
              throw new AoError('failed', `session ${id}: tmux does not answer for it, but its agent process still runs (was the tmux socket file removed?); nothing was sent`, `nothing can be typed into its pane until tmux answers; \`ao session kill ${id}\` stops it`, { reason: 'runtime_unknown' });
            }
            throw new AoError('failed', `session ${id} has no running tmux session`, `restore it: ao session restore ${id}`, { reason: 'runtime_gone' });
          }
          if (observation.activity === 'exited') {
            throw new AoError('failed', `the agent of session ${id} has exited`, `restore it: ao session restore ${id}`, { reason: 'agent_exited' });
          }
          if (observation.activity === 'waiting_input' && !options.answer) {
            return { id, host, delivered: false, confirmed: false, needsInput: true, question: observation.question, activityBefore, waitedMs: Date.now() - started, bytes };
          }
          // A full-screen agent knows how its prompt looks: a screen it does not recognise (the agent
          // still starting, text of the shell it starts from) is ready only after a long still time.
          const ready = mayTakeMessage({
            activity: observation.activity!,
            blank: observation.paneLines.every((l) => l.trim() === ''),
            recognised: observation.screen === 'ready' || observation.screen === 'error',
            fullScreen: settleMs > 0,
            stillMs: Date.now() - stillSince,
            slowReadyMs: UNRECOGNISED_READY_MS,
          });
          readySince = ready ? (readySince ?? Date.now()) : undefined;
          const settled = Date.now() - stillSince >= settleMs || Date.now() - (readySince ?? Date.now()) > SETTLE_CAP_MS;
          if (!wait || options.answer || (ready && settled)) break;
          if (options.signal?.aborted) {
            await store
              .appendEvents(project.name, [{ type: 'message_not_delivered', session: id, actor: orch.actor, bytes, reason: 'interrupted while waiting for the agent to be ready', text }])
              .catch(() => undefined);
            throw new AoError('failed', `interrupted while waiting for ${id} to be ready; nothing was sent`, undefined, { reason: 'interrupted' });
          }
          if (Date.now() - started > timeoutMs) {
            throw new AoError('failed', `session ${id}: the agent was not ready within ${Math.round(timeoutMs / 1000)} s (it is ${observation.activity}); nothing was sent`, 'raise --timeout, or send with --no-wait');
          }
          await sleep(POLL_MS);
          observation = observe(orch, record.agent, (await runtime.probeAll(tmuxName, 40)).panes.get(tmuxName), true);
          const now = observation.paneLines.join('\n');
          if (now !== screen) {
            screen = now;
            stillSince = Date.now();
          }
        }

        // From here the host carries the delivery through on its own; an interrupt no longer stops it.
        if (attempt === 1) await orch.fault('send:deliver');
        const token = randomBytes(8).toString('hex');
        const dataDir = orch.pool.dataDir(host);
        const outbox = store.rel.outbox(project.name);
        const head = JSON.stringify({ at: new Date().toISOString(), type, session: id, actor: orch.actor, bytes, sha256: createHash('sha256').update(text).digest('hex') }).slice(0, -1);
        let confirmed: boolean;
        const before = screen;
        try {
          const outcome = await runtime.deliver({ name: tmuxName, text, enter: true, confirmMs: CONFIRM_MS, dataDir, events: store.rel.events(project.name), outbox, token, eventHead: head, stillMs: settleMs ? PASTE_SETTLE_MS : 0 });
          if (outcome.notShown) {
            if (attempt >= DELIVERY_ATTEMPTS) {
              throw new AoError('failed', `session ${id}: the agent showed nothing of the message ${attempt} times (it did not take it); nothing was sent`, `look at it with \`ao open ${id}\``, { reason: 'not_delivered' });
            }
            observation = observe(orch, record.agent, (await runtime.probeAll(tmuxName, 40)).panes.get(tmuxName), true);
            screen = observation.paneLines.join('\n');
            stillSince = Date.now();
            readySince = undefined;
            continue;
          }
          confirmed = outcome.confirmed;
          // A full-screen agent still setting up may show a paste and then reset its input: its screen
          // comes back as it was before the message, which never reached it. It goes again.
          if (settleMs > 0 && attempt < DELIVERY_ATTEMPTS && (await screenCameBack(() => runtime.probeAll(tmuxName, 40).then((p) => observe(orch, record.agent, p.panes.get(tmuxName), true)), before))) {
            await store
              .appendEvents(project.name, [{ type: 'message_not_taken', session: id, actor: orch.actor, bytes, attempt, reason: "the agent's screen came back as it was before the message: it did not take it; sent again" }])
              .catch(() => undefined);
            observation = observe(orch, record.agent, (await runtime.probeAll(tmuxName, 40)).panes.get(tmuxName), true);
            screen = observation.paneLines.join('\n');
            stillSince = Date.now();
            readySince = undefined;
            continue;
          }
        } catch (error) {
          if (!(error instanceof AoError) || error.kind !== 'host' || !/may or may not have completed/.test(error.hint ?? '')) throw error;
          // The connection dropped mid-delivery: the host finished it either way; ask what happened.
          const outcome = await settleLostDelivery(() => runtime.deliveryOutcome({ dataDir, outbox, token }));
          if (outcome === 'delivered') confirmed = false;
          else if (outcome === 'incomplete' || outcome === 'failed') throw new AoError('failed', `the connection to host "${host}" dropped while the message was on its way; it was not delivered (nothing was pasted)`, 'send it again', { reason: 'not_delivered' });
          else throw new AoError('host', `the connection to host "${host}" dropped while the message was on its way; it may or may not have been delivered`, `check with \`ao session events ${id} --last 3\` once the host is back`, { reason: 'unknown_delivery' });
        }
        return { id, host, delivered: true, confirmed, needsInput: false, question: null, activityBefore, waitedMs: Date.now() - started, bytes };
      }
    },
    Math.ceil(timeoutMs / 1000) + 60,
    { probe: { socket: orch.tmuxSocket, name: tmuxName, history: 40 } },
  );
}

/** How long after a delivery a full-screen agent's screen is watched for a sign it took the message. */
const TAKEN_CHECK_MS = 3000;

/**
 * Did the pane come back, and hold, as it was before the message, without
 * the agent's screen ever showing it busy? Then the agent dropped it. Any other
 * screen that holds still, busy, or a question: it took it (and when in
 * doubt at the end, it is taken: a message is never sent twice on a guess).
 */
async function screenCameBack(look: () => Promise<ReturnType<typeof observe>>, before: string): Promise<boolean> {
  const started = Date.now();
  let last: string | undefined;
  let stillSince = Date.now();
  while (Date.now() - started < TAKEN_CHECK_MS) {
    await sleep(POLL_MS);
    const seen = await look();
    // Busy by its own screen (not by recent output: a reset is output too), asking, or gone: taken.
    if (seen.screen === 'busy' || seen.activity === 'waiting_input' || seen.activity === 'exited') return false;
    const now = seen.paneLines.join('\n');
    if (now !== last) {
      last = now;
      stillSince = Date.now();
      continue;
    }
    const still = Date.now() - stillSince;
    // The look takes some history too: a reset that clears the screen (tmux scrolls it into the
    // history) shows the old screen above the same screen again. What counts is the bottom.
    const back = sameBottom(now, before);
    if (back && still >= 600) return true;
    if (!back && still >= 1000) return false;
  }
  return false;
}

function sameBottom(now: string, before: string): boolean {
  const trim = (text: string) => text.replace(/\s+$/, '').split('\n');
  const a = trim(now);
  const b = trim(before);
  if (b.length === 1 && b[0] === '') return false;
  return a.length >= b.length && a.slice(-b.length).join('\n') === b.join('\n');
}

/** Ask the host for a delivery's outcome a few times while the connection comes back. */
async function settleLostDelivery(ask: () => Promise<'delivered' | 'incomplete' | 'failed' | 'unknown'>): Promise<'delivered' | 'incomplete' | 'failed' | 'unknown'> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const outcome = await ask();
      if (outcome !== 'unknown') return outcome;
    } catch {
      /* not back yet */
    }
    await sleep(500 * (attempt + 1));
  }
  return 'unknown';
}
