import type { PauseResult } from '../sessions/control.js';
import { defineCommand } from './types.js';

const render = (r: PauseResult) =>
  r.paused
    ? `${r.project} is paused (by ${r.by ?? 'someone'}${r.at ? ` at ${r.at}` : ''}): no new sessions start and no reactions run; ${r.queued} spawn(s) wait in the queue\n`
    : `${r.project} runs: new sessions start and reactions run${r.queued ? `; ${r.queued} queued spawn(s) start as slots free` : ''}\n`;

/** The kill switch (SPEC section 4): maintainers stop new spawns and all reactions of a project at once. */
export const pauseCommand = defineCommand<{ project: string }, PauseResult>({
  name: 'pause-all',
  cli: [['pause']],
  summary: 'stop new sessions and all reactions of a project until resume (running sessions go on)',
  args: [{ name: 'project', help: 'project name or owner/name', kind: 'string', required: true }],
  options: [],
  permission: 'maintain',
  surfaces: ['cli', 'slash'],
  slash: { context: { project: 'project' }, usage: '/ao pause-all' },
  examples: ['ao pause web'],
  async run(ctx, input) {
    const { pauseProject } = await import('../sessions/control.js');
    return pauseProject(await ctx.orchestrator(), input.project);
  },
  render,
});

export const resumeCommand = defineCommand<{ project: string }, PauseResult>({
  name: 'resume-all',
  cli: [['resume']],
  summary: 'lift pause-all: new sessions start again (queued ones first) and reactions run',
  args: [{ name: 'project', help: 'project name or owner/name', kind: 'string', required: true }],
  options: [],
  permission: 'maintain',
  surfaces: ['cli', 'slash'],
  slash: { context: { project: 'project' }, usage: '/ao resume-all' },
  examples: ['ao resume web'],
  async run(ctx, input) {
    const { resumeProject } = await import('../sessions/control.js');
    return resumeProject(await ctx.orchestrator(), input.project);
  },
  render,
});
