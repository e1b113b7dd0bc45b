import type { KillResult } from '../sessions/kill.js';
import { defineCommand } from './types.js';

export interface KillInput {
  session: string;
  force?: boolean;
}

export const killCommand = defineCommand<KillInput, KillResult>({
  name: 'kill',
  cli: [['session', 'kill']],
  summary: 'kill tmux, remove the worktree, mark killed (unpushed work is saved to refs/ao/backup/<id>)',
  args: [{ name: 'session', help: 'session ID', kind: 'string', required: true }],
  options: [{ name: 'force', kind: 'boolean', help: 'kill even if unsaved work could not be saved' }],
  permission: 'write',
  surfaces: ['cli', 'slash', 'action'],
  slash: { context: { session: 'session' }, usage: '/ao kill [--force]' },
  examples: ['ao session kill web-3', 'git fetch origin refs/ao/backup/web-3   # the saved work'],
  async run(ctx, input) {
    const { killSession } = await import('../sessions/kill.js');
    return killSession(await ctx.orchestrator(), input.session, { force: input.force });
  },
  render: (r) => `${r.message}\n`,
});
