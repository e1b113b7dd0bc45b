import type { Command } from 'commander';
import type { CliContext } from './main.js';

/** Session commands (spawn, ls, status, send, kill, cleanup, restore, open). */
export function registerSessionCommands(_program: Command, _ctx: CliContext): void {}
