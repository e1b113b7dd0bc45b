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
