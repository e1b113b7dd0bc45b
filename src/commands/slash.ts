import { AoError } from '../core/errors.js';
import { closest, type SlashInvocation } from '../core/slash.js';
import { flagName, PERMISSIONS, type CommandSpec, type OptionSpec, type Permission, type SlashContextKey } from './types.js';
import { convertValue } from './values.js';

/**
 * The `/ao` surface, built from the command registry like the CLI: which
 * verbs exist, how an invocation's words bind to a command's input, who may
 * run it, and the help. Pure; the app does the I/O.
 */

/** Every slash command needs at least write access, whatever it does elsewhere (SPEC section 4). */
export const SLASH_MINIMUM: Permission = 'write';

export type SlashContext = Partial<Record<SlashContextKey, string | number>>;

export interface SlashBinding {
  command: CommandSpec<never, never>;
  input: Record<string, unknown>;
}

export function slashCommands(commands: readonly CommandSpec<never, never>[]): CommandSpec<never, never>[] {
  return commands.filter((c) => c.surfaces.includes('slash'));
}

export function slashPermission(command: Pick<CommandSpec, 'permission'>): Permission {
  return PERMISSIONS.indexOf(command.permission) > PERMISSIONS.indexOf(SLASH_MINIMUM) ? command.permission : SLASH_MINIMUM;
}

export function mayRun(have: Permission | 'none', command: Pick<CommandSpec, 'permission'>): boolean {
  return have !== 'none' && PERMISSIONS.indexOf(have) >= PERMISSIONS.indexOf(slashPermission(command));
}

function slashOptions(command: CommandSpec<never, never>): OptionSpec[] {
  return command.options.filter((o) => (o.surfaces ?? command.surfaces).includes('slash'));
}

/**
 * Bind an invocation to a command's input. Options come first (`--flag`,
 * `--flag value`, `--flag=value`, `--no-flag`, `-f`); the command's text
 * input takes the rest verbatim; other inputs come from the context.
 * Throws AoError('usage') naming what was wrong and the fix.
 */
export function bindSlash(commands: readonly CommandSpec<never, never>[], invocation: SlashInvocation, context: SlashContext): SlashBinding {
  const available = slashCommands(commands);
  const command = available.find((c) => c.name === invocation.verb);
  if (!command) {
    const guess = closest(invocation.verb, [...available.map((c) => c.name), 'help']);
    throw new AoError('usage', `unknown command "/ao ${invocation.verb}"`, guess ? `did you mean "/ao ${guess}"? "/ao help" lists the commands` : '"/ao help" lists the commands');
  }
  const spec = command.slash ?? {};
  const input: Record<string, unknown> = {};
  const options = slashOptions(command);
  const words = invocation.words;
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i]!;
    if (word.quoted || !word.value.startsWith('-') || word.value === '-') break;
    if (word.value === '--') {
      i++;
      break;
    }
    const long = /^--(no-)?([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(word.value);
    const short = /^-([a-zA-Z])$/.exec(word.value);
    const option = long ? options.find((o) => flagName(o) === long[2]) : short ? options.find((o) => o.short === short[1]) : undefined;
    if (!option) {
      const name = long?.[2] ?? word.value;
      const guess = closest(name, options.map(flagName));
      const known = options.length ? `it takes ${options.map((o) => `--${flagName(o)}`).join(', ')}` : 'it takes no options';
      throw new AoError('usage', `"/ao ${command.name}" has no option ${word.value}`, guess ? `did you mean --${guess}? (${known})` : known);
    }
    if (option.kind === 'boolean') {
      if (long?.[3] !== undefined) input[option.name] = convertValue('boolean', long[3], `--${flagName(option)}`);
      else input[option.name] = !long?.[1];
      continue;
    }
    if (long?.[1]) throw new AoError('usage', `--no-${flagName(option)} is not an option of "/ao ${command.name}"`);
    const raw = long?.[3] ?? words[++i]?.value;
    if (raw === undefined) throw new AoError('usage', `--${flagName(option)} needs a value${option.placeholder ? ` ${option.placeholder}` : ''}`);
    input[option.name] = convertValue(option.kind, raw, `--${flagName(option)}`);
  }

  const rest = words.slice(i);
  if (spec.text) {
    const fromLine = rest.length > 0 ? invocation.line.slice(rest[0]!.start) : '';
    const text = [fromLine.trimEnd(), invocation.body].filter((part) => part !== '').join('\n');
    if (text !== '') input[spec.text] = text;
  } else {
    const positional = command.args.filter((a) => !spec.context?.[a.name]);
    for (const [k, arg] of positional.entries()) {
      if (k >= rest.length) break;
      input[arg.name] = arg.variadic ? rest.slice(k).map((w) => w.value).join(' ') : convertValue(arg.kind, rest[k]!.value, arg.name);
      if (arg.variadic) break;
    }
    const taken = positional.some((a) => a.variadic) ? rest.length : positional.length;
    if (rest.length > taken) throw new AoError('usage', `"/ao ${command.name}" does not take "${rest.slice(taken).map((w) => w.value).join(' ')}"`, `usage: ${slashUsage(command)}`);
  }

  for (const [name, key] of Object.entries(spec.context ?? {})) {
    const value = context[key];
    if (value === undefined) {
      const where =
        key === 'session' ? 'this issue or PR has no session ("/ao spawn" starts one)' : key === 'issue' ? 'it must be written on an issue' : key === 'pr' ? 'it must be written on a pull request' : 'this repository is not a project of this deployment';
      throw new AoError('usage', `"/ao ${command.name}" cannot run here: ${where}`);
    }
    input[name] = value;
  }
  for (const arg of command.args) {
    if (arg.required && input[arg.name] === undefined) throw new AoError('usage', `"/ao ${command.name}" needs ${arg.help}`, `usage: ${slashUsage(command)}`);
  }
  return { command, input };
}

export function slashUsage(command: CommandSpec<never, never>): string {
  if (command.slash?.usage) return command.slash.usage;
  const parts = [`/ao ${command.name}`];
  for (const o of slashOptions(command)) parts.push(o.kind === 'boolean' ? `[--${flagName(o)}]` : `[--${flagName(o)} ${o.placeholder ?? '<value>'}]`);
  for (const a of command.args.filter((a) => !command.slash?.context?.[a.name])) parts.push(a.required ? `<${a.name}>` : `[${a.name}]`);
  return parts.join(' ');
}

/** `/ao help`, generated from the registry: each command's usage, what it does and who may run it. */
export function slashHelp(commands: readonly CommandSpec<never, never>[]): string {
  const rows = slashCommands(commands).map((c) => `| \`${slashUsage(c)}\` | ${c.summary} | ${slashPermission(c)} |`);
  return [
    '**Agent Orchestrator commands** (one per line, in an issue or PR comment; a command in a code block or a quote is not run):',
    '',
    '| command | what it does | who may run it |',
    '|---|---|---|',
    ...rows,
    '| `/ao help` | this list | write |',
    '',
    'Commands run once per comment (editing a comment does not run it again). Write, maintain or admin permission on the repository is needed.',
  ].join('\n');
}
