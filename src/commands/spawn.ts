import type { SpawnResult } from '../sessions/spawn.js';
import { defineCommand } from './types.js';

export interface SpawnInput {
  project: string;
  issue?: number;
  prompt?: string;
  host?: string;
  agent?: string;
  branch?: string;
  force?: boolean;
}

export const spawnCommand = defineCommand<SpawnInput, SpawnResult>({
  name: 'spawn',
  cli: [['spawn'], ['session', 'spawn']],
  summary: 'start a session: worktree, tmux and agent on a runner host',
  args: [
    { name: 'project', help: 'project name or owner/name', kind: 'string', required: true },
    { name: 'issue', help: 'issue number to work on', kind: 'positiveInt', required: false },
  ],
  options: [
    { name: 'prompt', placeholder: '<text>', kind: 'text', help: 'task for the agent (in addition to the issue)' },
    { name: 'host', placeholder: '<name>', kind: 'string', help: 'runner host to use (default: least loaded)', surfaces: ['cli', 'action'] },
    { name: 'agent', placeholder: '<name>', kind: 'string', help: 'agent adapter (generic, claude-code, codex, aider, opencode, gemini)' },
    { name: 'branch', placeholder: '<name>', kind: 'string', help: 'branch name (default: ao/{id}-issue-{n}-{slug} or ao/{id})', surfaces: ['cli', 'action'] },
    { name: 'force', kind: 'boolean', help: 'allow a second active session for the same issue' },
  ],
  permission: 'write',
  surfaces: ['cli', 'slash', 'action'],
  slash: { context: { project: 'project', issue: 'issue' }, text: 'prompt', usage: '/ao spawn [--agent <name>] [--force] [text for the agent]' },
  examples: ['ao spawn web 42', 'ao spawn web --prompt "Add a /health endpoint" --agent claude-code --host runner2'],
  async run(ctx, input) {
    const { spawnSession } = await import('../sessions/spawn.js');
    const orch = await ctx.orchestrator();
    // The issue's text as every surface gives it: its author's part only if they may write (lifecycle/issue.ts).
    const { issueTaskFor } = await import('../lifecycle/issue.js');
    return spawnSession(orch, {
      project: input.project,
      issue: input.issue === undefined ? undefined : await issueTaskFor(orch, input.project, input.issue),
      prompt: input.prompt,
      host: input.host,
      agent: input.agent,
      branch: input.branch,
      force: input.force,
    });
  },
  render: (r) =>
    r.existing
      ? `not spawned: an active session already works on this issue: ${r.id} on ${r.host} (use --force for another)\n`
      : `spawned ${r.id} on ${r.host}: branch ${r.branch}\nattach: ${r.attach}\n`,
  // Nothing was done: a script must not read this as a new session.
  exitCode: (r) => (r.existing ? 1 : 0),
});
