import type { AgentAdapter, AgentLogReading, PaneState } from '../agents/adapter.js';
import { AGENT_STATE_PROBE, parseAgentState, readAgentState, type TokenUsage } from '../agents/hooks.js';
import { getAdapter } from '../agents/index.js';
import { contentTail } from '../agents/screen.js';
import { deriveActivity } from '../core/activity.js';
import type { Activity, SessionStatus } from '../core/model.js';
import { TERMINAL_STATUSES } from '../core/model.js';
import type { ObservedSession, RecordedEvidence } from '../core/plan.js';
import { readMarks } from '../core/reactions.js';
import type { SessionRecord } from '../core/record.js';
import { deriveStatus } from '../core/status.js';
import type { HostSnapshot } from '../hosts/snapshot.js';
import type { PaneProbe } from '../hosts/tmux.js';
import type { SessionGitHub } from '../lifecycle/evidence.js';
import { holderIsDead } from '../hosts/holder.js';
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
  /** The PR head the evidence is about. */
  headSha: string | null;
  tmuxName: string;
  worktree: string;
  createdAt: string | null;
  lastActivityAt: string | null;
  restoredAt: string | null;
  killedAt: string | null;
  /** What the pane's last lines say, when the agent waits for a human (secrets redacted). */
  question: string | null;
  /**
   * Tokens the session's agent used so far, from its own transcripts (agents
   * with hooks: Claude Code, Codex); null when the agent tells none.
   */
  tokens: TokenUsage | null;
}

export interface Observation {
  activity: Activity | null;
  runtime: 'alive' | 'gone' | 'unknown';
  lastActivityAt: number | null;
  paneLines: string[];
  /** Why the runtime is unknown although the host answered (tmux silent, agent process alive). */
  doubt?: string;
  /** When the agent waits for a human: the question (its last content lines, or what its hooks said), secrets redacted. */
  question: string | null;
  /** The adapter's reading of the pane alone (a live pane only). */
  screen?: PaneState;
}

/** How many content lines of a pane make the question a human is shown: a dialog with its choices and key hints. */
const QUESTION_LINES = 12;

/** The question on a pane: its last content lines (no borders or blank lines), secrets redacted. */
export function questionText(lines: readonly string[]): string {
  return redactSecrets(contentTail(lines, QUESTION_LINES).join('\n'));
}

/**
 * Whether a recorded agent process still runs, from the snapshot's process
 * check: undefined when nothing was recorded or checked.
 */
export function agentProcessAlive(processes: ReadonlyMap<number, string>, pid: number | undefined, start: string | undefined): boolean | undefined {
  if (!pid) return undefined;
  const now = processes.get(pid);
  if (now === undefined) return undefined;
  if (now === '') return false;
  if (now === '?' || !start) return true;
  return now === start;
}

/** The adapter for a recorded agent name; an agent this version does not know is read as a generic program. */
function adapterFor(agent: string): AgentAdapter {
  try {
    return getAdapter(agent);
  } catch {
    return getAdapter('generic');
  }
}

/**
 * Read a session's pane (and, where the agent keeps one, its own log) into an
 * activity. No pane is death only when the agent's recorded process is gone
 * too: tmux can stop answering (its socket file removed) while agents run.
 */
export function observe(
  orch: Orchestrator,
  agent: string,
  pane: PaneProbe | undefined,
  reachable: boolean,
  now = Date.now(),
  log?: AgentLogReading,
  agentAlive?: boolean,
): Observation {
  if (!reachable) return { activity: null, runtime: 'unknown', lastActivityAt: null, paneLines: [], question: null };
  if (!pane && agentAlive) {
    return { activity: null, runtime: 'unknown', lastActivityAt: null, paneLines: [], question: null, doubt: 'tmux does not answer for it, but its agent process still runs (was the tmux socket file removed?); it is left alone' };
  }
  if (!pane || pane.paneDead) return { activity: 'exited', runtime: 'gone', lastActivityAt: pane?.lastActivityAt ?? null, paneLines: pane?.lines ?? [], question: null };
  const screen = adapterFor(agent).classify(pane.lines);
  // The agent's own word (its hooks, or its log) comes before the screen has drawn a question, fills
  // in what the screen does not say, and moves the last-activity time.
  const report = log?.state !== undefined && log.at !== undefined ? { state: log.state, at: log.at } : undefined;
  const lastOutputAt = Math.max(pane.lastActivityAt, log?.at ?? 0);
  const { defaults } = orch.config;
  const activity = deriveActivity({
    alive: true,
    agentExited: pane.agentExitStatus !== undefined,
    paneState: screen,
    lastOutputAt,
    now,
    idleAfterSec: defaults.idleAfterSec,
    settleSec: defaults.settleSec,
    ...(report ? { report } : {}),
  });
  let question: string | null = null;
  if (activity === 'waiting_input') {
    question = screen === 'waiting_input' || !log?.note ? questionText(pane.lines) : redactSecrets(`${log.note} (the screen does not show the question yet)`);
  }
  return { activity, runtime: 'alive', lastActivityAt: lastOutputAt, paneLines: pane.lines, question, screen };
}

/**
 * What the agent said about a session itself: its hooks' newest report (the
 * agent's live word, when spawn installed them) or else its own log, and its
 * token counts.
 */
