import { readControl, startable, tooOld, type ProjectControl } from '../core/control.js';
import { planCycle, type CycleSession } from '../core/cycle.js';
import type { Metadata } from '../core/metadata.js';
import { describeAction } from '../core/plan.js';
import { readMarks, resolveReactions } from '../core/reactions.js';
import { applyPlan, type Notification } from '../sessions/apply.js';
import { observeSessions, type HostState, type SessionList } from '../sessions/list.js';
import type { Orchestrator } from '../sessions/orchestrator.js';
import type { SessionView } from '../sessions/view.js';

/**
 * The lifecycle engine: one cycle is one look at every host (one round trip
 * each, in parallel) and one batched GitHub request per repo, then the
 * pure decisions (src/core/cycle.ts: statuses, reactions, cleanup), then the
 * one executor. The loop runs cycles on a timer; a webhook runs one for a
 * session. Cycles of one orchestrator never overlap, and the reactions'
 * marks in the records keep a second orchestrator (another app copy, a
 * cron job) from doing anything twice.
 */

export interface ReconcileOptions {
  project?: string;
  /** Only this session (a webhook's). */
  session?: string;
  /** The session's host, when the caller knows it: only that host is looked at. */
  host?: string;
  /** Plan and print, change nothing. */
  dryRun?: boolean;
  /** Where notifications also go. */
  notify?: (notification: Notification) => void;
}

export interface ReconcileAction {
  kind: string;
  session: string;
  description: string;
  /** Undefined in a dry run. */
  ok?: boolean;
  error?: string;
  /** A queued spawn that started: its session. */
  spawned?: { id: string; host: string; project: string; issue: number };
}

export interface ReconcileResult {
  startedAt: string;
  durationMs: number;
  dryRun: boolean;
  sessions: SessionView[];
  hosts: HostState[];
  warnings: SessionList['warnings'];
  github: { asked: boolean; requests: number; rateLimited: string[] };
  /** Where the time went: looking at hosts, asking GitHub, acting. */
  timings: { hostsMs: number; githubMs: number; applyMs: number };
  actions: ReconcileAction[];
  notifications: Notification[];
  /** The maintainers' switches of the projects this cycle looked at (pause, queued spawns). */
  controls: Record<string, ProjectControl>;
}

const running = new WeakMap<Orchestrator, Promise<unknown>>();

/** One cycle. Waits for a cycle of the same orchestrator still running, so cycles never overlap. */
export async function reconcileOnce(orch: Orchestrator, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const previous = running.get(orch) ?? Promise.resolve();
  const cycle = previous.catch(() => undefined).then(() => cycleOnce(orch, options));
  running.set(orch, cycle);
  try {
    return await cycle;
  } finally {
    if (running.get(orch) === cycle) running.delete(orch);
  }
}

