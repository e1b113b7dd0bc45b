import { parse } from 'shell-quote';
import type { LaunchContext } from './adapter.js';

/**
 * The operator's command line (projects[].agentCommand) when one is set,
 * else the adapter's default. The operator's text is trusted and used as
 * is; blank counts as unset.
 */
export function baseCommand(ctx: LaunchContext, defaultCommand: string): string {
  const configured = ctx.agentCommand?.trim();
  return configured ? configured : defaultCommand;
}

/** A command line with fixed (adapter-owned, shell-safe) arguments appended. */
export function withArguments(command: string, args: string): string {
  return `${command} ${args}`;
}

/**
 * The program a command line starts, for checking that a host has it: the
 * first word that is not a variable assignment, looking through `env` and
 * `exec`. Undefined when the line is not a plain command (a subshell, a
 * pipeline start we cannot read).
 */
export function programOf(commandLine: string): string | undefined {
  const words = parse(commandLine);
  let i = 0;
  const word = () => (typeof words[i] === 'string' ? (words[i] as string) : undefined);
  for (;;) {
    const w = word();
    if (w === undefined) return undefined;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) i++;
    else if (w === 'env' || w === 'exec' || w === 'command') {
      i++;
      while (word()?.startsWith('-')) i++;
    } else return w;
  }
}

/**
 * The variables a command line sets for its program: leading `NAME=value`
 * words, before or after `env` (an operator's agentCommand may give the
 * agent its own HOME or config directory this way). Empty when the line is
 * not a plain command.
 */
export function commandEnv(commandLine: string): Record<string, string> {
  const env: Record<string, string> = {};
  const words = parse(commandLine);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (typeof w !== 'string') break;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w);
    if (m) env[m[1]!] = m[2]!;
    else if (w === 'env' || w === 'exec' || w === 'command') while (typeof words[i + 1] === 'string' && (words[i + 1] as string).startsWith('-')) i++;
    else break;
  }
  return env;
}
