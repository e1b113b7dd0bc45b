import type { Metadata } from './metadata.js';

/**
 * The maintainers' controls over a project, outside any agent (SPEC section
 * 4), pure: the kill switch (`pause-all`: no new sessions, no reactions),
 * the cap on live sessions with its queue of waiting spawns, and the
 * maximum age of a session. The state is a small file on the arbiter host
 * (core/layout.ts `control`), so the app, the CLI and the Action all obey
 * the same switch.
 */

export interface QueuedSpawn {
  issue: number;
  /** When it was queued (ISO): the queue is first come, first served. */
  at: string;
  /** Who asked for it (the label's or the command's author). */
  by: string;
}

export interface ProjectControl {
  paused?: { by: string; at: string };
  queue: QueuedSpawn[];
}

export interface ProjectLimits {
  /** Live sessions at most; further spawns wait in the queue (the app) or are refused (the CLI). */
  maxLiveSessions?: number;
  /** Hours a session may live; then it is stopped (its work saved, as kill does) and a human told. */
  maxSessionAgeHours?: number;
}

export function readControl(meta: Metadata): ProjectControl {
  const queue: QueuedSpawn[] = [];
  for (const entry of (meta.queue ?? '').split(' ').filter(Boolean)) {
    const [issue, at, by] = entry.split('@');
    const n = Number(issue);
    if (Number.isInteger(n) && n > 0 && at) queue.push({ issue: n, at, by: by ?? '' });
  }
  queue.sort((a, b) => a.at.localeCompare(b.at) || a.issue - b.issue);
  return { ...(meta['paused.by'] !== undefined ? { paused: { by: meta['paused.by'], at: meta['paused.at'] ?? '' } } : {}), queue };
}

export function writeControl(control: ProjectControl): Metadata {
  const meta: Metadata = { kind: 'control' };
  if (control.paused) {
    meta['paused.by'] = control.paused.by;
    meta['paused.at'] = control.paused.at;
  }
  if (control.queue.length) meta.queue = control.queue.map((q) => `${q.issue}@${q.at}@${q.by.replace(/[@\s]/g, '')}`).join(' ');
  return meta;
}

export type SpawnGate = { allow: true } | { allow: false; reason: 'paused' | 'at_cap'; message: string; hint: string };

/**
 * May a new session of the project start now? `live`: its sessions that are
 * not killed or merged. Spawns queued ahead of this one keep their turn: a
 * slot that frees goes to the head of the queue, not to whoever asks first
 * (`issue`: the issue asking, when it may be queued itself). `uncounted`:
 * hosts whose sessions could not be counted; with a cap that is a reason to
 * wait, never to guess.
 */
export function spawnGate(control: ProjectControl, limits: ProjectLimits, live: number, options: { issue?: number; uncounted?: readonly string[] } = {}): SpawnGate {
  if (control.paused) {
    return { allow: false, reason: 'paused', message: `the project is paused (pause-all by ${control.paused.by || 'someone'}${control.paused.at ? ` at ${control.paused.at}` : ''}): no new sessions start`, hint: '`/ao resume-all` or `ao resume <project>` (maintain access) lifts it' };
  }
  if (limits.maxLiveSessions === undefined) return { allow: true };
  if (options.uncounted?.length) {
    return { allow: false, reason: 'at_cap', message: `host(s) ${options.uncounted.join(', ')} could not be asked, so the project's live sessions cannot be counted against its cap (maxLiveSessions: ${limits.maxLiveSessions})`, hint: 'try again when the host answers (`ao doctor`)' };
  }
  const position = options.issue === undefined ? undefined : queuePosition(control, options.issue);
  const ahead = position === undefined ? control.queue.length : position - 1;
  if (live + ahead >= limits.maxLiveSessions) {
    const waiting = ahead > 0 ? ` and ${ahead} queued spawn(s) ahead` : '';
    return { allow: false, reason: 'at_cap', message: `the project has ${live} live session(s)${waiting}, its cap (maxLiveSessions: ${limits.maxLiveSessions})`, hint: 'wait for one to end, end one, or raise maxLiveSessions' };
  }
  return { allow: true };
}

export function enqueue(control: ProjectControl, spawn: QueuedSpawn): ProjectControl {
  if (control.queue.some((q) => q.issue === spawn.issue)) return control;
  return { ...control, queue: [...control.queue, spawn] };
}

export function dequeue(control: ProjectControl, issue: number): ProjectControl {
  return { ...control, queue: control.queue.filter((q) => q.issue !== issue) };
}

/** Position (1-based) of an issue in the queue, or undefined. */
export function queuePosition(control: ProjectControl, issue: number): number | undefined {
  const i = control.queue.findIndex((q) => q.issue === issue);
  return i < 0 ? undefined : i + 1;
}

/** The queued spawns that may start now, oldest first: none while paused; as many as the cap leaves free. */
export function startable(control: ProjectControl, limits: ProjectLimits, live: number): QueuedSpawn[] {
  if (control.paused || control.queue.length === 0) return [];
  const free = limits.maxLiveSessions === undefined ? control.queue.length : Math.max(0, limits.maxLiveSessions - live);
  return control.queue.slice(0, free);
}

/** Has a live session outlived the project's maximum age? Its age counts from its last restore: a human brought it back. */
export function tooOld(session: { createdAt?: string | null; restoredAt?: string | null }, limits: ProjectLimits, now: number): boolean {
  const since = session.restoredAt || session.createdAt;
  if (limits.maxSessionAgeHours === undefined || !since) return false;
  const born = Date.parse(since);
  return Number.isFinite(born) && now - born >= limits.maxSessionAgeHours * 3_600_000;
}
