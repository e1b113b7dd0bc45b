import { readFile } from 'node:fs/promises';
import { AoError } from '../core/errors.js';
import type { SendResult } from '../sessions/send.js';
import { defineCommand } from './types.js';

export interface SendInput {
  session: string;
  text?: string;
  file?: string;
  wait?: boolean;
  timeout?: number;
  answer?: boolean;
}

export const sendCommand = defineCommand<SendInput, SendResult>({
  name: 'send',
  cli: [['send'], ['session', 'send']],
  summary: "send a message to a session's agent (waits until it is ready)",
  args: [
    { name: 'session', help: 'session ID', kind: 'string', required: true },
    { name: 'text', help: 'message text', kind: 'text', required: false, variadic: true },
  ],
  options: [
    { name: 'file', short: 'f', placeholder: '<file>', kind: 'string', help: 'send the text of a file (- for stdin)', surfaces: ['cli', 'action'] },
    { name: 'wait', kind: 'boolean', negatable: true, default: true, help: 'wait for the agent to be ready (--no-wait sends at once)' },
    { name: 'timeout', placeholder: '<seconds>', kind: 'seconds', help: 'how long to wait for the agent to be ready (default 600)' },
    { name: 'answer', kind: 'boolean', help: 'answer the question the agent is asking (types into its prompt)' },
  ],
  permission: 'write',
  surfaces: ['cli', 'slash', 'action'],
  slash: { context: { session: 'session' }, text: 'text', usage: '/ao send <text> (the rest of the comment)' },
  examples: ['ao send web-3 "Please also add a test for the empty case"', 'ao send web-3 -f instructions.txt --timeout 120'],
  async run(ctx, input) {
    let text = input.text ?? '';
    if (input.file !== undefined) {
      if (text) throw new AoError('usage', 'give the message as text or with a file, not both');
      try {
        text = input.file === '-' ? await readStdin() : await readFile(input.file, 'utf8');
      } catch (error) {
        throw new AoError('usage', `cannot read ${input.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'pass the path of a readable file, or - for stdin');
      }
    }
    const { sendMessage } = await import('../sessions/send.js');
    return sendMessage(await ctx.orchestrator(), input.session, text, { wait: input.wait, timeoutSec: input.timeout, answer: input.answer, signal: ctx.signal });
  },
  render: (r) =>
    r.needsInput
      ? `not sent: ${r.id} is waiting for input (nothing was typed into its prompt):\n${r.question}\n`
      : `sent ${r.bytes} bytes to ${r.id}${r.confirmed ? ' (delivery confirmed)' : ' (not confirmed: the pane did not change)'}\n`,
  exitCode: (r) => (r.needsInput ? 1 : 0),
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
