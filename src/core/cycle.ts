import { planCleanup, planStatusRecords, type CleanupPolicy, type ObservedSession, type PlannedAction } from './plan.js';
import type { QueuedSpawn } from './control.js';
import { planReactions, type ReactionEvidence, type ReactionPolicies } from './reactions.js';

/**
 * One reconcile cycle's decisions, for all the sessions it looked at: the
 * status changes (and PR evidence) to record, the reactions to run, the
 * sessions to clean up. A session that is cleaned up gets no reaction.
 * Per session the actions come in that order, which the executor keeps.
 */

export interface CycleSession {
  observed: ObservedSession;
  /** Absent: no reactions for this session (its host could not be asked, reactions are off, or its project is paused). */
  reactions?: { evidence: ReactionEvidence; policies: ReactionPolicies };
  /** Set when the session outlived its project's maxSessionAgeHours: it is stopped, its work saved. */
  overAgeHours?: number;
}

export interface CycleOptions {
  cleanup: CleanupPolicy | false;
  /** Queued spawns that may start now (core/control.ts `startable`), per project, oldest first. */
  startable?: readonly { project: string; spawns: readonly QueuedSpawn[] }[];
}

export function planCycle(sessions: readonly CycleSession[], options: CycleOptions): PlannedAction[] {
  const observed = sessions.map((s) => s.observed);
  const records = planStatusRecords(observed);
  const kills = options.cleanup ? planCleanup(observed, options.cleanup) : [];
  for (const s of sessions) {
    // Over its budget: stopped as kill stops (work saved), unless cleanup ends it anyway; never on doubt.
    if (s.overAgeHours === undefined || kills.some((k) => k.session.id === s.observed.id)) continue;
    const o = s.observed;
    if (o.status === 'killed' || !o.hostReachable || o.runtime === 'unknown') continue;
    const reason = `older than ${s.overAgeHours} h (maxSessionAgeHours)`;
    kills.push({ kind: 'kill', session: { id: o.id, host: o.host, project: o.project }, reason, notify: { reaction: 'session-too-old', text: `${o.id} was stopped: it is ${reason}; its work is saved (\`ao session restore ${o.id}\` brings it back)` } });
  }
  const ending = new Set(kills.map((k) => k.session.id));
  const reactions: PlannedAction[] = [];
  for (const s of sessions) {
    if (!s.reactions || ending.has(s.observed.id) || s.observed.status === 'killed' || !s.observed.hostReachable || s.observed.runtime === 'unknown') continue;
    const plan = planReactions(s.reactions.evidence, s.reactions.policies);
    if (plan.steps.length > 0 || plan.marksChanged) {
      reactions.push({ kind: 'react', session: s.reactions.evidence.session, basedOn: s.reactions.evidence.marks, marks: plan.marks, steps: plan.steps });
    }
  }
  const spawns: PlannedAction[] = (options.startable ?? []).flatMap(({ project, spawns: list }) =>
    list.map((q) => ({ kind: 'spawn' as const, session: { id: `${project}#${q.issue}`, host: '', project }, project, issue: q.issue, by: q.by })),
  );
  return [...records, ...reactions, ...kills, ...spawns];
}
