import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACTION_INPUTS, buildInvocation, commandInputs, InputError, LISTING_COMMANDS, resolveCommand, type Invocation } from './inputs.js';
import { keyMaskLines, normalizeKey } from './key.js';
import { report, workflowCommand, type Annotation, type StepResult } from './report.js';

/**
 * The Action's step (action.yml runs it with node, its inputs in INPUT_*):
 * checks the inputs, writes the SSH key to a private file, runs the `ao`
 * CLI bundled beside it with --json, and turns the result into the step's
 * outputs, job summary and annotations. The key file and every other file
 * it writes are removed before it ends, whatever happened.
 */

const env = process.env;
const inputEnvName = (name: string) => `INPUT_${name.toUpperCase().replace(/[- ]/g, '_')}`;
const input = (name: string) => env[inputEnvName(name)] ?? '';
const out = (text: string) => process.stdout.write(text);

/** The key's lines and the token are registered as secrets before anything else is printed. */
function maskSecrets(): void {
  for (const line of keyMaskLines(input('ssh-private-key'))) out(`::add-mask::${line}\n`);
  const token = input('github-token').trim();
  if (token) out(`::add-mask::${token}\n`);
}

function setOutputs(values: Record<string, string>): void {
  const file = env.GITHUB_OUTPUT;
  if (!file) return;
  let text = '';
  for (const [name, value] of Object.entries(values)) {
    const delimiter = `ghadelimiter_${randomUUID()}`;
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  appendFileSync(file, text);
}

function appendSummary(markdown: string): void {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
}

interface AoRun {
  code: number;
  stdout: string;
  stderrTail: string;
}

let child: ChildProcess | undefined;

/** One `ao` run, its stderr passed through to the log (on stdout, so it stays in order with the step's own lines). */
function runAo(argv: string[], childEnv: NodeJS.ProcessEnv): Promise<AoRun> {
  const ao = fileURLToPath(new URL('../ao.mjs', import.meta.url));
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [ao, ...argv], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr!.on('data', (c: Buffer) => {
      out(c.toString());
      stderr = (stderr + c.toString()).slice(-4000);
    });
    proc.on('error', (error) => {
      stderr += `cannot start ao: ${error.message}`;
    });
    proc.on('close', (code, signal) => {
      child = undefined;
      resolve({ code: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1), stdout, stderrTail: stderr.trim().split('\n').slice(-10).join('\n') });
    });
  });
}

