import { AoError } from '../core/errors.js';
import type { SendResult } from '../sessions/send.js';
import { defineCommand } from './types.js';

export interface AnswerInput {
  session: string;
  text?: string;
}

/**
 * The one case where typing into an agent's prompt is right: a person
 * answers the question the agent is asking (SPEC section 4). The same
 * operation as `ao send --answer`.
 */
export const answerCommand = defineCommand<AnswerInput, SendResult>({
  name: 'answer',
  cli: [['session', 'answer']],
  summary: "answer the question a session's agent is asking (types into its prompt)",
  args: [
    { name: 'session', help: 'session ID', kind: 'string', required: true },
    { name: 'text', help: 'the answer', kind: 'text', required: true, variadic: true },
  ],
  options: [],
  permission: 'write',
  surfaces: ['cli', 'slash'],
  slash: { context: { session: 'session' }, text: 'text', usage: '/ao answer <text>' },
  examples: ['ao session answer web-3 y', 'ao session answer web-3 "use the staging database"'],
  async run(ctx, input) {
    if (!input.text?.trim()) throw new AoError('usage', 'an answer needs its text', 'e.g. /ao answer yes');
    const { sendMessage } = await import('../sessions/send.js');
    return sendMessage(await ctx.orchestrator(), input.session, input.text, { answer: true, wait: false, signal: ctx.signal });
  },
  render: (r) => (r.delivered ? `answered ${r.id}${r.confirmed ? ' (the agent took it)' : ''}\n` : `not answered: ${r.id} did not take it\n`),
  exitCode: (r) => (r.delivered ? 0 : 1),
});
