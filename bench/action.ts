import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { runAction } from '../test/action/runner.js';
import { installAction } from '../test/action/support.js';
import { makeTempDir } from '../test/support/tmp.js';
import { fmt, median, printRows, timeIt } from './support.js';

/**
 * The Action's start-up (issue 13): what a step costs before ao does any
 * work, with the checked-in bundle, against the alternative of installing
 * the production dependencies and running the sources.
 *
 * Every figure runs `status` on a configuration with one local host and no
 * sessions, so it is start-up and nothing else. The install is timed with
 * npm's cache already warm (the best a cached install could do before it
 * also restores a cache archive).
 */

const ROOT = path.join(import.meta.dirname, '..');
const execFileAsync = promisify(execFile);

function duBytes(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += statSync(p).size;
    }
  };
  walk(dir);
  return total;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function medianOf(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timeIt(fn)).ms);
  return median(times);
}

export async function benchAction(): Promise<void> {
  const { dir, cleanup } = makeTempDir('ao-bench-action');
  try {
    const actionDir = installAction(dir);
    const workspace = path.join(dir, 'workspace');
    const runnerTemp = path.join(dir, 'runner-temp');
    mkdirSync(workspace, { recursive: true });
    mkdirSync(runnerTemp, { recursive: true });
    const config = path.join(workspace, 'agent-orchestrator.yaml');
    writeFileSync(config, stringify({ instance: 'bench', dataDir: path.join(dir, 'data'), tmuxSocket: `ao-bench-${process.pid}`, hosts: [{ name: 'local', local: true, dataDir: path.join(dir, 'data') }] }));
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, AO_CONFIG: config };
    const runs = 15;

    const node = await medianOf(runs, () => execFileAsync(process.execPath, ['-e', '0']));
    const bundle = await medianOf(runs, () => execFileAsync(process.execPath, [path.join(actionDir, 'dist/ao.mjs'), 'status', '--json'], { env }));
    const stepEnv = { ...env, RUNNER_TEMP: runnerTemp, INPUT_COMMAND: 'status', INPUT_CONFIG: config };
    const runner = await medianOf(runs, () => execFileAsync(process.execPath, [path.join(actionDir, 'dist/runner/main.mjs')], { env: stepEnv, cwd: workspace }));
    const composite = await medianOf(runs, async () => {
      const run = await runAction({ actionDir, with: { command: 'status', config }, workspace, runnerTemp, github: { token: '' } });
      if (run.conclusion !== 'success') throw new Error(`the action failed: ${run.log}`);
    });
    const source = await medianOf(5, () => execFileAsync(process.execPath, [path.join(ROOT, 'bin/ao.js'), 'status', '--json'], { env: { ...env, AO_FROM_SOURCE: '1' } }));

    // The alternative: a production install of the package, then ao from its sources.
    const install = path.join(dir, 'install');
    mkdirSync(install);
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(path.join(ROOT, f), path.join(install, f));
    const npmCi = await timeIt(() => execFileAsync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: install, maxBuffer: 64 * 1024 * 1024 }));
    const installed = duBytes(path.join(install, 'node_modules'));
    const files = (d: string): number => readdirSync(d, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? files(path.join(d, e.name)) : 1), 0);

    printRows('The Action: start-up (status, one local host, no sessions)', [
      { name: `node -e 0 (median of ${runs})`, value: fmt(node), note: 'the floor: one node process' },
      { name: `\`ao status --json\`, the bundle in action/dist (median of ${runs})`, value: fmt(bundle), note: `${(bundle / node).toFixed(2)}x node` },
      { name: `the run step: runner + ao (median of ${runs})`, value: fmt(runner), note: `${(runner / node).toFixed(2)}x node: two node processes (the runner, then ao)` },
      { name: `the whole composite action, 3 bash steps (median of ${runs})`, value: fmt(composite), note: 'as test/action/runner.ts runs it (parse action.yml, evaluate, 3 steps)' },
      { name: '`ao status --json` from the sources through tsx (median of 5)', value: fmt(source), note: `${(source / bundle).toFixed(1)}x the bundle: what a step would run after installing` },
      { name: '`npm ci --omit=dev`, npm cache warm (1 run)', value: fmt(npmCi.ms), note: `${mb(installed)} in ${files(path.join(install, 'node_modules'))} files to install (or restore from a cache) on every run` },
      { name: 'the checked-in bundle', value: mb(duBytes(path.join(actionDir, 'dist'))), note: `${files(path.join(actionDir, 'dist'))} files, part of the action's checkout: nothing to install` },
    ]);
  } finally {
    cleanup();
  }
}
