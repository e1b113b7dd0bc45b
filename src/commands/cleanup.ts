import type { CleanupResult } from '../sessions/cleanup.js';
import { defineCommand } from './types.js';

export interface CleanupInput {
  project?: string;
  dryRun?: boolean;
}

export const cleanupCommand = defineCommand<CleanupInput, CleanupResult>({
  name: 'cleanup',
  cli: [['session', 'cleanup']],
  summary: 'kill sessions whose PR is merged or whose issue is closed (after a grace period while the agent works), whose runtime is dead, or whose spawn was interrupted; never a live session with an open PR, never on a failed probe',
  args: [],
  options: [
    { name: 'project', short: 'p', placeholder: '<name>', kind: 'string', help: 'only this project' },
    { name: 'dryRun', kind: 'boolean', help: 'print the plan, change nothing' },
  ],
  permission: 'write',
  surfaces: ['cli', 'slash', 'action'],
  slash: { context: { project: 'project' }, usage: '/ao cleanup [--dry-run]' },
  examples: ['ao session cleanup --dry-run', 'ao session cleanup -p web'],
  async run(ctx, input) {
    const { cleanupSessions } = await import('../sessions/cleanup.js');
    return cleanupSessions(await ctx.orchestrator(), { project: input.project, dryRun: input.dryRun });
  },
  render(r) {
    const lines: string[] = [];
    if (r.candidates.length === 0) lines.push('nothing to clean up');
    const killed = new Set(r.killed.map((k) => k.id));
    for (const c of r.candidates) {
      if (r.dryRun) lines.push(`would kill ${c.id} (${c.reason})`);
      else if (killed.has(c.id)) lines.push(`killed ${c.id} (${c.reason})`);
    }
    for (const f of r.failed) lines.push(`failed ${f.id}: ${f.error}`);
    for (const h of r.unreachableHosts) lines.push(`skipped host ${h}: unreachable, its sessions are left alone`);
    return `${lines.join('\n')}\n`;
  },
  exitCode: (r) => (r.failed.length > 0 ? 1 : 0),
});
