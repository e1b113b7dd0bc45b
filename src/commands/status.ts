import type { SessionList } from '../sessions/list.js';
import { renderStatus } from './text.js';
import { defineCommand } from './types.js';

export interface StatusInput {
  project?: string;
  watch?: boolean;
  interval?: number;
}

export const statusCommand = defineCommand<StatusInput, SessionList>({
  name: 'status',
  cli: [['status'], ['session', 'status']],
  summary: 'comprehensive view: status, PR, CI, review, threads, activity, tokens, age',
  args: [],
  options: [
    { name: 'project', short: 'p', placeholder: '<name>', kind: 'string', help: 'only this project' },
    { name: 'watch', short: 'w', kind: 'boolean', help: 'refresh until interrupted (with --json: one document per refresh)', surfaces: ['cli'] },
    { name: 'interval', placeholder: '<seconds>', kind: 'seconds', default: 5, help: 'refresh interval for --watch', surfaces: ['cli'] },
  ],
  permission: 'read',
  surfaces: ['cli', 'slash', 'action'],
  slash: { context: { project: 'project' }, usage: '/ao status' },
  examples: ['ao status', 'ao status --watch --interval 10', "ao status --json | jq '.sessions[] | select(.status == \"needs_input\")'"],
  async run(ctx, input) {
    const { observeSessions, toList } = await import('../sessions/list.js');
    const { planStatusRecords } = await import('../core/plan.js');
    const { applyPlan } = await import('../sessions/apply.js');
    const orch = await ctx.orchestrator();
    for (;;) {
      const observed = await observeSessions(orch, { project: input.project });
      // Status changes the refresh found (tmux died, agent exited) are recorded, with an event.
      await applyPlan(orch, planStatusRecords(observed.states.map((s) => s.observed)));
      const list = toList(observed);
      if (!input.watch) return list;
      ctx.emit(list);
      const signal = ctx.signal;
      const stop = await new Promise<boolean>((resolve) => {
        if (signal.aborted) return resolve(true);
        const timer = setTimeout(() => resolve(false), (input.interval ?? 5) * 1000);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve(true)), { once: true });
      });
      if (stop) return undefined;
    }
  },
  render: (list) => renderStatus(list),
});
