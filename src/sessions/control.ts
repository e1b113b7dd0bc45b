import type { ProjectConfig } from '../core/config.js';
import { dequeue, enqueue, readControl, spawnGate, writeControl, type ProjectControl, type QueuedSpawn } from '../core/control.js';
import { AoError } from '../core/errors.js';
import type { HostSnapshot, Orchestrator } from './orchestrator.js';
import { isLive } from './view.js';

/**
 * The project's control file on the arbiter host (the first host: where
 * issue claims and session numbers are settled too), read and changed under
 * its lock. See core/control.ts for what it means.
 */

function arbiter(orch: Orchestrator): string {
  return orch.pool.names()[0]!;
}

/**
 * Refuse to start a session (a spawn, or the restore of a killed one) that
 * the project's switches do not allow: paused, or at its cap of live
 * sessions with queued spawns keeping their turn (core/control.ts
 * spawnGate). `snapshots`: a look at every host.
 */
export async function assertMayStart(orch: Orchestrator, project: ProjectConfig, snapshots: readonly HostSnapshot[], options: { verb: string; issue?: number }): Promise<void> {
  const live = snapshots.flatMap((s) => s.records).filter((r) => r.project === project.name && isLive(r.record)).length;
  const arbiterLook = snapshots.find((s) => s.host === arbiter(orch) && s.reachable);
  const meta = arbiterLook ? (arbiterLook.controls.get(project.name) ?? {}) : await orch.store(arbiter(orch)).readControl(project.name);
  const uncounted = snapshots.filter((s) => !s.reachable).map((s) => s.host);
  const gate = spawnGate(readControl(meta), project, live, { ...(options.issue !== undefined ? { issue: options.issue } : {}), uncounted });
  if (!gate.allow) throw new AoError('conflict', `${options.verb}: ${gate.message}`, gate.hint, { reason: gate.reason });
}

export async function projectControl(orch: Orchestrator, project: string): Promise<ProjectControl> {
  return readControl(await orch.store(arbiter(orch)).readControl(orch.project(project).name));
}

async function change(orch: Orchestrator, project: string, fn: (control: ProjectControl) => ProjectControl, event?: Record<string, unknown>): Promise<ProjectControl> {
  const name = orch.project(project).name;
  const meta = await orch.store(arbiter(orch)).updateControl(name, (current) => {
    const before = readControl(current);
    const after = fn(before);
    if (JSON.stringify(writeControl(after)) === JSON.stringify(writeControl(before))) return undefined;
    return { meta: writeControl(after), ...(event ? { events: [{ type: String(event.type), actor: orch.actor, ...event }] } : {}) };
  });
  return readControl(meta);
}

export interface PauseResult {
  project: string;
  paused: boolean;
  by?: string;
  at?: string;
  queued: number;
}

const result = (project: string, control: ProjectControl): PauseResult => ({ project, paused: Boolean(control.paused), ...(control.paused ? { by: control.paused.by, at: control.paused.at } : {}), queued: control.queue.length });

/** The kill switch: no new sessions start and no reactions run until resumed. Pausing a paused project keeps who paused it first. */
export async function pauseProject(orch: Orchestrator, project: string): Promise<PauseResult> {
  const name = orch.project(project).name;
  const control = await change(orch, name, (c) => (c.paused ? c : { ...c, paused: { by: orch.actor, at: new Date().toISOString() } }), { type: 'paused' });
  return result(name, control);
}

export async function resumeProject(orch: Orchestrator, project: string): Promise<PauseResult> {
  const name = orch.project(project).name;
  const control = await change(orch, name, (c) => ({ queue: c.queue }), { type: 'resumed' });
  return result(name, control);
}

export async function queueSpawn(orch: Orchestrator, project: string, spawn: QueuedSpawn): Promise<ProjectControl> {
  return change(orch, project, (c) => enqueue(c, spawn), { type: 'spawn_queued', issue: spawn.issue, by: spawn.by });
}

export async function unqueueSpawn(orch: Orchestrator, project: string, issue: number): Promise<ProjectControl> {
  return change(orch, project, (c) => dequeue(c, issue));
}
