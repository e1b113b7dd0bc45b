import type { SessionList } from '../sessions/list.js';
import { renderSessionList } from './text.js';
import { defineCommand } from './types.js';

export interface LsInput {
  project?: string;
  includeKilled?: boolean;
}

export const lsCommand = defineCommand<LsInput, SessionList>({
  name: 'ls',
  cli: [['session', 'ls'], ['session', 'list']],
  summary: 'list sessions: ID, last activity, branch, status, PR',
  args: [],
  options: [
    { name: 'project', short: 'p', placeholder: '<name>', kind: 'string', help: 'only this project' },
    { name: 'includeKilled', kind: 'boolean', help: 'also list killed sessions' },
  ],
  permission: 'read',
  surfaces: ['cli', 'action'],
  examples: ['ao session ls -p web', "ao session ls --json | jq -r '.sessions[].id'"],
  async run(ctx, input) {
    const { listSessions } = await import('../sessions/list.js');
    return listSessions(await ctx.orchestrator(), { project: input.project, includeKilled: input.includeKilled });
  },
  render: (list) => renderSessionList(list),
});
