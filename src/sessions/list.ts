import type { HostSnapshot, Orchestrator } from './orchestrator.js';
import { buildView, type SessionView } from './view.js';

export interface ListOptions {
  project?: string;
  includeKilled?: boolean;
  /** Record status changes the refresh discovered (tmux died, agent exited...) in the session's metadata and event log. */
  persist?: boolean;
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

/** List sessions: one round trip per host (records and panes together), hosts in parallel. */
export async function listSessions(orch: Orchestrator, options: ListOptions = {}, snapshots?: HostSnapshot[]): Promise<SessionList> {
  const projectName = options.project ? orch.project(options.project).name : undefined;
  const all = snapshots ?? (await orch.snapshotAll());
  const now = Date.now();
  const sessions: SessionView[] = [];
  const changes: Promise<unknown>[] = [];
  for (const snapshot of all) {
    for (const record of snapshot.sessions) {
      if (projectName && record.project !== projectName) continue;
      const { observation: _observation, ...view } = buildView(orch, snapshot, record.meta, record.project, now);
      if (options.persist && view.status !== record.meta.status && snapshot.reachable) {
        changes.push(
          orch
            .store(snapshot.host)
            .update(record.project, record.id, (meta) => {
              if (meta.status !== record.meta.status) return undefined; // someone else moved it meanwhile
              const next: Record<string, string> = { ...meta, status: view.status, updatedAt: new Date().toISOString() };
              if (view.activity) next.activity = view.activity;
              if (view.statusReason) next.statusReason = view.statusReason;
              else delete next.statusReason;
              return { meta: next, events: [{ type: 'status_changed', session: record.id, from: meta.status, to: view.status, reason: view.statusReason ?? undefined, actor: orch.actor }] };
            })
            .catch((error: unknown) => orch.log.warn({ session: record.id }, `could not record status change: ${String(error)}`)),
        );
      }
      if (!options.includeKilled && view.status === 'killed') continue;
      sessions.push(view);
    }
  }
  await Promise.all(changes);
  sessions.sort((a, b) => a.project.localeCompare(b.project) || idNumber(a.id) - idNumber(b.id));
  return {
    sessions,
    hosts: all.map((s) => ({ name: s.host, reachable: s.reachable, error: s.error ?? null })),
    warnings: all.flatMap((s) => s.warnings.map((w) => ({ host: s.host, ...w }))),
  };
}

function idNumber(id: string): number {
  return Number(id.slice(id.lastIndexOf('-') + 1));
}
