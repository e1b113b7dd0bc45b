import type { Config } from '../core/config.js';
import type { HostPool } from '../hosts/pool.js';
import type { Orchestrator, ProgressEvent } from '../sessions/orchestrator.js';

/**
 * The command registry's vocabulary. Each operation is declared once, in one
 * file under src/commands/: its arguments and options with their help, the
 * minimum GitHub permission to run it from a comment, the surfaces it is
 * offered on, the core operation it calls, and how its result reads. The
 * CLI is generated from these entries; the `/ao` slash commands and the
 * Action's `command` input are generated from the same entries.
 *
 * Entries import nothing heavy: the operation is loaded when it runs, so a
 * command costs only what it uses.
 */

/** GitHub repository roles, weakest first. */
export const PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type Surface = 'cli' | 'slash' | 'action';

/** How a value given on a surface (a CLI word, a slash-command word, an Action input) becomes a typed value. */
export type ValueKind = 'string' | 'text' | 'positiveInt' | 'seconds' | 'boolean';

export interface ArgSpec {
  name: string;
  help: string;
  kind: Exclude<ValueKind, 'boolean'>;
  required: boolean;
  /** Takes the rest of the words (joined with spaces for `text`). */
  variadic?: boolean;
}

export interface OptionSpec {
  /** Key in the input object; the long flag is its kebab-case (`dryRun` -> `--dry-run`). */
  name: string;
  help: string;
  kind: ValueKind;
  short?: string;
  /** Placeholder shown in help, e.g. `<seconds>`. */
  placeholder?: string;
  default?: string | number | boolean;
  /** A boolean that is on by default and turned off with `--no-<flag>`. */
  negatable?: boolean;
  /** Surfaces that offer this option (default: every surface of the command). */
  surfaces?: readonly Surface[];
}

export interface CommandContext {
  /** The orchestrator (configuration loaded, hosts opened lazily). */
  orchestrator(): Promise<Orchestrator>;
  config(): Promise<Config>;
  pool(): Promise<HostPool>;
  /** The caller asked for a JSON document (no progress noise). */
  json: boolean;
  /** For commands that produce several documents (status --watch): each is printed as it comes. */
  emit(result: unknown): void;
  progress?: (event: ProgressEvent) => void;
  /**
   * Aborted when the user interrupts (Ctrl-C). A command that reads it
   * stops at the next safe point (never half-way through a delivery or a
   * kill); a second Ctrl-C quits at once. Commands that never read it stop
   * at the first Ctrl-C, as any program does.
   */
  readonly signal: AbortSignal;
}

/** What a slash command takes from where it was written: the issue or PR it was written on. */
export type SlashContextKey = 'project' | 'issue' | 'session' | 'pr';

export interface SlashSpec {
  /** Inputs filled from the comment's issue or PR instead of words (e.g. send's `session`). */
  context?: Readonly<Record<string, SlashContextKey>>;
  /** The input that takes the free text: the rest of the command's line from its first non-option word, and the following lines. */
  text?: string;
  /** Usage shown by `/ao help`, e.g. `/ao send <text>`; default: generated. */
  usage?: string;
}

export interface CommandSpec<Input = Record<string, unknown>, Result = unknown> {
  /** The registry key, also the Action's `command` input and the slash verb. */
  name: string;
  /** Where the CLI offers it: e.g. [['session', 'kill']] or [['spawn'], ['session', 'spawn']]. */
  cli: readonly (readonly string[])[];
  /** One line, shown in `ao --help`, `/ao help` and the Action's docs. */
  summary: string;
  args: readonly ArgSpec[];
  options: readonly OptionSpec[];
  /** The minimum permission on the repository to run it from GitHub. */
  permission: Permission;
  surfaces: readonly Surface[];
  /** How the `/ao` form binds (only for commands offered on the slash surface). */
  slash?: SlashSpec;
  examples: readonly string[];
  run(ctx: CommandContext, input: Input): Promise<Result | undefined>;
  /** The result as text for a person on a terminal. */
  render(result: Result): string;
  /** Exit code for a result (default 0; errors are thrown and mapped elsewhere). */
  exitCode?(result: Result): number;
  /** Only `doctor`: SSH hosts without a pinned key load, so it can show the key each host presents. */
  allowMissingHostKeys?: boolean;
}

/** Declare a command with its input and result types checked. */
export function defineCommand<Input, Result>(spec: CommandSpec<Input, Result>): CommandSpec<Input, Result> {
  return spec;
}

export function flagName(option: Pick<OptionSpec, 'name'>): string {
  return option.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
