import { COMMANDS } from '../../src/commands/index.js';
import { flagName, type ArgSpec, type CommandSpec, type OptionSpec } from '../../src/commands/types.js';
import { convertValue } from '../../src/commands/values.js';

/**
 * The Action's inputs, derived from the command registry (src/commands):
 * every argument and option a command offers on the `action` surface is an
 * input named like its CLI flag, and the step runs the same `ao` CLI with
 * those flags. Nothing here knows what a command does.
 */

/** Inputs of the Action itself, not of a command. */
export const ACTION_INPUTS = ['command', 'config', 'ssh-private-key', 'known-hosts', 'github-token'] as const;

/** Where an input's name is not the CLI's name for it: the words of `ao send` are one message, `-f` is its file. */
const RENAMED: Readonly<Record<string, string>> = { text: 'message', file: 'message-file' };

/** Where the CLI's help does not fit a step's input. */
const ACTION_HELP: Readonly<Record<string, string>> = {
  'no-wait': 'send at once, without waiting for the agent to be ready',
  'message-file': 'send the text of this file (a path in the workspace) instead of message',
};

/**
 * Flags a step always passes. A step is not a daemon: `reconcile` runs one
 * cycle (`--once`) and ends; a scheduled workflow runs the next. The loop
 * and its interval stay with the CLI on a machine that keeps running.
 */
const FIXED_FLAGS: Readonly<Record<string, readonly string[]>> = { reconcile: ['--once'] };
const FIXED_OPTIONS: ReadonlySet<string> = new Set(['once']);

/** Commands whose result lists sessions: `session` there picks the one whose status becomes the `status` output. */
export const LISTING_COMMANDS: ReadonlySet<string> = new Set(['status', 'ls']);

export class InputError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export type ActionCommand = CommandSpec<never, never>;

export function actionCommands(): ActionCommand[] {
  return COMMANDS.filter((c) => c.surfaces.includes('action'));
}

export function actionOptions(spec: ActionCommand): OptionSpec[] {
  return spec.options.filter((o) => (o.surfaces ?? spec.surfaces).includes('action') && !FIXED_OPTIONS.has(o.name));
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function argInput(arg: ArgSpec): string {
  return RENAMED[arg.name] ?? kebab(arg.name);
}

export function optionInput(option: OptionSpec): string {
  return RENAMED[option.name] ?? (option.negatable ? `no-${flagName(option)}` : flagName(option));
}

export interface CommandInput {
  name: string;
  /** A flag that is on or off (`true`/`false`), or a value. */
  boolean: boolean;
  /** The commands it applies to, with what it means there and the CLI flag or argument it becomes. */
  uses: { command: string; help: string; cli: string }[];
}

/** Every command input, with what it is for each command (the source of action.yml's inputs and their docs). */
export function commandInputs(): CommandInput[] {
  const inputs = new Map<string, CommandInput>();
  const add = (name: string, boolean: boolean, help: string, command: string, cli: string) => {
    const entry = inputs.get(name) ?? { name, boolean, uses: [] };
    entry.uses.push({ command, help: ACTION_HELP[name] ?? help, cli });
    inputs.set(name, entry);
  };
  for (const spec of actionCommands()) {
    for (const arg of spec.args) add(argInput(arg), false, arg.help, spec.name, `<${arg.name}>`);
    for (const option of actionOptions(spec)) {
      add(optionInput(option), option.kind === 'boolean', option.help, spec.name, option.negatable ? `--no-${flagName(option)}` : `--${flagName(option)}`);
    }
    if (LISTING_COMMANDS.has(spec.name)) add('session', false, 'the session whose status becomes the `status` output', spec.name, 'not passed to ao');
  }
  return [...inputs.values()];
}

/** A command by its registry name or its CLI words ("kill", "session kill"). */
export function resolveCommand(word: string): ActionCommand {
  const wanted = word.trim().split(/\s+/).join(' ');
  const specs = actionCommands();
  const found = specs.find((c) => c.name === wanted || c.cli.some((path) => path.join(' ') === wanted));
  if (!found) {
    throw new InputError(
      wanted === '' ? 'input "command" is required' : `unknown command ${JSON.stringify(word)}`,
      `set command to one of: ${specs.map((c) => c.name).join(', ')}`,
    );
  }
  return found;
}

function flagOn(inputs: Readonly<Record<string, string>>, name: string): boolean {
  try {
    return convertValue('boolean', (inputs[name] ?? '').trim(), `input "${name}"`) as boolean;
  } catch (error) {
    throw new InputError((error as Error).message, `set ${name} to true or false`);
  }
}

export interface Invocation {
  spec: ActionCommand;
  /** The `ao` arguments: the command's CLI words, `--json`, its flags, then `--` and its operands. */
  argv: string[];
  /** The session the step is about, when the inputs name one. */
  session: string | undefined;
}

/**
 * The `ao` command line for a step's inputs. An input that does not apply to
 * the command, a required one that is missing, or a flag that is neither
 * true nor false is an InputError: the step fails before anything runs.
 */
export function buildInvocation(inputs: Readonly<Record<string, string>>): Invocation {
  const spec = resolveCommand(inputs.command ?? '');
  const all = commandInputs();
  const own = new Set<string>([...spec.args.map(argInput), ...actionOptions(spec).map(optionInput)]);
  if (LISTING_COMMANDS.has(spec.name)) own.add('session');
  for (const input of all) {
    if (own.has(input.name)) continue;
    const given = input.boolean ? flagOn(inputs, input.name) : (inputs[input.name] ?? '') !== '';
    if (given) {
      throw new InputError(
        `input "${input.name}" does not apply to command "${spec.name}"`,
        `remove it, or use it with ${[...new Set(input.uses.map((u) => u.command))].join(', ')}`,
      );
    }
  }
  const argv: string[] = [...spec.cli[0]!, '--json', ...(FIXED_FLAGS[spec.name] ?? [])];
  for (const option of actionOptions(spec)) {
    const name = optionInput(option);
    if (option.kind === 'boolean') {
      if (flagOn(inputs, name)) argv.push(option.negatable ? `--no-${flagName(option)}` : `--${flagName(option)}`);
      continue;
    }
    const value = inputs[name] ?? '';
    if (value === '') continue;
    if (option.name === 'file' && value.trim() === '-') throw new InputError('input "message-file" must be the path of a file (a step has no standard input)', 'give a path in the workspace, or the text in message');
    // --flag=value: a value that starts with "-" stays a value.
    argv.push(`--${flagName(option)}=${value}`);
  }
  const operands: string[] = [];
  for (const arg of spec.args) {
    const name = argInput(arg);
    const value = inputs[name] ?? '';
    if (value === '') {
      if (arg.required) throw new InputError(`input "${name}" is required for command "${spec.name}"`, `set ${name}: the ${arg.help}`);
      break;
    }
    // The whole input is one operand, whatever spaces, newlines or quotes it holds.
    operands.push(arg.kind === 'text' ? value : value.trim());
  }
  // After "--" every word is an operand: a message that starts with "-" is text, never a flag.
  if (operands.length > 0) argv.push('--', ...operands);
  const session = (inputs.session ?? '').trim() || undefined;
  return { spec, argv, session };
}
