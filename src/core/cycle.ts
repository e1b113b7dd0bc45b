import { planCleanup, planStatusRecords, type CleanupPolicy, type ObservedSession, type PlannedAction } from './plan.js';
import { planReactions, type ReactionEvidence, type ReactionPolicies } from './reactions.js';

/**
 * One reconcile cycle's decisions, for all the sessions it looked at: the
 * status changes (and PR evidence) to record, the reactions to run, the
 * sessions to clean up. A session that is cleaned up gets no reaction.
 * Per session the actions come in that order, which the executor keeps.
 */

export interface CycleSession {
  observed: ObservedSession;
  /** Absent: no reactions for this session (its host could not be asked, or reactions are off). */
  reactions?: { evidence: ReactionEvidence; policies: ReactionPolicies };
}

export interface CycleOptions {
  cleanup: CleanupPolicy | false;
}

export function planCycle(sessions: readonly CycleSession[], options: CycleOptions): PlannedAction[] {
  const observed = sessions.map((s) => s.observed);
  const records = planStatusRecords(observed);
  const kills = options.cleanup ? planCleanup(observed, options.cleanup) : [];
  const ending = new Set(kills.map((k) => k.session.id));
  const reactions: PlannedAction[] = [];
  for (const s of sessions) {
    if (!s.reactions || ending.has(s.observed.id) || s.observed.status === 'killed' || !s.observed.hostReachable || s.observed.runtime === 'unknown') continue;
    const plan = planReactions(s.reactions.evidence, s.reactions.policies);
    if (plan.steps.length > 0 || plan.marksChanged) {
      reactions.push({ kind: 'react', session: s.reactions.evidence.session, basedOn: s.reactions.evidence.marks, marks: plan.marks, steps: plan.steps });
    }
  }
  return [...records, ...reactions, ...kills];
}