async function cycleOnce(orch: Orchestrator, options: ReconcileOptions): Promise<ReconcileResult> {
  const started = Date.now();
  const now = started;
  const observed = await observeSessions(orch, { project: options.project, session: options.session, ...(options.host ? { hosts: [options.host] } : {}) });
  const planned = Date.now();
  // The maintainers' switches: from the arbiter's look, or asked of it when this look skipped it.
  const { controls: controlOf, unknown: unknownControl } = await projectControls(orch, observed.controls, [...new Set(observed.states.map((s) => s.view.project))], !options.session && !options.host ? orch.config.projects.map((p) => p.name) : []);
  const sessions: CycleSession[] = observed.states.map((state) => {
    const project = orch.config.projects.find((p) => p.name === state.view.project);
    if (!project) return { observed: state.observed };
    const github = state.github;
    const live = state.view.status !== 'killed' && state.view.status !== 'merged';
    const overAge = live && tooOld(state.view, project, now) ? { overAgeHours: project.maxSessionAgeHours! } : {};
    // A paused project reacts to nothing (its statuses are still recorded, its finished sessions still
    // cleaned up); nor does one whose switches could not be read: a pause is never missed.
    if (controlOf.get(project.name)?.paused || unknownControl.has(project.name)) return { observed: state.observed, ...overAge };
    return {
      observed: state.observed,
      ...overAge,
      reactions: {
        policies: resolveReactions(orch.config.defaults.reactions, project.reactions),
        evidence: {
          session: { id: state.view.id, host: state.view.host, project: state.view.project },
          status: state.view.status,
          activity: state.view.activity,
          question: state.view.question,
          ...(github?.pr ? { pr: github.pr } : {}),
          writerComments: github?.writerComments ?? [],
          otherComments: github?.otherComments ?? [],
          issueClosed: state.observed.issueClosed ?? false,
          prMerged: state.observed.prState === 'merged' || state.view.status === 'merged',
          marks: readMarks(state.record.extra),
          now,
        },
      },
    };
  });
  // Queued spawns start in full cycles only: a look at one session cannot count a project's live sessions.
  const startNow = options.session || options.host ? [] : orch.config.projects.filter((p) => !options.project || options.project === p.name || options.project === p.repo).flatMap((project) => {
    const control = controlOf.get(project.name);
    if (!control) return [];
    const live = observed.states.filter((s) => s.view.project === project.name && s.view.status !== 'killed' && s.view.status !== 'merged').length;
    const spawns = startable(control, project, live);
    return spawns.length ? [{ project: project.name, spawns }] : [];
  });
  const plan = planCycle(sessions, { cleanup: { now, endGraceMs: orch.config.defaults.endGraceMin * 60_000 }, startable: startNow });
  const notifications: Notification[] = [];
  let actions: ReconcileAction[];
  if (options.dryRun) {
    actions = plan.map((a) => ({ kind: a.kind, session: a.session.id, description: describeAction(a, 'planned') }));
  } else {
    const applied = await applyPlan(orch, plan, {
      notify: (n) => {
        notifications.push(n);
        options.notify?.(n);
      },
    });
    actions = applied.map((a) => ({
      kind: a.action.kind,
      session: a.action.session.id,
      description: a.message,
      ok: a.ok,
      ...(a.error ? { error: a.error } : {}),
      ...(a.spawned && a.action.kind === 'spawn' ? { spawned: { id: a.spawned.id, host: a.spawned.host, project: a.action.project, issue: a.action.issue } } : {}),
    }));
  }
  return {
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    dryRun: Boolean(options.dryRun),
    sessions: observed.states.map((s) => s.view),
    hosts: observed.hosts,
    warnings: observed.warnings,
    github: { asked: Boolean(observed.github), requests: observed.github?.requests ?? 0, rateLimited: observed.github?.rateLimited ?? [] },
    actions,
    notifications,
    controls: Object.fromEntries(controlOf),
    timings: { ...observed.timings, applyMs: Date.now() - planned },
  };
}

async function projectControls(orch: Orchestrator, seen: Map<string, Metadata> | undefined, needed: readonly string[], all: readonly string[]): Promise<{ controls: Map<string, ProjectControl>; unknown: Set<string> }> {
  const controls = new Map<string, ProjectControl>();
  const unknown = new Set<string>();
  const names = [...new Set([...needed, ...all])];
  await Promise.all(
    names.map(async (name) => {
      try {
        controls.set(name, readControl((seen ? seen.get(name) : await orch.store(orch.pool.names()[0]!).readControl(name)) ?? {}));
      } catch {
        unknown.add(name);
      }
    }),
  );
  return { controls, unknown };
}

/** Cycles on a timer until `signal` aborts; each result goes to `onCycle`. A failed cycle is reported and the loop goes on. */
export async function reconcileLoop(
  orch: Orchestrator,
  options: ReconcileOptions & { intervalSec: number; signal: AbortSignal; onCycle: (result: ReconcileResult) => void; onError?: (error: unknown) => void },
): Promise<void> {
  while (!options.signal.aborted) {
    try {
      options.onCycle(await reconcileOnce(orch, options));
    } catch (error) {
      options.onError?.(error);
    }
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) return resolve();
      const timer = setTimeout(resolve, options.intervalSec * 1000);
      options.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
