import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isBasicExpression, isMapping, isSequence, isString, NoOperationTraceWriter, parseAction } from './parser.js';

/**
 * Runs a composite action the way the GitHub Actions runner does, for tests:
 * action.yml read and validated by GitHub's own parser (@actions/workflow-
 * parser, the action schema), inputs from `with:` or their defaults, every
 * `${{ }}` evaluated once by GitHub's expression engine (@actions/expressions)
 * with the inputs, steps, github and env contexts, each step's `if`
 * (default `success()`), each run step written to a script under RUNNER_TEMP
 * and run as `bash --noprofile --norc -eo pipefail <script>` with the
 * runner's environment plus the step's `env`, GITHUB_ACTION_PATH, and fresh
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_ENV / GITHUB_PATH / GITHUB_STATE
 * files, read back after the step. Workflow commands on stdout and stderr
 * are processed as the runner processes them (`::add-mask::`,
 * `::stop-commands::`, `::error::` and friends), and the log is what the
 * runner would show, secrets masked. Cancellation sends SIGINT, then
 * SIGTERM after 7.5 s, then SIGKILL, and runs the `always()` steps.
 */

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  title?: string;
  message: string;
}

export interface StepRun {
  id: string;
  name: string;
  outcome: 'success' | 'failure' | 'skipped' | 'cancelled';
  exitCode: number | null;
  outputs: Record<string, string>;
}

export interface ActionRun {
  conclusion: 'success' | 'failure' | 'cancelled';
  outputs: Record<string, string>;
  steps: StepRun[];
  /** The log as the runner shows it: commands consumed, registered secrets replaced by ***. */
  log: string;
  /** Every line the steps wrote, unmasked, without the `::add-mask::` command lines themselves. */
  raw: string;
  /** The job summary the steps wrote (unmasked, to check what they wrote themselves). */
  summary: string;
  annotations: Annotation[];
  masks: string[];
  /** What the runner itself warns about (unexpected inputs). */
  runnerWarnings: string[];
  /** Every file the runner made for the run (scripts, file commands), for leak checks before they are removed. */
  runnerFiles: string[];
}

export interface RunActionOptions {
  actionDir: string;
  /** The step's `with:`: strings, as YAML gives them to the runner. */
  with: Record<string, string>;
  workspace: string;
  runnerTemp: string;
  /** The runner's environment (the job's env and GitHub's default variables); PATH and HOME are added. */
  env?: Record<string, string>;
  /** The github context (token, repository, ...). */
  github?: Record<string, string>;
  /** Cancel the run (as the Cancel button does) when what the steps printed so far satisfies this. */
  cancelWhen?: (printed: string) => boolean;
  /** SIGKILL the running step's processes (a runner that lost them: out of memory, a lost agent) when this holds. */
  killWhen?: (printed: string) => boolean;
  timeoutMs?: number;
}

type Json = string | number | boolean | null | { [k: string]: Json } | Json[];

function toData(value: Json | undefined): data.ExpressionData {
  if (value === undefined || value === null) return new data.Null();
  if (typeof value === 'string') return new data.StringData(value);
  if (typeof value === 'number') return new data.NumberData(value);
  if (typeof value === 'boolean') return new data.BooleanData(value);
  if (Array.isArray(value)) return new data.Array(...value.map(toData));
  return new data.Dictionary(...Object.entries(value).map(([key, v]) => ({ key, value: toData(v) })));
}

const CONTEXTS = ['inputs', 'steps', 'github', 'env', 'runner', 'job', 'strategy', 'matrix'];

interface Status {
  failed: boolean;
  cancelled: boolean;
}

function evaluate(expression: string, contexts: Record<string, Json>, status: Status): data.ExpressionData {
  const functions = new Map([
    ['always', { name: 'always', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(true) }],
    ['success', { name: 'success', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(!status.failed && !status.cancelled) }],
    ['failure', { name: 'failure', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status.failed) }],
    ['cancelled', { name: 'cancelled', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status.cancelled) }],
  ]);
  const lexed = new Lexer(expression).lex();
  const ast = new Parser(lexed.tokens, CONTEXTS, [...functions.values()]).parse();
  return new Evaluator(ast, toData(contexts) as data.Dictionary, functions).evaluate();
}

/** A scalar of action.yml as the runner evaluates it: literal text, or one evaluation of its expression. */
function evalString(token: TemplateToken, contexts: Record<string, Json>, status: Status): string {
  if (isBasicExpression(token)) return evaluate(token.expression, contexts, status).coerceString();
  if (isString(token)) return token.value;
  return String((token as unknown as { value: unknown }).value);
}

