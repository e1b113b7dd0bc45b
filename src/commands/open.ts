import { spawn } from 'node:child_process';
import { AoError } from '../core/errors.js';
import type { AttachTarget } from '../sessions/open.js';
import { defineCommand } from './types.js';

export interface OpenInput {
  target: string;
  print?: boolean;
}

/** The attach commands (the JSON document is this array); `attached` and `exitCode` say what ao did with them. */
export type OpenResult = AttachTarget[] & { attached?: boolean; exitCode?: number };

export const openCommand = defineCommand<OpenInput, OpenResult>({
  name: 'open',
  cli: [['open']],
  summary: 'attach to a session (Ctrl+B, D detaches); a project or "all" opens one local tmux window each',
  args: [{ name: 'target', help: 'session ID, project name, or "all"', kind: 'string', required: true }],
  options: [{ name: 'print', kind: 'boolean', help: 'print the attach commands instead of running them' }],
  permission: 'write',
  surfaces: ['cli'],
  examples: ['ao open web-3', 'ao open web --print'],
  async run(ctx, input) {
    const { attachTargets } = await import('../sessions/open.js');
    const targets = await attachTargets(await ctx.orchestrator(), input.target);
    const result: OpenResult = targets;
    if (!input.print && !ctx.json) Object.assign(result, { attached: true, exitCode: await attach(targets) });
    return result;
  },
  render: (r) => (r.attached ? '' : r.map((t) => `${t.command}\n`).join('')),
  exitCode: (r) => r.exitCode ?? 0,
});

/** Run a program on this terminal; a missing program is a clear error, not a crash. */
function runInteractive(file: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    spawn(file, args, { stdio: 'inherit' })
      .on('error', (error: NodeJS.ErrnoException) =>
        reject(new AoError('failed', `cannot run ${file}: ${error.code === 'ENOENT' ? 'not installed' : error.message}`, `install ${file}, or use --print`)),
      )
      .on('exit', (code) => resolve(code ?? 1));
  });
}

async function attach(targets: AttachTarget[]): Promise<number> {
  const inTmux = Boolean(process.env.TMUX);
  // Attaching needs a terminal; without one, fail before anything is made.
  if (!inTmux && !(process.stdin.isTTY && process.stdout.isTTY)) {
    throw new AoError('usage', 'ao open needs a terminal to attach to a session', 'run it in a terminal, or use --print to get the attach commands');
  }
  if (targets.length === 1) {
    const [file, ...args] = targets[0]!.argv;
    return runInteractive(file!, args);
  }
  // Several: one window each in the current tmux, or in a new local tmux session (removed again if anything fails).
  const group = `ao-open-${process.pid}-${Date.now()}`;
  const tmux = async (...args: string[]) => {
    const code = await runInteractive('tmux', args);
    if (code !== 0) throw new AoError('failed', `tmux ${args[0]} exited with ${code}`);
    return code;
  };
  let created = false;
  try {
    for (const [i, t] of targets.entries()) {
      if (inTmux) await tmux('new-window', '-n', t.id, t.command);
      else if (i === 0) {
        await tmux('new-session', '-d', '-s', group, '-n', t.id, t.command);
        created = true;
      } else await tmux('new-window', '-t', group, '-n', t.id, t.command);
    }
    return inTmux ? 0 : await runInteractive('tmux', ['attach-session', '-t', group]);
  } catch (error) {
    if (created) await runInteractive('tmux', ['kill-session', '-t', `=${group}`]).catch(() => undefined);
    throw error;
  }
}
