import type { AgentAdapter, AgentLogReading, PaneState } from '../agents/adapter.js';
import { getAdapter } from '../agents/index.js';
import { deriveActivity } from '../core/activity.js';
import type { Activity, SessionStatus } from '../core/model.js';
import { TERMINAL_STATUSES } from '../core/model.js';
import type { ObservedSession } from '../core/plan.js';
import type { SessionRecord } from '../core/record.js';
import { deriveStatus } from '../core/status.js';
import type { HostSnapshot } from '../hosts/snapshot.js';
import type { PaneProbe } from '../hosts/tmux.js';
import { redactSecrets } from '../log.js';
import type { Orchestrator } from './orchestrator.js';

/**
 * The documented, stable JSON shape of a session (`ao session ls --json`,
 * `ao status --json`). GitHub columns stay null until the GitHub side fills them.
 */
export interface SessionView {
  id: string;
  project: string;
  repo: string;
  host: string;
  hostReachable: boolean;
  issue: number | null;
  branch: string;
  agent: string;
  status: SessionStatus;
  statusReason: string | null;
  activity: Activity | null;
  pr: string | null;
  prNumber: number | null;
  ci: 'passing' | 'failing' | 'pending' | 'none' | null;
  review: 'approved' | 'changes_requested' | 'pending' | 'none' | null;
  unresolvedThreads: number | null;
  tmuxName: string;
  worktree: string;
  createdAt: string | null;
  lastActivityAt: string | null;
  restoredAt: string | null;
  killedAt: string | null;
  /** What the pane's last lines say, when the agent waits for a human (secrets redacted). */
  question: string | null;
}

export interface Observation {
  activity: Activity | null;
  runtime: 'alive' | 'gone' | 'unknown';
  lastActivityAt: number | null;
  paneLines: string[];
}

/** The adapter for a recorded agent name; an agent this version does not know is read as a generic program. */
function adapterFor(agent: string): AgentAdapter {
  try {
    return getAdapter(agent);
  } catch {
    return getAdapter('generic');
  }
}

/** Read a session's pane (and, where the agent keeps one, its own log) into an activity. */
export function observe(orch: Orchestrator, agent: string, pane: PaneProbe | undefined, reachable: boolean, now = Date.now(), log?: AgentLogReading): Observation {
  if (!reachable) return { activity: null, runtime: 'unknown', lastActivityAt: null, paneLines: [] };
  if (!pane || pane.paneDead) return { activity: 'exited', runtime: 'gone', lastActivityAt: pane?.lastActivityAt ?? null, paneLines: pane?.lines ?? [] };
  let paneState: PaneState = adapterFor(agent).classify(pane.lines);
  // The agent's own log fills in what the screen does not say, and moves the last-activity time.
  if (paneState === 'unknown' && log?.state) paneState = log.state;
  const lastOutputAt = Math.max(pane.lastActivityAt, log?.at ?? 0);
  const { defaults } = orch.config;
  const activity = deriveActivity({
    alive: true,
    agentExited: pane.agentExitStatus !== undefined,
    paneState,
    lastOutputAt,
    now,
    idleAfterSec: defaults.idleAfterSec,
    settleSec: defaults.settleSec,
  });
  return { activity, runtime: 'alive', lastActivityAt: lastOutputAt, paneLines: pane.lines };
}

/** What the agent's own log says about a session, for agents that keep one. */
function agentLog(snapshot: HostSnapshot, record: SessionRecord): AgentLogReading | undefined {
  const probe = adapterFor(record.agent).logProbe;
  const entries = probe ? snapshot.logs.get(adapterFor(record.agent).name) : undefined;
  if (!probe || !entries || entries.size === 0) return undefined;
  return probe.read(entries, `${record.project}/worktrees/${record.id}`);
}

/** A session as one refresh saw it: the JSON view, plus what planning needs. */
export interface SessionState {
  view: SessionView;
  observation: Observation;
  record: SessionRecord;
  observed: ObservedSession;
}

export function observeSession(orch: Orchestrator, snapshot: HostSnapshot, record: SessionRecord, now = Date.now()): SessionState {
  const current = record.status;
  const terminal = TERMINAL_STATUSES.has(current);
  const tmuxName = orch.tmuxName(record.id);
  const observation: Observation = terminal
    ? { activity: null, runtime: 'gone', lastActivityAt: null, paneLines: [] }
    : observe(orch, record.agent, snapshot.panes.get(tmuxName), snapshot.reachable, now, agentLog(snapshot, record));
  const derived = terminal
    ? { status: current, reason: record.statusReason }
    : deriveStatus({
        current,
        runtime: observation.runtime,
        activity: observation.activity ?? undefined,
        quietMs: observation.lastActivityAt ? now - observation.lastActivityAt : undefined,
        ageMs: record.createdAt ? now - Date.parse(record.createdAt) : undefined,
        stuckAfterSec: orch.config.defaults.stuckAfterSec,
      });
  const lastActivityAt = observation.lastActivityAt ? new Date(observation.lastActivityAt).toISOString() : (record.lastActivityAt ?? null);
  const statusReason = derived.reason ?? (derived.status === current ? (record.statusReason ?? null) : null);
  const view: SessionView = {
    id: record.id,
    project: record.project,
    repo: record.repo,
    host: snapshot.host,
    hostReachable: snapshot.reachable,
    issue: record.issue ?? null,
    branch: record.branch,
    agent: record.agent,
    status: derived.status,
    statusReason,
    activity: observation.activity,
    pr: record.pr ?? null,
    prNumber: record.prNumber ?? null,
    ci: null,
    review: null,
    unresolvedThreads: null,
    tmuxName,
    worktree: record.worktree ?? '',
    createdAt: record.createdAt ?? null,
    lastActivityAt,
    restoredAt: record.restoredAt ?? null,
    killedAt: record.killedAt ?? null,
    question: observation.activity === 'waiting_input' ? redactSecrets(observation.paneLines.slice(-8).join('\n')) : null,
  };
  const observed: ObservedSession = {
    id: record.id,
    host: snapshot.host,
    project: record.project,
    recorded: current,
    status: derived.status,
    statusReason,
    activity: observation.activity,
    hostReachable: snapshot.reachable,
  };
  return { view, observation, record, observed };
}