function parseDoc(stdout: string): Record<string, unknown> | undefined {
  try {
    const doc = JSON.parse(stdout) as unknown;
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The status of one session, from a listing document. */
function statusIn(doc: Record<string, unknown> | undefined, id: string): string | undefined {
  const sessions = Array.isArray(doc?.sessions) ? (doc.sessions as { id?: unknown; status?: unknown }[]) : [];
  const found = sessions.find((s) => s.id === id);
  return typeof found?.status === 'string' ? found.status : undefined;
}

async function step(temp: string): Promise<number> {
  let invocation: Invocation | undefined;
  const inputs: Record<string, string> = {};
  for (const name of [...ACTION_INPUTS, ...commandInputs().map((i) => i.name)]) inputs[name] = input(name);
  const annotations: Annotation[] = [];
  try {
    invocation = buildInvocation(inputs);
    const childEnv: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(env)) if (!name.startsWith('INPUT_')) childEnv[name] = value;
    childEnv.AO_LOG_FORMAT ??= 'pretty';
    const key = normalizeKey(inputs['ssh-private-key']!);
    if (key) {
      const file = path.join(temp, 'ssh-key');
      writeFileSync(file, key, { mode: 0o600 });
      childEnv.AO_SSH_KEY_FILE = file;
    }
    const config = inputs.config!.trim();
    if (config) childEnv.AO_CONFIG = path.resolve(config);
    let configNote: StepResult['configNote'];
    if (inputs['known-hosts']!.trim()) {
      const { applyKnownHosts } = await import('./config.js');
      const applied = applyKnownHosts(config || undefined, inputs['known-hosts']!, temp, childEnv, process.cwd());
      if (applied) {
        childEnv.AO_CONFIG = applied.path;
        configNote = { path: applied.path, source: applied.source };
        if (applied.pinned.length) out(`known-hosts pins the key of ${applied.pinned.join(', ')}\n`);
      }
    }
    // The token ao reads GitHub with is this input's, or none at all.
    const token = inputs['github-token']!.trim();
    delete childEnv.GH_TOKEN;
    if (token) childEnv.GITHUB_TOKEN = token;
    else delete childEnv.GITHUB_TOKEN;

    // Nothing ao prints (an agent's question, a branch, a message) can act as a workflow command.
    const resume = `ao-${randomUUID()}`;
    out(`::stop-commands::${resume}\n`);
    let run: AoRun;
    let shown: ReturnType<typeof report>;
    let id: string | undefined;
    let status: string | undefined;
    try {
      run = await runAo(invocation.argv, childEnv);
      const doc = parseDoc(run.stdout);
      shown = report({ spec: invocation.spec, code: run.code, doc, stderrTail: run.stderrTail, configNote });
      out(shown.text);
      annotations.push(...shown.annotations);
      // The session the step is about, and its status now (as `ao session ls` sees it).
      id = typeof doc?.id === 'string' ? doc.id : invocation.session;
      if (id && run.code === 0) {
        if (LISTING_COMMANDS.has(invocation.spec.name)) status = statusIn(doc, id);
        else if (['spawn', 'send', 'kill', 'restore'].includes(invocation.spec.name)) status = statusIn(parseDoc((await runAo(['session', 'ls', '--include-killed', '--json'], childEnv)).stdout), id);
        if (!status) {
          const why = LISTING_COMMANDS.has(invocation.spec.name) ? `session ${id} is not among the sessions listed` : `could not read the status of session ${id} afterwards`;
          annotations.push({ level: 'warning', title: `ao ${invocation.spec.name}`, message: `${why}; the status output is empty` });
        }
      }
    } finally {
      out(`::${resume}::\n`);
    }
    setOutputs({ json: run.stdout.trim(), 'exit-code': String(run.code), 'session-id': id ?? '', status: status ?? '' });
    appendSummary(shown.summary + (status && id ? `\nSession **${id.replace(/[^A-Za-z0-9._-]/g, '')}** is now **${status}**.\n` : ''));
    for (const a of annotations) out(workflowCommand(a));
    return run.code;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // The request itself was wrong: nothing ran, as ao does for a usage error (exit code 2).
    const name = invocation?.spec.name ?? safeCommandName(inputs.command!);
    const doc = { error: { kind: 'usage', message: error.message, hint: error.hint ?? null } };
    const shown = report({ spec: invocation?.spec ?? { name, render: () => '' } as never, code: 2, doc, stderrTail: '' });
    setOutputs({ json: JSON.stringify(doc, null, 2), 'exit-code': '2', 'session-id': '', status: '' });
    appendSummary(shown.summary);
    for (const a of shown.annotations) out(workflowCommand(a));
    return 2;
  }
}

function safeCommandName(word: string): string {
  try {
    return resolveCommand(word).name;
  } catch {
    return 'action';
  }
}

async function main(): Promise<void> {
  maskSecrets();
  if (Number(process.versions.node.split('.')[0]) < 20) {
    out(workflowCommand({ level: 'error', title: 'ao action', message: `the action needs Node 20 or newer, and this runner has ${process.version}; add actions/setup-node (node-version: 20) before this step` }));
    process.exitCode = 1;
    return;
  }
  // The step's private directory: made by the action's first step (removed again by its last), or here.
  const given = env.AO_ACTION_TEMP?.trim();
  const temp = given || mkdtempSync(path.join(env.RUNNER_TEMP || os.tmpdir(), 'ao-action-'));
  const cleanup = () => rmSync(temp, { recursive: true, force: true });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // ao stops at its next safe point and we clean up after it; with no ao running, at once.
      if (child) child.kill(signal);
      else {
        cleanup();
        process.exit(130);
      }
    });
  }
  let code = 1;
  try {
    code = await step(temp);
  } catch (error) {
    out(workflowCommand({ level: 'error', title: 'ao action failed', message: `internal error: ${error instanceof Error ? error.message : String(error)}` }));
  } finally {
    cleanup();
  }
  process.exitCode = code;
}

await main();
