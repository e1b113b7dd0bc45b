import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { ActionRun } from './runner.js';

export const ACTION_SRC = path.join(import.meta.dirname, '../../action');

/**
 * The action as a workflow gets it: action.yml and its checked-in bundle,
 * copied where no node_modules can be found above them, so a bundle that
 * needed one more package would fail here as it would on a runner.
 */
export function installAction(dir: string): string {
  const target = path.join(dir, 'actions', 'agent-orchestrator', 'action');
  mkdirSync(target, { recursive: true });
  cpSync(path.join(ACTION_SRC, 'action.yml'), path.join(target, 'action.yml'));
  cpSync(path.join(ACTION_SRC, 'dist'), path.join(target, 'dist'), { recursive: true });
  return target;
}

/** Every file under a directory (recursively). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The secret lines of a private key file (its body, not the armor). */
export function keyLines(keyFile: string): string[] {
  return readFileSync(keyFile, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('-----'));
}

/**
 * The key is nowhere a run leaves a trace: not in what the steps printed
 * (except the add-mask commands, which the runner consumes), the log, the
 * summary, the outputs, the annotations, nor in any file left in RUNNER_TEMP
 * or the workspace; and RUNNER_TEMP holds no file of the run any more.
 */
export function expectNoKey(run: ActionRun, secret: string[], dirs: { runnerTemp: string; workspace: string }): void {
  const traces = {
    raw: run.raw,
    log: run.log,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
    annotations: JSON.stringify(run.annotations),
  };
  for (const [where, text] of Object.entries(traces)) {
    for (const line of secret) expect(text.includes(line), `a key line in ${where}`).toBe(false);
  }
  expect(filesUnder(dirs.runnerTemp), 'files left in RUNNER_TEMP').toEqual([]);
  for (const file of filesUnder(dirs.workspace)) {
    const text = readFileSync(file, 'utf8');
    for (const line of secret) expect(text.includes(line), `a key line in ${file}`).toBe(false);
  }
}

/**
 * What a runner host holds, to show a rejected step changed nothing: every
 * file under the data roots with its content, the tmux sessions, and the
 * origin's refs.
 */
export function hostState(dataDirs: string[], socket: string, origin: string): string {
  const files = dataDirs.flatMap((d) => {
    try {
      return filesUnder(d).map((f) => `${f} ${statSync(f).size} ${readFileSync(f).toString('base64')}`);
    } catch {
      return [];
    }
  });
  let tmux = '';
  try {
    tmux = execFileSync('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    tmux = '(no server)';
  }
  const refs = execFileSync('git', ['-C', origin, 'for-each-ref'], { encoding: 'utf8' });
  return [...files.sort(), tmux, refs].join('\n');
}
