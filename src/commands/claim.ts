import type { ClaimResult } from '../sessions/claim.js';
import { defineCommand } from './types.js';

export interface ClaimInput {
  project: string;
  pr: number;
  session?: string;
}

/** PR linking by hand (SPEC section 4): a PR on another branch becomes a session's PR. */
export const claimCommand = defineCommand<ClaimInput, ClaimResult>({
  name: 'claim',
  cli: [['session', 'claim']],
  summary: "make a pull request the session's PR (its CI, reviews and merge then drive the session)",
  args: [
    { name: 'project', help: 'project name or owner/name', kind: 'string', required: true },
    { name: 'pr', help: 'pull request number', kind: 'positiveInt', required: true },
    { name: 'session', help: 'session ID (default: the live session of the issue the PR says it closes, e.g. "Fixes #12")', kind: 'string', required: false },
  ],
  options: [],
  permission: 'write',
  surfaces: ['cli', 'slash'],
  slash: { context: { project: 'project', pr: 'pr' }, usage: '/ao claim [session]' },
  examples: ['ao session claim web 57', 'ao session claim web 57 web-3'],
  async run(ctx, input) {
    const { claimPullRequest } = await import('../sessions/claim.js');
    return claimPullRequest(await ctx.orchestrator(), input.project, input.pr, input.session);
  },
  render: (r) => `PR #${r.prNumber} is now ${r.id}'s PR${r.previous ? ` (it had #${r.previous})` : ''}: ${r.pr}\n`,
});
