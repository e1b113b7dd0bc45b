import { describeAction, type PlannedAction, type RecordedEvidence } from '../core/plan.js';
import { readMarks, writeMarks, type ReactionMarks, type ReactionStep } from '../core/reactions.js';
import type { SessionRecord } from '../core/record.js';
import pLimit, { type LimitFunction } from 'p-limit';
import type { BatchOutcome } from '../hosts/store.js';
import { repoRef } from '../lifecycle/evidence.js';
import { killSession, type KillResult } from './kill.js';
import type { Orchestrator } from './orchestrator.js';
import { sendMessage } from './send.js';
import type { SpawnResult } from './spawn.js';

export interface AppliedAction {
  action: PlannedAction;
  ok: boolean;
  /** What happened, in one line (several for reactions). */
  message: string;
  error?: string;
  kill?: KillResult;
  /** The session a queued spawn started. */
  spawned?: SpawnResult;
  /** For reactions: each step's outcome. */
  steps?: { step: ReactionStep; ok: boolean; message: string }[];
}

/** A notification: an event in the session's log, a log line, and (for the app) the status comment. */
export interface Notification {
  session: string;
  reaction: string;
  text: string;
}

export interface ApplyOptions {
  /** Where notifications also go (the CLI prints them; the app puts them in the status comment). */
  notify?: (notification: Notification) => void;
  /**
   * How long a reaction's message may wait for a busy agent (seconds,
   * default 15). Longer would hold up the cycle, and every other session's
   * reactions with it; a message that could not wait is tried again by the
   * next cycle (its claim is given back).
   */
  sendTimeoutSec?: number;
}

/** Sessions of one host whose actions (reactions, kills) run at once. */
const PER_HOST_CONCURRENCY = 4;

/**
 * The one executor of plans. Actions on different sessions run in parallel,
 * actions on one session in order; a failed action is reported, never
 * thrown, so one bad session does not stop the rest.
 */
export async function applyPlan(orch: Orchestrator, actions: readonly PlannedAction[], options: ApplyOptions = {}): Promise<AppliedAction[]> {
  const results = new Map<PlannedAction, AppliedAction>();
  // Bookkeeping first, batched: every status and evidence record of a host in two round trips.
  const records = actions.filter((a): a is RecordAction => a.kind === 'record_status' || a.kind === 'record_evidence');
  const byHost = new Map<string, RecordAction[]>();
  for (const action of records) byHost.set(action.session.host, [...(byHost.get(action.session.host) ?? []), action]);
  await Promise.all([...byHost].map(async ([host, list]) => {
    for (const applied of await applyRecords(orch, host, list)) results.set(applied.action, applied);
  }));
  const bySession = new Map<string, PlannedAction[]>();
  for (const action of actions) if (!results.has(action)) bySession.set(action.session.id, [...(bySession.get(action.session.id) ?? []), action]);
  // A few sessions per host at a time: a mass cleanup (1,000 dead sessions) must not start thousands of processes at once.
  const perHost = new Map<string, LimitFunction>();
  const limit = (host: string) => perHost.get(host) ?? perHost.set(host, pLimit(PER_HOST_CONCURRENCY)).get(host)!;
  await Promise.all(
    [...bySession.values()].map((list) =>
      limit(list[0]!.session.host)(async () => {
        for (const action of list) results.set(action, await applyOne(orch, action, options));
      }),
    ),
  );
  return actions.map((a) => results.get(a)!);
}

type RecordAction = Extract<PlannedAction, { kind: 'record_status' | 'record_evidence' }>;