function entries(token: TemplateToken): [string, TemplateToken][] {
  if (!isMapping(token)) throw new Error('expected a mapping in action.yml');
  return [...(token as unknown as Iterable<{ key: TemplateToken; value: TemplateToken }>)].map((p) => [(p.key as unknown as { value: string }).value, p.value]);
}

function items(token: TemplateToken): TemplateToken[] {
  if (!isSequence(token)) throw new Error('expected a sequence in action.yml');
  return [...(token as unknown as Iterable<TemplateToken>)];
}

/** Parse a workflow command line (`::name k=v,k=v::data`), unescaped as the runner does. */
export function parseCommand(line: string): { name: string; props: Record<string, string>; data: string } | undefined {
  const m = /^::([A-Za-z-]+)( [^:]*)?::(.*)$/.exec(line.trim());
  if (!m) return undefined;
  const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const unescapeProp = (s: string) => unescapeData(s.replace(/%3A/g, ':').replace(/%2C/g, ','));
  const props: Record<string, string> = {};
  for (const pair of (m[2] ?? '').trim().split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at > 0) props[pair.slice(0, at)] = unescapeProp(pair.slice(at + 1));
  }
  return { name: m[1]!.toLowerCase(), props, data: unescapeData(m[3]!) };
}

/** name=value lines and name<<DELIMITER heredocs, as the runner reads GITHUB_OUTPUT. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      if (end < 0) throw new Error(`unterminated heredoc ${heredoc[2]} in a file command`);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`malformed file command line: ${line}`);
    out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const file = path.join(options.actionDir, 'action.yml');
  const parsed = parseAction({ name: 'action.yml', content: readFileSync(file, 'utf8') }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors();
  if (errors.length > 0 || !parsed.value) throw new Error(`action.yml does not validate: ${errors.map((e) => e.message).join('; ')}`);
  const root = Object.fromEntries(entries(parsed.value));
  const status: Status = { failed: false, cancelled: false };
  const github: Record<string, Json> = { action_path: options.actionDir, workspace: options.workspace, ...options.github };
  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace,
    RUNNER_TEMP: options.runnerTemp,
    ...options.env,
  };

  // Inputs: declared ones from `with:` or their default (evaluated); others only warned about, as the runner does.
  const declared = root.inputs ? entries(root.inputs) : [];
  const runnerWarnings: string[] = [];
  const unexpected = Object.keys(options.with).filter((k) => !declared.some(([name]) => name.toLowerCase() === k.toLowerCase()));
  if (unexpected.length) runnerWarnings.push(`Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${declared.map(([n]) => n).join("', '")}']`);
  const inputs: Record<string, Json> = {};
  for (const [name, spec] of declared) {
    const given = Object.entries(options.with).find(([k]) => k.toLowerCase() === name.toLowerCase());
    const def = Object.fromEntries(entries(spec)).default;
    inputs[name] = given ? given[1] : def ? evalString(def, { github, env: baseEnv }, status) : '';
  }

  const stepsContext: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  const masks: string[] = [];
  const annotations: Annotation[] = [];
  const runnerFiles: string[] = [];
  let log = '';
  let raw = '';
  let summary = '';
  const mask = (line: string) => masks.reduce((l, m) => (m ? l.split(m).join('***') : l), line);
  let stopToken: string | undefined;
  const onLine = (line: string) => {
    const command = parseCommand(line);
    if (stopToken !== undefined) {
      if (line.trim() === `::${stopToken}::`) stopToken = undefined;
      else {
        raw += `${line}\n`;
        log += `${mask(line)}\n`;
      }
      return;
    }
    if (command?.name === 'add-mask') {
      if (command.data.trim()) masks.push(command.data.trim());
      return;
    }
    raw += `${line}\n`;
    if (command?.name === 'stop-commands') {
      stopToken = command.data;
      return;
    }
    if (command && (command.name === 'error' || command.name === 'warning' || command.name === 'notice')) {
      annotations.push({ level: command.name, title: command.props.title ? mask(command.props.title) : undefined, message: mask(command.data) });
      log += `${command.name[0]!.toUpperCase()}${command.name.slice(1)}: ${mask(command.data)}\n`;
      return;
    }
    if (command && ['debug', 'group', 'endgroup'].includes(command.name)) return;
    log += `${mask(line)}\n`;
  };

  const steps: StepRun[] = [];
  let cancel: (() => void) | undefined;
  let killed = false;
  const runs = Object.fromEntries(entries(root.runs!));
  if (!isString(runs.using!) || runs.using.value !== 'composite') throw new Error('not a composite action');
  for (const [index, stepToken] of items(runs.steps!).entries()) {
    const step = Object.fromEntries(entries(stepToken));
    const id = step.id && isString(step.id) ? step.id.value : `__${index}`;
    const name = step.name ? evalString(step.name, { inputs, github, env: baseEnv, steps: stepsContext }, status) : id;
    const contexts = (): Record<string, Json> => ({ inputs, github, env: baseEnv, steps: stepsContext, runner: { temp: options.runnerTemp, os: 'Linux' } });
    const condition = step.if ? (isBasicExpression(step.if) ? step.if.expression : evalString(step.if, contexts(), status)) : 'success()';
    // A condition without a status function is combined with success(), as the runner does.
    const effective = /\b(always|success|failure|cancelled)\s*\(/.test(condition) ? condition : `success() && (${condition})`;
    if (!truthy(evaluate(effective, contexts(), status))) {
      steps.push({ id, name, outcome: 'skipped', exitCode: null, outputs: {} });
      stepsContext[id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }
    if (!step.run || !step.shell || !isString(step.shell) || step.shell.value !== 'bash') throw new Error(`step ${id}: this harness runs bash run steps only`);
    const stepEnv: Record<string, string> = {};
    if (step.env) for (const [k, v] of entries(step.env)) stepEnv[k] = evalString(v, contexts(), status);
    const script = evalString(step.run, contexts(), status);
    const commandsDir = path.join(options.runnerTemp, '_runner_file_commands');
    mkdirSync(commandsDir, { recursive: true });
    const files = Object.fromEntries(['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STATE'].map((n) => [n, path.join(commandsDir, `${n.toLowerCase()}_${randomUUID()}`)]));
    for (const f of Object.values(files)) writeFileSync(f, '');
    const scriptFile = path.join(options.runnerTemp, `${randomUUID()}.sh`);
    writeFileSync(scriptFile, script);
    runnerFiles.push(scriptFile, ...Object.values(files));
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], {
      cwd: options.workspace,
      env: { ...baseEnv, ...stepEnv, GITHUB_ACTION_PATH: options.actionDir, ...files },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const timers: NodeJS.Timeout[] = [];
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        /* gone */
      }
    };
    cancel = () => {
      if (status.cancelled) return;
      status.cancelled = true;
      signal('SIGINT');
      timers.push(setTimeout(() => signal('SIGTERM'), 7_500), setTimeout(() => signal('SIGKILL'), 10_000));
    };
    if (options.timeoutMs) timers.push(setTimeout(() => signal('SIGKILL'), options.timeoutMs));
    const pending = { out: '', err: '' };
    const feed = (which: 'out' | 'err', chunk: Buffer) => {
      pending[which] += chunk.toString();
      const lines = pending[which].split('\n');
      pending[which] = lines.pop()!;
      for (const line of lines) onLine(line);
      if (options.cancelWhen && !status.cancelled && options.cancelWhen(raw)) cancel?.();
      if (options.killWhen && !killed && options.killWhen(raw)) {
        killed = true;
        signal('SIGKILL');
      }
    };
    child.stdout!.on('data', (c: Buffer) => feed('out', c));
    child.stderr!.on('data', (c: Buffer) => feed('err', c));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    for (const t of timers) clearTimeout(t);
    cancel = undefined;
    for (const rest of [pending.out, pending.err]) if (rest) onLine(rest);
    stopToken = undefined; // a step's stop-commands ends with the step
    const outputs = parseFileCommands(readFileSync(files.GITHUB_OUTPUT!, 'utf8'));
    summary += readFileSync(files.GITHUB_STEP_SUMMARY!, 'utf8');
    const outcome: StepRun['outcome'] = exitCode === 0 ? 'success' : status.cancelled ? 'cancelled' : 'failure';
    if (outcome === 'failure') {
      status.failed = true;
      annotations.push({ level: 'error', message: `Process completed with exit code ${exitCode}.` });
    }
    steps.push({ id, name, outcome, exitCode, outputs });
    stepsContext[id] = { outputs, outcome, conclusion: outcome };
    // The runner removes the script and the file-command files after the step.
    for (const f of [scriptFile, ...Object.values(files)]) rmSync(f, { force: true });
  }

  const outputs: Record<string, string> = {};
  if (root.outputs) {
    for (const [name, spec] of entries(root.outputs)) {
      const value = Object.fromEntries(entries(spec)).value;
      outputs[name] = value ? evalString(value, { inputs, github, steps: stepsContext, env: baseEnv }, status) : '';
    }
  }
  return {
    conclusion: status.cancelled ? 'cancelled' : status.failed ? 'failure' : 'success',
    outputs,
    steps,
    log,
    raw,
    summary,
    annotations,
    masks,
    runnerWarnings,
    runnerFiles,
  };
}
