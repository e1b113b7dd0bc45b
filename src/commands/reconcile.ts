import type { ReconcileResult } from '../lifecycle/reconcile.js';
import { defineCommand } from './types.js';

export interface ReconcileInput {
  project?: string;
  once?: boolean;
  interval?: number;
  dryRun?: boolean;
}

export const reconcileCommand = defineCommand<ReconcileInput, ReconcileResult>({
  name: 'reconcile',
  cli: [['reconcile']],
  summary: 'run the lifecycle: read hosts and GitHub, record statuses, react (tell agents about CI and reviews, notify), clean up',
  args: [],
  options: [
    { name: 'project', short: 'p', placeholder: '<name>', kind: 'string', help: 'only this project' },
    { name: 'once', kind: 'boolean', help: 'run one cycle and exit (what a cron job or a scheduled workflow runs)' },
    { name: 'interval', placeholder: '<seconds>', kind: 'seconds', help: 'time between cycles (default: defaults.reconcileIntervalSec, 60)', surfaces: ['cli'] },
    { name: 'dryRun', kind: 'boolean', help: 'print what one cycle would do, change nothing' },
  ],
  permission: 'write',
  surfaces: ['cli', 'action'],
  examples: ['ao reconcile --once', 'ao reconcile --interval 30', 'ao reconcile --once --dry-run --json'],
  async run(ctx, input) {
    const { reconcileOnce, reconcileLoop } = await import('../lifecycle/reconcile.js');
    const orch = await ctx.orchestrator();
    if (input.once || input.dryRun) return reconcileOnce(orch, { project: input.project, dryRun: input.dryRun });
    await reconcileLoop(orch, {
      project: input.project,
      intervalSec: input.interval ?? orch.config.defaults.reconcileIntervalSec,
      signal: ctx.signal,
      onCycle: (result) => ctx.emit(result),
      onError: (error) => orch.log.error(`reconcile cycle failed: ${error instanceof Error ? error.message : String(error)}`),
    });
    return undefined;
  },
  render(r) {
    const lines = [
      `${r.dryRun ? 'plan' : 'cycle'} at ${r.startedAt}: ${r.sessions.length} session(s) on ${r.hosts.length} host(s), ${r.github.asked ? `${r.github.requests} GitHub request(s)` : 'GitHub not asked'}, ${r.durationMs} ms`,
    ];
    if (r.actions.length === 0) lines.push('  nothing to do');
    for (const a of r.actions) for (const line of a.description.split('\n')) lines.push(`  ${a.ok === false ? 'FAILED ' : ''}${line}`);
    for (const h of r.hosts.filter((h) => !h.reachable)) lines.push(`  host ${h.name} unreachable (${h.error}): its sessions keep their status, nothing is done to them`);
    for (const w of r.warnings) lines.push(`  warning: ${w.host}:${w.file}: ${w.problem}`);
    return `${lines.join('\n')}\n`;
  },
  exitCode: (r) => (r.actions.some((a) => a.ok === false) ? 1 : 0),
});
