import { answerCommand } from './answer.js';
import { claimCommand } from './claim.js';
import { cleanupCommand } from './cleanup.js';
import { doctorCommand } from './doctor.js';
import { eventsCommand } from './events.js';
import { killCommand } from './kill.js';
import { lsCommand } from './ls.js';
import { openCommand } from './open.js';
import { pauseCommand, resumeCommand } from './pause.js';
import { reconcileCommand } from './reconcile.js';
import { restoreCommand } from './restore.js';
import { sendCommand } from './send.js';
import { spawnCommand } from './spawn.js';
import { statusCommand } from './status.js';
import type { CommandSpec } from './types.js';

export type { CommandContext, CommandSpec, Permission, Surface } from './types.js';

/** Every operation, once. Adding one is adding a file here and its line below. */
export const COMMANDS: readonly CommandSpec<never, never>[] = [
  spawnCommand,
  lsCommand,
  statusCommand,
  sendCommand,
  answerCommand,
  killCommand,
  claimCommand,
  cleanupCommand,
  reconcileCommand,
  pauseCommand,
  resumeCommand,
  restoreCommand,
  eventsCommand,
  openCommand,
  doctorCommand,
] as unknown as readonly CommandSpec<never, never>[];

/** Groups of the CLI (`ao session ...`) and their help. */
export const CLI_GROUPS: Readonly<Record<string, string>> = {
  session: 'manage sessions (spawn, ls, status, send, answer, kill, claim, cleanup, restore, events)',
};

export function findCommand(name: string): CommandSpec<never, never> | undefined {
  return COMMANDS.find((c) => c.name === name);
}
