import { createHash } from 'node:crypto';
import { isReadyForMessage } from '../core/activity.js';
import { AoError } from '../core/errors.js';
import type { Activity } from '../core/model.js';
import { redactSecrets } from '../log.js';
import type { LocatedSession, Orchestrator } from './orchestrator.js';
import { observe } from './view.js';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Deliver a message to a session's agent. Sends to one session are
 * serialized by a lock on its host, so concurrent sends never interleave.
 */
export async function sendMessage(orch: Orchestrator, id: string, given: string, options: SendOptions = {}): Promise<SendResult> {
  // The one Enter submits the message: trailing newlines (a file's last line end) would add empty lines.
  const text = given.replace(/(?:\r?\n)+$/, '');
  if (text.trim() === '') throw new AoError('usage', 'the message is empty', 'pass the text as arguments, or -f FILE');
  if (text.includes('\0')) throw new AoError('usage', 'the message contains a NUL byte');
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

  let events: Promise<void> | undefined;
  const result = await store.withLock(
    project.name,
    id,
    'send',
    async () => {
      // Look at the pane until the agent can take the message.
      let observation = observe(orch, record.agent, (await runtime.probeAll(tmuxName, 40)).panes.get(tmuxName), true);
      const activityBefore = observation.activity;
      for (;;) {
        if (observation.runtime === 'gone') {
          throw new AoError('failed', `session ${id} has no running tmux session`, `restore it: ao session restore ${id}`, { reason: 'runtime_gone' });
        }
        if (observation.activity === 'exited') {
          throw new AoError('failed', `the agent of session ${id} has exited`, `restore it: ao session restore ${id}`, { reason: 'agent_exited' });
        }
        if (observation.activity === 'waiting_input' && !options.answer) {
          return {
            id,
            host,
            delivered: false,
            confirmed: false,
            needsInput: true,
            question: redactSecrets(observation.paneLines.slice(-8).join('\n')),
            activityBefore,
            waitedMs: Date.now() - started,
            bytes: Buffer.byteLength(text),
          };
        }
        if (!wait || options.answer || isReadyForMessage(observation.activity!)) break;
        if (Date.now() - started > timeoutMs) {
          throw new AoError('failed', `session ${id}: the agent was not ready within ${Math.round(timeoutMs / 1000)} s (it is ${observation.activity}); nothing was sent`, 'raise --timeout, or send with --no-wait');
        }
        await sleep(POLL_MS);
        observation = observe(orch, record.agent, (await runtime.probeAll(tmuxName, 40)).panes.get(tmuxName), true);
      }

      // Delivery is confirmed when the pane changes after the Enter.
      const confirmed = await runtime.paste(tmuxName, text, true, CONFIRM_MS);
      // The event is written while the lock is released (in parallel), saving a round trip.
      events = store
        .appendEvents(project.name, [
        {
          type: options.answer ? 'answered' : 'message_sent',
          session: id,
          actor: orch.actor,
          bytes: Buffer.byteLength(text),
          sha256: createHash('sha256').update(text).digest('hex'),
          text,
          confirmed,
        },
      ])
        // The message was delivered; a failed audit write is reported, not turned into a failed send.
        .catch((error: unknown) => orch.log.warn({ session: id }, `could not record the sent message in the event log: ${String(error)}`));
      return {
        id,
        host,
        delivered: true,
        confirmed,
        needsInput: false,
        question: null,
        activityBefore,
        waitedMs: Date.now() - started,
        bytes: Buffer.byteLength(text),
      };
    },
    Math.ceil(timeoutMs / 1000) + 60,
  );
  await events;
  return result;
}
