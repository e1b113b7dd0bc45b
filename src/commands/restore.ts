import type { RestoreResult } from '../sessions/restore.js';
import { defineCommand } from './types.js';

export interface RestoreInput {
  session: string;
}

export const restoreCommand = defineCommand<RestoreInput, RestoreResult>({
  name: 'restore',
  cli: [['session', 'restore']],
  summary: 'bring back a crashed or killed session: worktree, tmux, agent (resumed where possible)',
  args: [{ name: 'session', help: 'session ID', kind: 'string', required: true }],
  options: [],
  permission: 'write',
  surfaces: ['cli', 'slash', 'action'],
  slash: { context: { session: 'session' }, usage: '/ao restore' },
  examples: ['ao session restore web-3'],
  async run(ctx, input) {
    const { restoreSession } = await import('../sessions/restore.js');
    return restoreSession(await ctx.orchestrator(), input.session);
  },
  render: (r) => `restored ${r.id} on ${r.host} (worktree ${r.worktree}, ${r.runtime}${r.resumed ? ', conversation resumed' : ''})\n`,
});
