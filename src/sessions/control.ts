import { dequeue, enqueue, readControl, writeControl, type ProjectControl, type QueuedSpawn } from '../core/control.js';
import type { Orchestrator } from './orchestrator.js';

/**
 * The project's control file on the arbiter host (the first host: where
 * issue claims and session numbers are settled too), read and changed under
 * its lock. See core/control.ts for what it means.
 */

function arbiter(orch: Orchestrator): string {
  return orch.pool.names()[0]!;
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
