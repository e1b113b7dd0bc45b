import { planCleanup, type PlannedAction } from '../core/plan.js';
import { applyPlan } from './apply.js';
import type { KillResult } from './kill.js';
import { observeSessions } from './list.js';
import type { Orchestrator } from './orchestrator.js';

export interface CleanupCandidate {
  id: string;
  host: string;
  project: string;
  status: string;
  reason: string;
}

export interface CleanupResult {
  dryRun: boolean;
  candidates: CleanupCandidate[];
  killed: KillResult[];
  failed: { id: string; error: string }[];
  /** Hosts that could not be asked: their sessions are never cleaned on uncertain evidence. */
  unreachableHosts: string[];
}

/**
 * Plan the cleanup from one refresh, GitHub included where there is a token
 * (src/core/plan.ts: PR merged, issue closed, runtime dead, spawn
 * interrupted), then apply it unless it is a dry run.
 */
export async function cleanupSessions(orch: Orchestrator, options: { project?: string; dryRun?: boolean } = {}): Promise<CleanupResult> {
  const observed = await observeSessions(orch, { project: options.project });
  const plan = planCleanup(
    observed.states.map((s) => s.observed),
    { now: Date.now(), endGraceMs: orch.config.defaults.endGraceMin * 60_000 },
  );
  const statusOf = new Map(observed.states.map((s) => [s.view.id, s.view.status]));
  const result: CleanupResult = {
    dryRun: Boolean(options.dryRun),
    candidates: plan.flatMap((a: PlannedAction) =>
      a.kind === 'kill' ? [{ id: a.session.id, host: a.session.host, project: a.session.project, status: statusOf.get(a.session.id) ?? 'unknown', reason: a.reason }] : [],
    ),
    killed: [],
    failed: [],
    unreachableHosts: observed.hosts.filter((h) => !h.reachable).map((h) => h.name),
  };
  if (options.dryRun) return result;
  for (const applied of await applyPlan(orch, plan)) {
    if (applied.ok && applied.kill) result.killed.push(applied.kill);
    else if (!applied.ok) result.failed.push({ id: applied.action.session.id, error: applied.error ?? applied.message });
  }
  return result;
}
