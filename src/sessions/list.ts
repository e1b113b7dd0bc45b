import type { Metadata } from '../core/metadata.js';
import type { HostSnapshot, Orchestrator } from './orchestrator.js';
import { gatherEvidence, type GitHubEvidence } from '../lifecycle/evidence.js';
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
  /** What GitHub was asked this time (undefined: not asked). */
  github?: GitHubEvidence;
  /** Milliseconds spent looking at the hosts and asking GitHub. */
  timings: { hostsMs: number; githubMs: number };
  /** The projects' control files, when the arbiter host (the first) was looked at; undefined when it was not. */
  controls?: Map<string, Metadata>;
}

/**
 * Every session as one refresh sees it: one round trip per host (records,
 * panes and agent logs together), hosts in parallel. Reads only: whoever
 * wants to act on what it saw plans and applies (src/core/plan.ts).
 */
export async function observeSessions(
  orch: Orchestrator,
  options: { project?: string; session?: string; github?: boolean; /** Only these hosts (a session's, when the caller knows it). */ hosts?: readonly string[] } = {},
  snapshots?: HostSnapshot[],
): Promise<Observed> {
  const projectName = options.project ? orch.project(options.project).name : undefined;
  const started = Date.now();
  const all = snapshots ?? (options.hosts ? await Promise.all(options.hosts.map((h) => orch.snapshot(h))) : await orch.snapshotAll());
  const hostsMs = Date.now() - started;
  const now = Date.now();
  const chosen = all.flatMap((snapshot) =>
    snapshot.records.filter((r) => (!projectName || r.project === projectName) && (!options.session || r.id === options.session)).map((r) => ({ snapshot, ...r })),
  );
  // One batched GitHub request per repo for the sessions whose evidence can still change.
  let github: GitHubEvidence | undefined;
  const port = options.github === false ? undefined : await orch.github();
  if (port) {
    const known = chosen.flatMap((c) => {
      const project = orch.config.projects.find((p) => p.name === c.project);
      return project ? [{ project, record: c.record }] : [];
    });
    github = await gatherEvidence(port, known);
  }
  const githubMs = Date.now() - started - hostsMs;
  const arbiterSnapshot = all.find((s) => s.host === orch.pool.names()[0] && s.reachable);
  const states: SessionState[] = chosen.map((c) => observeSession(orch, c.snapshot, c.record, now, github?.sessions.get(c.id)));
  states.sort((a, b) => a.view.project.localeCompare(b.view.project) || idNumber(a.view.id) - idNumber(b.view.id));
  return {
    states,
    hosts: all.map((s) => ({ name: s.host, reachable: s.reachable, error: s.error ?? null })),
    warnings: [
      ...all.flatMap((s) => s.warnings.map((w) => ({ host: s.host, ...w }))),
      ...states.flatMap((s) => (s.observation.doubt ? [{ host: s.view.host, file: `${s.view.project}/sessions/${s.view.id}`, problem: s.observation.doubt }] : [])),
      ...(github?.notes ?? []).map((note) => ({ host: 'github', file: note.split(':')[0] ?? '', problem: note.slice(note.indexOf(':') + 2) })),
    ],
    ...(github ? { github } : {}),
    timings: { hostsMs, githubMs },
    ...(arbiterSnapshot ? { controls: arbiterSnapshot.controls } : {}),
  };
}

/** List sessions (the JSON document of `ao session ls` / `ao status`). */
export async function listSessions(orch: Orchestrator, options: ListOptions & { github?: boolean } = {}, snapshots?: HostSnapshot[]): Promise<SessionList> {
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
