import { killSession, type KillResult } from './kill.js';
import { listSessions } from './list.js';
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
 * Why a session should be cleaned up, or undefined to keep it. Pure.
 * PR-merged and issue-closed evidence comes from the GitHub side when present.
 */
export function cleanupReason(view: { status: string; hostReachable: boolean; activity: string | null; prState?: 'open' | 'merged' | 'closed' | null; issueClosed?: boolean }): string | undefined {
  if (view.status === 'killed' || view.status === 'spawning') return undefined;
  if (!view.hostReachable) return undefined; // uncertain evidence is not death
  if (view.status === 'merged' || view.prState === 'merged') return 'PR merged';
  const alive = view.activity !== null && view.activity !== 'exited';
  if (view.prState === 'open' && alive) return undefined; // never a live session with an open PR
  if (view.issueClosed) return 'issue closed';
  if (!alive && view.status === 'errored') return 'runtime dead';
  return undefined;
}

export async function cleanupSessions(orch: Orchestrator, options: { project?: string; dryRun?: boolean } = {}): Promise<CleanupResult> {
  const list = await listSessions(orch, { project: options.project, persist: !options.dryRun });
  const candidates: CleanupCandidate[] = [];
  for (const view of list.sessions) {
    const reason = cleanupReason({ status: view.status, hostReachable: view.hostReachable, activity: view.activity });
    if (reason) candidates.push({ id: view.id, host: view.host, project: view.project, status: view.status, reason });
  }
  const result: CleanupResult = {
    dryRun: Boolean(options.dryRun),
    candidates,
    killed: [],
    failed: [],
    unreachableHosts: list.hosts.filter((h) => !h.reachable).map((h) => h.name),
  };
  if (options.dryRun) return result;
  for (const candidate of candidates) {
    try {
      result.killed.push(await killSession(orch, candidate.id, { reason: `cleanup: ${candidate.reason}` }));
    } catch (error) {
      result.failed.push({ id: candidate.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}
