import type { SessionEvent } from '../hosts/store.js';
import type { Orchestrator } from './orchestrator.js';

export interface SessionEvents {
  id: string;
  host: string;
  events: SessionEvent[];
}

/** A session's audit trail: every spawn, status change, message, kill and restore, oldest first. */
export async function sessionEvents(orch: Orchestrator, id: string, options: { last?: number } = {}): Promise<SessionEvents> {
  const { host, project } = await orch.locate(id);
  const events = await orch.store(host).readEvents(project.name, { session: id });
  return { id, host, events: options.last ? events.slice(-options.last) : events };
}
