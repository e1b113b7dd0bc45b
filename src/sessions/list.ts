import type { HostSnapshot, Orchestrator } from './orchestrator.js';
import { observeSession, type SessionState, type SessionView } from './view.js';

export interface ListOptions {
  project?: string;
  includeKilled?: boolean;
}

export interface HostState {
  name: string;
  reachable: boolean;
  error: string | null;
}

export interface SessionList {
  sessions: SessionView[];
  hosts: HostState[];
  warnings: { host: string; file: string; problem: string }[];
}

export interface Observed {
  states: SessionState[];
  hosts: HostState[];
  warnings: SessionList['warnings'];
}

/**
 * Every session as one refresh sees it: one round trip per host (records,
 * panes and agent logs together), hosts in parallel. Reads only: whoever
 * wants to act on what it saw plans and applies (src/core/plan.ts).
 */
export async function observeSessions(orch: Orchestrator, options: { project?: string } = {}, snapshots?: HostSnapshot[]): Promise<Observed> {
  const projectName = options.project ? orch.project(options.project).name : undefined;
  const all = snapshots ?? (await orch.snapshotAll());
  const now = Date.now();
  const states: SessionState[] = [];
  for (const snapshot of all) {
    for (const { project, record } of snapshot.records) {
      if (projectName && project !== projectName) continue;
      states.push(observeSession(orch, snapshot, record, now));
    }
  }
  states.sort((a, b) => a.view.project.localeCompare(b.view.project) || idNumber(a.view.id) - idNumber(b.view.id));
  return {
    states,
    hosts: all.map((s) => ({ name: s.host, reachable: s.reachable, error: s.error ?? null })),
    warnings: [
      ...all.flatMap((s) => s.warnings.map((w) => ({ host: s.host, ...w }))),
      ...states.flatMap((s) => (s.observation.doubt ? [{ host: s.view.host, file: `${s.view.project}/sessions/${s.view.id}`, problem: s.observation.doubt }] : [])),
    ],
  };
}

/** List sessions (the JSON document of `ao session ls` / `ao status`). */
export async function listSessions(orch: Orchestrator, options: ListOptions = {}, snapshots?: HostSnapshot[]): Promise<SessionList> {
  const observed = await observeSessions(orch, options, snapshots);
  return toList(observed, options.includeKilled);
}

export function toList(observed: Observed, includeKilled = false): SessionList {
  return {
    sessions: observed.states.map((s) => s.view).filter((v) => includeKilled || v.status !== 'killed'),
    hosts: observed.hosts,
    warnings: observed.warnings,
  };
}

function idNumber(id: string): number {
  return Number(id.slice(id.lastIndexOf('-') + 1));
}