/** The records of one host's sessions, in one batch: a session someone is working on is skipped, and the next look records it. */
async function applyRecords(orch: Orchestrator, host: string, actions: readonly RecordAction[]): Promise<AppliedAction[]> {
  let outcomes: BatchOutcome[];
  try {
    outcomes = await orch.store(host).updateRecords(
      actions.map((a) => a.session),
      (record, i) => {
        const action = actions[i]!;
        const updatedAt = new Date().toISOString();
        if (action.kind === 'record_evidence') return { meta: withEvidence({ ...record, updatedAt }, action.evidence) };
        if (record.status !== action.from) return undefined; // someone else moved it meanwhile: theirs stands
        const next = withEvidence({ ...record, status: action.to, activity: action.activity ?? record.activity, statusReason: action.reason ?? undefined, updatedAt }, action.evidence);
        return {
          meta: next,
          events: [{ type: 'status_changed', session: action.session.id, from: action.from, to: action.to, reason: action.reason ?? undefined, actor: orch.actor, ...(action.evidence ? { evidence: action.evidence } : {}) }],
        };
      },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return actions.map((action) => ({ action, ok: false, message: `${action.session.id}: ${message}`, error: message }));
  }
  return actions.map((action, i) => {
    const o = outcomes[i]!;
    switch (o.outcome) {
      case 'written':
        return { action, ok: true, message: describeAction(action, 'done') };
      case 'unchanged':
        return { action, ok: true, message: `${action.session.id}: status moved meanwhile; left as it is` };
      case 'busy':
        return { action, ok: true, message: `${action.session.id}: busy (another operation holds it); the next look records it` };
      case 'missing':
        return { action, ok: true, message: `${action.session.id}: its record is gone (removed meanwhile)` };
      default: {
        const error = o.outcome === 'lost' ? 'the record lock was lost (held too long and broken as stale); nothing written' : (('error' in o && o.error) || 'the write failed');
        return { action, ok: false, message: `${action.session.id}: ${error}`, error };
      }
    }
  });
}

function withEvidence(record: SessionRecord, evidence: RecordedEvidence | undefined): SessionRecord {
  if (!evidence) return record;
  const next: SessionRecord = { ...record };
  for (const key of ['pr', 'prNumber', 'prState', 'ci', 'review', 'threads', 'headSha', 'issueState'] as const) {
    if (evidence[key] === undefined) delete next[key];
    else (next as unknown as Record<string, unknown>)[key] = evidence[key];
  }
  return next;
}

function sameMarks(a: ReactionMarks, b: ReactionMarks): boolean {
  return JSON.stringify(writeMarks(a)) === JSON.stringify(writeMarks(b));
}

function withMarks(record: SessionRecord, marks: ReactionMarks): SessionRecord {
  const extra = { ...record.extra };
  for (const [key, value] of Object.entries(writeMarks(marks))) {
    if (value === undefined) delete extra[key];
    else extra[key] = value;
  }
  return { ...record, extra };
}

async function applyOne(orch: Orchestrator, action: PlannedAction, options: ApplyOptions): Promise<AppliedAction> {
  const { session } = action;
  try {
    switch (action.kind) {
      case 'record_status':
      case 'record_evidence':
        return (await applyRecords(orch, session.host, [action]))[0]!;
      case 'react':
        return await applyReaction(orch, action, options);
      case 'kill': {
        const kill = await killSession(orch, session.id, { reason: `cleanup: ${action.reason}` });
        if (action.notify) await notify(orch, session.project, session.host, { session: session.id, reaction: action.notify.reaction, text: action.notify.text }, options);
        return { action, ok: true, message: describeAction(action, 'done'), kill };
      }
      case 'spawn': {
        const { spawnForIssue } = await import('../lifecycle/issue.js');
        let outcome;
        try {
          outcome = await spawnForIssue(orch.withActor(action.by ? `github:${action.by}` : orch.actor), action.project, action.issue, action.by);
        } catch (error) {
          // A spawn that cannot start (not a full project: a broken one) leaves the queue, and a human is told, instead of failing every cycle.
          const message = error instanceof Error ? error.message : String(error);
          const { unqueueSpawn } = await import('./control.js');
          await unqueueSpawn(orch, action.project, action.issue).catch(() => undefined);
          await notify(orch, action.project, orch.pool.names()[0]!, { session: `${action.project}#${action.issue}`, reaction: 'spawn-failed', text: `the queued session for issue #${action.issue} could not start: ${message}` }, options);
          throw error;
        }
        if ('started' in outcome) return { action, ok: true, message: `${describeAction(action, 'done')}: ${outcome.started.id} on ${outcome.started.host}`, spawned: outcome.started };
        return { action, ok: true, message: `issue #${action.issue} of ${action.project} still waits: ${'queued' in outcome ? outcome.reason : outcome.refused}` };
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { action, ok: false, message: `${session.id}: ${message}`, error: message };
  }
}

/**
 * A reaction: its marks are claimed first, under the record's lock, and only
 * if nobody changed them since the plan was made (another copy of the
 * orchestrator, a webhook meanwhile); then its steps run. A step that fails
 * gives its claim back, so the next cycle tries again.
 */
async function applyReaction(orch: Orchestrator, action: Extract<PlannedAction, { kind: 'react' }>, options: ApplyOptions): Promise<AppliedAction> {
  const { session } = action;
  const store = orch.store(session.host);
  let before: ReactionMarks | undefined;
  let claimed = false;
  await store.updateRecord(session.project, session.id, (record) => {
    before = readMarks(record.extra);
    if (!sameMarks(before, action.basedOn)) return undefined; // acted on meanwhile: this plan is stale
    claimed = true;
    return sameMarks(before, action.marks) ? undefined : { meta: withMarks(record, action.marks) };
  });
  if (!claimed) return { action, ok: true, message: `${session.id}: its reactions were handled meanwhile; nothing done`, steps: [] };

  const outcomes: { step: ReactionStep; ok: boolean; message: string }[] = [];
  let failed = false;
  for (const step of action.steps) {
    try {
      if (step.kind === 'send_to_agent') {
        const sent = await sendMessage(orch, session.id, step.message, { wait: true, timeoutSec: options.sendTimeoutSec ?? 15 });
        if (!sent.delivered) throw new Error(sent.needsInput ? 'the agent is waiting for an answer' : 'not delivered');
        await store.appendEvents(session.project, [{ type: 'reaction', session: session.id, reaction: step.reaction, action: 'send-to-agent', actor: orch.actor }]);
        outcomes.push({ step, ok: true, message: `${session.id}: sent ${step.reaction} to the agent` });
      } else if (step.kind === 'notify') {
        await notify(orch, session.project, session.host, { session: session.id, reaction: step.reaction, text: step.text }, options);
        outcomes.push({ step, ok: true, message: `${session.id}: notified ${step.reaction}: ${step.text.split('\n')[0]}` });
      } else {
        const port = await orch.github();
        if (!port) throw new Error('no GitHub access to merge with');
        const project = orch.project(session.project);
        const result = await port.mergePullRequest(repoRef(project.repo), { number: step.prNumber, method: step.method, expectedHeadSha: step.headSha });
        if (result.merged) {
          await store.appendEvents(session.project, [{ type: 'reaction', session: session.id, reaction: step.reaction, action: 'auto-merge', pr: step.prNumber, sha: result.sha, actor: orch.actor }]);
          outcomes.push({ step, ok: true, message: `${session.id}: merged PR #${step.prNumber} (${step.method})` });
        } else {
          // GitHub refused: a human decides; the mark stays, so it is not tried again for this head.
          await notify(orch, session.project, session.host, { session: session.id, reaction: step.reaction, text: `${session.id}: PR #${step.prNumber} could not be merged automatically (${result.reason}): ${result.message}` }, options);
          outcomes.push({ step, ok: true, message: `${session.id}: GitHub refused to merge PR #${step.prNumber}: ${result.message}` });
        }
      }
    } catch (error) {
      failed = true;
      outcomes.push({ step, ok: false, message: `${session.id}: ${step.reaction} failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  if (failed && before) {
    // Give the claim back (only if it is still ours), so the next cycle tries again.
    const claim = before;
    await store
      .updateRecord(session.project, session.id, (record) => (sameMarks(readMarks(record.extra), action.marks) ? { meta: withMarks(record, claim) } : undefined))
      .catch((error: unknown) => orch.log.warn({ session: session.id }, `could not release a reaction's claim: ${String(error)}`));
  }
  return { action, ok: !failed, message: outcomes.map((o) => o.message).join('\n') || `${session.id}: reaction marks updated`, steps: outcomes, ...(failed ? { error: outcomes.filter((o) => !o.ok).map((o) => o.message).join('; ') } : {}) };
}

async function notify(orch: Orchestrator, project: string, host: string, notification: Notification, options: ApplyOptions): Promise<void> {
  orch.log.info({ session: notification.session, reaction: notification.reaction }, notification.text);
  await orch.store(host).appendEvents(project, [{ type: 'notified', session: notification.session, reaction: notification.reaction, text: notification.text, actor: orch.actor }]);
  options.notify?.(notification);
}
