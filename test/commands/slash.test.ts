import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.js';
import { bindSlash, mayRun, slashCommands, slashHelp, slashPermission, slashUsage } from '../../src/commands/slash.js';
import { parseSlashComment } from '../../src/core/slash.js';

const takesText = (verb: string) => Boolean(COMMANDS.find((c) => c.name === verb)?.slash?.text);
const context = { project: 'web', issue: 12, session: 'web-3' };
function bind(body: string, ctx: Record<string, string | number> = context) {
  const [invocation] = parseSlashComment(body, { takesText }).invocations;
  const { command, input } = bindSlash(COMMANDS, invocation!, ctx);
  return { name: command.name, input };
}

describe('bindSlash', () => {
  it.each([
    ['/ao status', { name: 'status', input: { project: 'web' } }],
    ['/ao kill', { name: 'kill', input: { session: 'web-3' } }],
    ['/ao kill --force', { name: 'kill', input: { session: 'web-3', force: true } }],
    ['/ao restore', { name: 'restore', input: { session: 'web-3' } }],
    ['/ao cleanup --dry-run', { name: 'cleanup', input: { project: 'web', dryRun: true } }],
    ['/ao spawn', { name: 'spawn', input: { project: 'web', issue: 12 } }],
    ['/ao spawn --agent codex', { name: 'spawn', input: { project: 'web', issue: 12, agent: 'codex' } }],
    ['/ao spawn --agent=codex focus on the parser\nand its tests', { name: 'spawn', input: { project: 'web', issue: 12, agent: 'codex', prompt: 'focus on the parser\nand its tests' } }],
    ['/ao spawn --force', { name: 'spawn', input: { project: 'web', issue: 12, force: true } }],
    ['/ao send please rebase', { name: 'send', input: { session: 'web-3', text: 'please rebase' } }],
    ['/ao send --no-wait now', { name: 'send', input: { session: 'web-3', text: 'now', wait: false } }],
    ['/ao send --timeout 30 soon', { name: 'send', input: { session: 'web-3', text: 'soon', timeout: 30 } }],
    ['/ao send use --force when you push', { name: 'send', input: { session: 'web-3', text: 'use --force when you push' } }],
    ['/ao send -- --force is a word here', { name: 'send', input: { session: 'web-3', text: '--force is a word here' } }],
    ['/ao send\nall on\nthe next lines', { name: 'send', input: { session: 'web-3', text: 'all on\nthe next lines' } }],
    ['/ao send echo "$HOME" && rm -rf ~ ; `id` ${{ secrets.X }}', { name: 'send', input: { session: 'web-3', text: 'echo "$HOME" && rm -rf ~ ; `id` ${{ secrets.X }}' } }],
  ])('%s', (body, expected) => {
    expect(bind(body)).toEqual(expected);
  });

  it.each([
    ['/ao deploy', /unknown command "\/ao deploy"/, /help/],
    ['/ao stauts', /unknown command/, /did you mean "\/ao status"/],
    ['/ao kill --forse', /has no option --forse/, /did you mean --force/],
    ['/ao kill web-4', /does not take "web-4"/, /usage: \/ao kill/],
    ['/ao send --timeout', /--timeout needs a value/, undefined],
    ['/ao send --timeout soon x', /--timeout must be a positive number of seconds/, undefined],
    ['/ao spawn --host runner1', /has no option --host/, undefined],
    ['/ao ls', /unknown command/, undefined],
  ])('refuses %s', (body, message, hint) => {
    let error: unknown;
    try {
      bind(body);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ kind: 'usage', message: expect.stringMatching(message) });
    if (hint) expect((error as { hint?: string }).hint).toMatch(hint);
  });

  it('says what is missing from the context', () => {
    expect(() => bind('/ao kill', { project: 'web', issue: 12 })).toThrow(/no session .*\/ao spawn/);
    expect(() => bind('/ao spawn', { project: 'web' })).toThrow(/must be written on an issue/);
  });
});

describe('who may run slash commands', () => {
  it.each([
    ['read', 'status', false],
    ['triage', 'kill', false],
    ['write', 'status', true],
    ['write', 'kill', true],
    ['maintain', 'send', true],
    ['admin', 'spawn', true],
    ['none', 'status', false],
  ] as const)('%s on %s: %s', (have, verb, allowed) => {
    expect(mayRun(have, COMMANDS.find((c) => c.name === verb)!)).toBe(allowed);
  });

  it('needs at least write for every command, even those that only read elsewhere', () => {
    for (const command of slashCommands(COMMANDS)) expect(['write', 'maintain', 'admin']).toContain(slashPermission(command));
  });
});

describe('/ao help', () => {
  it('lists every slash command of the registry, with its usage and who may run it', () => {
    const help = slashHelp(COMMANDS);
    for (const command of slashCommands(COMMANDS)) {
      expect(help).toContain(command.summary);
      expect(help).toContain(`/ao ${command.name}`);
    }
    expect(help).not.toContain('/ao ls');
    expect(help).toContain('/ao send <text>');
  });
});

describe('the README', () => {
  it('lists every slash command the registry offers, as /ao help says it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const command of slashCommands(COMMANDS)) expect(readme).toContain(`\`${slashUsage(command)}\``);
  });
});
