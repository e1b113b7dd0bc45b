import { describeAction, type PlannedAction } from '../core/plan.js';
import { killSession, type KillResult } from './kill.js';
import type { Orchestrator } from './orchestrator.js';

export interface AppliedAction {
  action: PlannedAction;
  ok: boolean;
  /** What happened, in one line. */
  message: string;
  error?: string;
  kill?: KillResult;
}

/**
 * The one executor of plans. Actions on different sessions run in parallel,
 * actions on one session in order; a failed action is reported, never
 * thrown, so one bad session does not stop the rest.
 */
export async function applyPlan(orch: Orchestrator, actions: readonly PlannedAction[]): Promise<AppliedAction[]> {
  const bySession = new Map<string, PlannedAction[]>();
  for (const action of actions) bySession.set(action.session.id, [...(bySession.get(action.session.id) ?? []), action]);
  const results = new Map<PlannedAction, AppliedAction>();
  await Promise.all(
    [...bySession.values()].map(async (list) => {
      for (const action of list) results.set(action, await applyOne(orch, action));
    }),
  );
  return actions.map((a) => results.get(a)!);
}

async function applyOne(orch: Orchestrator, action: PlannedAction): Promise<AppliedAction> {
  try {
    switch (action.kind) {
      case 'record_status': {
        const { session } = action;
        let recorded = false;
        await orch.store(session.host).updateRecord(session.project, session.id, (record) => {
          if (record.status !== action.from) return undefined; // someone else moved it meanwhile: theirs stands
          recorded = true;
          return {
            meta: { ...record, status: action.to, activity: action.activity ?? record.activity, statusReason: action.reason ?? undefined, updatedAt: new Date().toISOString() },
            events: [{ type: 'status_changed', session: session.id, from: action.from, to: action.to, reason: action.reason ?? undefined, actor: orch.actor }],
          };
          // Recording a status is not worth waiting for: a session someone is acting on is skipped, and the next look records it.
        }, 3);
        return { action, ok: true, message: recorded ? describeAction(action, 'done') : `${session.id}: status moved meanwhile; left as it is` };
      }
      case 'kill': {
        const kill = await killSession(orch, action.session.id, { reason: `cleanup: ${action.reason}` });
        return { action, ok: true, message: describeAction(action, 'done'), kill };
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { action, ok: false, message: `${action.session.id}: ${message}`, error: message };
  }
}