export function agentReport(snapshot: HostSnapshot, record: SessionRecord): { reading?: AgentLogReading; tokens?: TokenUsage } {
  const adapter = adapterFor(record.agent);
  const stateEntry = snapshot.logs.get(AGENT_STATE_PROBE.name)?.get(`${record.project}/${record.id}`);
  const hooks = readAgentState(adapter.hooks, stateEntry === undefined ? undefined : parseAgentState(stateEntry));
  const entries = adapter.logProbe ? snapshot.logs.get(adapter.name) : undefined;
  const logged = adapter.logProbe && entries && entries.size > 0 ? adapter.logProbe.read(entries, `${record.project}/worktrees/${record.id}`) : undefined;
  const reading = hooks.report?.state ? hooks.report : (logged ?? hooks.report);
  return { ...(reading ? { reading } : {}), ...(hooks.usage ? { tokens: hooks.usage } : {}) };
}

/** How often a spawn in progress refreshes `spawnHeartbeatAt`, and when a silent one counts as abandoned. */
export const SPAWN_HEARTBEAT_MS = 15_000;
export const SPAWN_ABANDONED_MS = 60_000;

/**
 * A `spawning` session whose spawner stopped: its process is gone (told at
 * once on the machine it ran on) or its heartbeat is older than a minute.
 */
export function spawnAbandoned(record: SessionRecord, now = Date.now()): boolean {
  if (record.status !== 'spawning') return false;
  if (record.spawner && holderIsDead(`- 0 ${record.spawner}`) === true) return true;
  const beat = Date.parse(record.spawnHeartbeatAt ?? record.createdAt ?? '');
  return Number.isFinite(beat) && now - beat > SPAWN_ABANDONED_MS;
}

/** A session that holds (or will hold) a runtime: not ended, not an abandoned spawn. */
export function isLive(record: SessionRecord, now = Date.now()): boolean {
  return !TERMINAL_STATUSES.has(record.status) && !spawnAbandoned(record, now);
}

/** A session as one refresh saw it: the JSON view, plus what planning needs. */
export interface SessionState {
  view: SessionView;
  observation: Observation;
  record: SessionRecord;
  observed: ObservedSession;
  github?: SessionGitHub;
}

function endGrace(orch: Orchestrator, projectName: string): { endGraceMs?: number } {
  const minutes = orch.config.projects.find((p) => p.name === projectName)?.endGraceMin;
  return minutes === undefined ? {} : { endGraceMs: minutes * 60_000 };
}

/** The last PR evidence on record, for when GitHub is not asked. */
export function recordedEvidence(record: SessionRecord): RecordedEvidence {
  const out: RecordedEvidence = {};
  if (record.pr) out.pr = record.pr;
  if (record.prNumber) out.prNumber = record.prNumber;
  if (record.prState) out.prState = record.prState;
  if (record.ci) out.ci = record.ci;
  if (record.review) out.review = record.review;
  if (record.threads !== undefined) out.threads = record.threads;
  if (record.headSha) out.headSha = record.headSha;
  if (record.issueState) out.issueState = record.issueState;
  return out;
}

/**
 * A session as one refresh saw it. `github` is this cycle's evidence from
 * GitHub when it was asked; without it the PR status on record stands
 * (never "no PR" for lack of an answer).
 */
export function observeSession(orch: Orchestrator, snapshot: HostSnapshot, record: SessionRecord, now = Date.now(), github?: SessionGitHub): SessionState {
  const current = record.status;
  // A killed session holds nothing; a merged one still has its agent until cleanup ends it (after the grace period).
  const terminal = current === 'killed';
  const tmuxName = orch.tmuxName(record.id);
  const abandoned = spawnAbandoned(record, now);
  const reported = agentReport(snapshot, record);
  const observation: Observation = terminal
    ? { activity: null, runtime: 'gone', lastActivityAt: null, paneLines: [], question: null }
    : observe(orch, record.agent, snapshot.panes.get(tmuxName), snapshot.reachable, now, reported.reading, agentProcessAlive(snapshot.processes, record.panePid, record.paneStart));
  const onRecord = recordedEvidence(record);
  const evidence = github?.recorded;
  const known = evidence ?? onRecord;
  const derived = terminal
    ? { status: current, reason: record.statusReason }
    : deriveStatus({
        current,
        runtime: observation.runtime,
        activity: observation.activity ?? undefined,
        quietMs: observation.lastActivityAt ? now - observation.lastActivityAt : undefined,
        spawnAbandoned: abandoned,
        stuckAfterSec: orch.config.defaults.stuckAfterSec,
        pr: github?.pr?.evidence,
        // A merged PR on record stays merged; any other PR status stays while GitHub is not asked.
        ...(github ? {} : onRecord.prState === 'merged' ? { pr: { state: 'merged', ci: 'none', review: 'none' } } : { prUnknown: Boolean(onRecord.prNumber) }),
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
    pr: known.pr ?? null,
    prNumber: known.prNumber ?? null,
    ci: known.prNumber ? (known.ci ?? null) : null,
    review: known.prNumber ? (known.review ?? null) : null,
    unresolvedThreads: known.prNumber ? (known.threads ?? null) : null,
    headSha: known.prNumber ? (known.headSha ?? null) : null,
    tmuxName,
    worktree: record.worktree ?? '',
    createdAt: record.createdAt ?? null,
    lastActivityAt,
    restoredAt: record.restoredAt ?? null,
    killedAt: record.killedAt ?? null,
    question: observation.question,
    tokens: reported.tokens ?? null,
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
    runtime: observation.runtime,
    spawnAbandoned: abandoned && snapshot.reachable,
    prState: known.prState ?? null,
    issueClosed: known.issueState === 'closed',
    endSeenAt: readMarks(record.extra).endSeenAt,
    ...endGrace(orch, record.project),
    ...(evidence ? { evidence } : {}),
    recordedEvidence: onRecord,
  };
  return { view, observation, record, observed, ...(github ? { github } : {}) };
}
