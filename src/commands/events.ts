import type { SessionEvents } from '../sessions/events.js';
import { defineCommand } from './types.js';

export const eventsCommand = defineCommand<{ session: string; last?: number }, SessionEvents>({
  name: 'events',
  cli: [['session', 'events']],
  summary: "show a session's audit trail: spawn, status changes, messages (verbatim), kills, restores",
  args: [{ name: 'session', help: 'session ID', kind: 'string', required: true }],
  options: [{ name: 'last', placeholder: '<n>', kind: 'positiveInt', help: 'only the last n events' }],
  permission: 'read',
  surfaces: ['cli', 'action'],
  examples: ['ao session events web-3 --last 5', "ao session events web-3 --json | jq -r '.events[] | select(.type == \"message_sent\") | .text'"],
  async run(ctx, input) {
    const { sessionEvents } = await import('../sessions/events.js');
    return sessionEvents(await ctx.orchestrator(), input.session, { last: input.last });
  },
  render: (r) =>
    r.events.length === 0
      ? `no events for ${r.id}\n`
      : r.events.map((e) => `${e.at ?? '?'}  ${e.type.padEnd(14)} ${e.actor ?? ''}${describe(e)}\n`).join(''),
});

function describe(e: Record<string, unknown>): string {
  if (typeof e.from === 'string' && typeof e.to === 'string') return `  ${e.from} -> ${e.to}${e.reason ? ` (${String(e.reason)})` : ''}`;
  if (typeof e.text === 'string') return `  ${JSON.stringify(e.text.length > 60 ? `${e.text.slice(0, 57)}...` : e.text)}`;
  if (typeof e.reason === 'string') return `  ${e.reason}`;
  return '';
}
