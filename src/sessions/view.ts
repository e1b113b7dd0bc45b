import { claudeProjectDirName, readClaudeTranscriptLine, type TranscriptReading } from '../agents/claude-code.js';
import { getAdapter } from '../agents/index.js';
import { deriveActivity } from '../core/activity.js';
import type { Activity, SessionStatus } from '../core/model.js';
import { isSessionStatus } from '../core/model.js';
import { deriveStatus } from '../core/status.js';
import type { PaneProbe } from '../hosts/tmux.js';
import { redactSecrets } from '../log.js';
import type { HostSnapshot, Orchestrator } from './orchestrator.js';

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

/** Read a session's pane into an activity. */
export function observe(orch: Orchestrator, agent: string, pane: PaneProbe | undefined, reachable: boolean, now = Date.now(), log?: TranscriptReading): Observation {
  if (!reachable) return { activity: null, runtime: 'unknown', lastActivityAt: null, paneLines: [] };
  if (!pane || pane.paneDead) return { activity: 'exited', runtime: 'gone', lastActivityAt: pane?.lastActivityAt ?? null, paneLines: pane?.lines ?? [] };
  let paneState: ReturnType<ReturnType<typeof getAdapter>['classify']> = 'unknown';
  try {
    paneState = getAdapter(agent).classify(pane.lines);
  } catch {
    /* an agent this version does not know: read its pane as a generic program */
  }
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

/** What the agent's own log says, for agents that keep one (Claude Code). */
function agentLog(snapshot: HostSnapshot, meta: Record<string, string>, project: string): TranscriptReading | undefined {
  if (meta.agent !== 'claude-code' || snapshot.transcripts.size === 0 || !meta.id) return undefined;
  const suffix = claudeProjectDirName(`/${project}/worktrees/${meta.id}`);
  for (const [dir, line] of snapshot.transcripts) if (dir.endsWith(suffix)) return readClaudeTranscriptLine(line);
  return undefined;
}

function num(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function buildView(orch: Orchestrator, snapshot: HostSnapshot, meta: Record<string, string>, project: string, now = Date.now()): SessionView & { observation: Observation } {
  const current: SessionStatus = meta.status && isSessionStatus(meta.status) ? meta.status : 'working';
  const terminal = current === 'killed' || current === 'merged';
  const pane = meta.tmuxName ? snapshot.panes.get(meta.tmuxName) : undefined;
  // Only names of this deployment were probed; anything else is not evidence of death.
  const probed = Boolean(meta.tmuxName?.startsWith(`${orch.hash12}-`));
  const observation: Observation = terminal
    ? { activity: null, runtime: 'gone', lastActivityAt: null, paneLines: [] }
    : observe(orch, meta.agent ?? 'generic', pane, snapshot.reachable && probed, now, agentLog(snapshot, meta, project));
  const derived = terminal
    ? { status: current, reason: meta.statusReason }
    : deriveStatus({
        current,
        runtime: observation.runtime,
        activity: observation.activity ?? undefined,
        quietMs: observation.lastActivityAt ? now - observation.lastActivityAt : undefined,
        ageMs: meta.createdAt ? now - Date.parse(meta.createdAt) : undefined,
        stuckAfterSec: orch.config.defaults.stuckAfterSec,
      });
  const lastActivityAt = observation.lastActivityAt ? new Date(observation.lastActivityAt).toISOString() : (meta.lastActivityAt ?? null);
  return {
    id: meta.id!,
    project,
    repo: meta.repo ?? '',
    host: snapshot.host,
    hostReachable: snapshot.reachable,
    issue: num(meta.issue),
    branch: meta.branch ?? '',
    agent: meta.agent ?? 'generic',
    status: derived.status,
    statusReason: derived.reason ?? (derived.status === current ? (meta.statusReason ?? null) : null),
    activity: observation.activity,
    pr: meta.pr || null,
    prNumber: num(meta.prNumber),
    ci: null,
    review: null,
    unresolvedThreads: null,
    tmuxName: meta.tmuxName ?? '',
    worktree: meta.worktree ?? '',
    createdAt: meta.createdAt ?? null,
    lastActivityAt,
    restoredAt: meta.restoredAt ?? null,
    killedAt: meta.killedAt ?? null,
    question: observation.activity === 'waiting_input' ? redactSecrets(observation.paneLines.slice(-8).join('\n')) : null,
    observation,
  };
}
