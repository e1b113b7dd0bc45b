import { spawn as spawnProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { AoError } from '../core/errors.js';
import { cleanupSessions } from '../sessions/cleanup.js';
import { killSession } from '../sessions/kill.js';
import { listSessions, type SessionList } from '../sessions/list.js';
import { attachTargets } from '../sessions/open.js';
import { Orchestrator } from '../sessions/orchestrator.js';
import { restoreSession } from '../sessions/restore.js';
import { sendMessage } from '../sessions/send.js';
import { spawnSession } from '../sessions/spawn.js';
import type { SessionView } from '../sessions/view.js';
import type { CliContext } from './main.js';
import { ago, duration, printJson, progress, renderTable } from './output.js';

function positiveInt(name: string) {
  return (value: string) => {
    if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return Number(value);
  };
}

function positiveNumber(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number of seconds`);
    return n;
  };
}

const CI_SYMBOL: Record<string, string> = { passing: '✓', failing: '✗', pending: '⋯', none: '-' };
const REVIEW_SYMBOL: Record<string, string> = { approved: '✓', changes_requested: '✗', pending: '△', none: '-' };

export function renderSessionList(list: SessionList, now = Date.now()): string {
  const rows = list.sessions.map((s) => [s.id, ago(s.lastActivityAt ?? s.createdAt ?? undefined, now), s.branch, s.status, s.pr ?? '-']);
  return tail(renderTable(['ID', 'ACTIVITY', 'BRANCH', 'STATUS', 'PR'], rows), list);
}

export function renderStatus(list: SessionList, now = Date.now()): string {
  const rows = list.sessions.map((s: SessionView) => [
    s.id,
    s.status,
    s.prNumber ? `#${s.prNumber}` : '-',
    s.ci ? CI_SYMBOL[s.ci]! : '-',
    s.review ? REVIEW_SYMBOL[s.review]! : '-',
    s.unresolvedThreads === null ? '-' : String(s.unresolvedThreads),
    s.activity ?? (s.hostReachable ? '-' : 'unreachable'),
    duration(s.lastActivityAt ?? s.createdAt ?? undefined, now),
    s.branch,
  ]);
  return tail(renderTable(['ID', 'STATUS', 'PR', 'CI', 'REV', 'THR', 'ACTIVITY', 'AGE', 'BRANCH'], rows), list);
}

function tail(table: string, list: SessionList): string {
  const notes = [
    ...list.hosts.filter((h) => !h.reachable).map((h) => `host ${h.name} is unreachable (${h.error}); its sessions are not shown and nothing is done to them`),
    ...list.warnings.map((w) => `skipped ${w.host}:${w.file}: ${w.problem}`),
  ];
  const body = list.sessions.length === 0 ? 'no sessions' : table;
  return `${body}${notes.length ? `\n${notes.map((n) => `warning: ${n}`).join('\n')}` : ''}\n`;
}

/** Run a program on this terminal; a missing program is a clear error, not a crash. */
function runInteractive(file: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    spawnProcess(file, args, { stdio: 'inherit' })
      .on('error', (error: NodeJS.ErrnoException) =>
        reject(new AoError('failed', `cannot run ${file}: ${error.code === 'ENOENT' ? 'not installed' : error.message}`, `install ${file}, or use --print`)),
      )
      .on('exit', (code) => resolve(code ?? 1));
  });
}

export function registerSessionCommands(program: Command, ctx: CliContext): void {
  const orchestrator = (json = false) =>
    new Orchestrator(ctx.pool().config, ctx.pool(), {
      // Progress is for people; with --json it would be noise on stderr, but stdout stays clean either way.
      progress: json ? undefined : progress,
    });

  const spawnCommand = (cmd: Command) =>
    cmd
      .argument('<project>', 'project name or owner/name')
      .argument('[issue]', 'issue number to work on', positiveInt('issue'))
      .option('--prompt <text>', 'task for the agent (in addition to the issue)')
      .option('--host <name>', 'runner host to use (default: least loaded)')
      .option('--agent <name>', 'agent adapter (generic, claude-code, codex, aider, opencode, gemini)')
      .option('--branch <name>', 'branch name (default: ao/{id}-issue-{n}-{slug} or ao/{id})')
      .option('--force', 'allow a second active session for the same issue')
      .option('--json', 'print a JSON document')
      .action(async (project: string, issue: number | undefined, opts: { prompt?: string; host?: string; agent?: string; branch?: string; force?: boolean; json?: boolean }) => {
        if (issue === undefined && !opts.prompt) throw new AoError('usage', 'give an issue number or --prompt, so the agent has a task');
        const result = await spawnSession(orchestrator(opts.json), {
          project,
          issue: issue === undefined ? undefined : { number: issue },
          prompt: opts.prompt,
          host: opts.host,
          agent: opts.agent,
          branch: opts.branch,
          force: opts.force,
        });
        if (opts.json) printJson(result);
        else if (result.existing) process.stdout.write(`issue #${issue} already has an active session: ${result.id} on ${result.host} (use --force for another)\n`);
        else process.stdout.write(`spawned ${result.id} on ${result.host}: branch ${result.branch}\nattach: ${result.attach}\n`);
      });

  spawnCommand(program.command('spawn').description('start a session: worktree, tmux and agent on a runner host'));

  const session = program.command('session').description('manage sessions (ls, kill, cleanup, restore)');
  spawnCommand(session.command('spawn').description('same as `ao spawn`'));

  session
    .command('ls')
    .alias('list')
    .description('list sessions: ID, last activity, branch, status, PR')
    .option('-p, --project <name>', 'only this project')
    .option('--include-killed', 'also list killed sessions')
    .option('--json', 'print a JSON document')
    .action(async (opts: { project?: string; includeKilled?: boolean; json?: boolean }) => {
      const list = await listSessions(orchestrator(opts.json), { project: opts.project, includeKilled: opts.includeKilled });
      if (opts.json) printJson(list);
      else process.stdout.write(renderSessionList(list));
    });

  const statusAction = async (opts: { project?: string; json?: boolean; watch?: boolean; interval?: number }) => {
    const orch = orchestrator(opts.json);
    for (;;) {
      const list = await listSessions(orch, { project: opts.project, persist: true });
      if (opts.json) printJson(list);
      else {
        if (opts.watch && process.stdout.isTTY) process.stdout.write('\u001b[2J\u001b[H');
        process.stdout.write(renderStatus(list));
      }
      if (!opts.watch) return;
      await new Promise((r) => setTimeout(r, (opts.interval ?? 5) * 1000));
    }
  };
  for (const cmd of [program.command('status'), session.command('status')]) {
    cmd
      .description('comprehensive view: status, PR, CI, review, threads, activity, age')
      .option('-p, --project <name>', 'only this project')
      .option('--json', 'print a JSON document (with --watch: one document per refresh)')
      .option('-w, --watch', 'refresh until interrupted')
      .option('--interval <seconds>', 'refresh interval for --watch', positiveNumber('--interval'), 5)
      .action(statusAction);
  }

  const sendAction = async (id: string, words: string[], opts: { file?: string; wait: boolean; timeout?: number; json?: boolean; answer?: boolean }) => {
    let text = words.join(' ');
    if (opts.file) {
      if (text) throw new AoError('usage', 'give the message as text or with -f, not both');
      try {
        text = readFileSync(opts.file === '-' ? 0 : opts.file, 'utf8');
      } catch (error) {
        throw new AoError('usage', `cannot read ${opts.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
    }
    const result = await sendMessage(orchestrator(opts.json), id, text, { wait: opts.wait, timeoutSec: opts.timeout, answer: opts.answer });
    if (opts.json) printJson(result);
    else if (result.needsInput) {
      process.stdout.write(`not sent: ${id} is waiting for input (nothing was typed into its prompt):\n${result.question}\n`);
    } else {
      process.stdout.write(`sent ${result.bytes} bytes to ${id}${result.confirmed ? ' (delivery confirmed)' : ' (not confirmed: the pane did not change)'}\n`);
    }
    if (result.needsInput) process.exitCode = 1;
  };
  for (const cmd of [program.command('send'), session.command('send')]) {
    cmd
      .description('send a message to a session\'s agent (waits until it is ready)')
      .argument('<id>', 'session ID')
      .argument('[text...]', 'message text')
      .option('-f, --file <file>', 'send the text of a file (- for stdin)')
      .option('--no-wait', 'do not wait for the agent to be ready')
      .option('--timeout <seconds>', 'how long to wait for the agent to be ready (default 600)', positiveNumber('--timeout'))
      .option('--answer', 'answer the question the agent is asking (types into its prompt)')
      .option('--json', 'print a JSON document')
      .action(sendAction);
  }

  session
    .command('kill')
    .description('kill tmux, remove the worktree, mark killed (unpushed work is saved to refs/ao/backup/<id>)')
    .argument('<id>', 'session ID')
    .option('--force', 'kill even if unsaved work could not be saved')
    .option('--json', 'print a JSON document')
    .action(async (id: string, opts: { force?: boolean; json?: boolean }) => {
      const result = await killSession(orchestrator(opts.json), id, { force: opts.force });
      if (opts.json) printJson(result);
      else process.stdout.write(`${result.message}\n`);
    });

  session
    .command('cleanup')
    .description('kill sessions whose PR is merged, whose issue is closed, or whose runtime is dead')
    .option('-p, --project <name>', 'only this project')
    .option('--dry-run', 'list what would be done, change nothing')
    .option('--json', 'print a JSON document')
    .action(async (opts: { project?: string; dryRun?: boolean; json?: boolean }) => {
      const result = await cleanupSessions(orchestrator(opts.json), { project: opts.project, dryRun: opts.dryRun });
      if (opts.json) printJson(result);
      else {
        if (result.candidates.length === 0) process.stdout.write('nothing to clean up\n');
        for (const c of result.candidates) process.stdout.write(`${result.dryRun ? 'would kill' : 'killed'} ${c.id} (${c.reason})\n`);
        for (const f of result.failed) process.stdout.write(`failed ${f.id}: ${f.error}\n`);
        for (const h of result.unreachableHosts) process.stdout.write(`skipped host ${h}: unreachable, its sessions are left alone\n`);
      }
      if (result.failed.length > 0) process.exitCode = 1;
    });

  session
    .command('restore')
    .description('bring back a crashed or killed session: worktree, tmux, agent (resumed where possible)')
    .argument('<id>', 'session ID')
    .option('--json', 'print a JSON document')
    .action(async (id: string, opts: { json?: boolean }) => {
      const result = await restoreSession(orchestrator(opts.json), id);
      if (opts.json) printJson(result);
      else process.stdout.write(`restored ${id} on ${result.host} (worktree ${result.worktree}, ${result.runtime}${result.resumed ? ', conversation resumed' : ''})\n`);
    });

  program
    .command('open')
    .description('attach to a session (Ctrl+B, D detaches); a project or "all" opens one local tmux window each')
    .argument('<target>', 'session ID, project name, or "all"')
    .option('--print', 'print the attach commands instead of running them')
    .option('--json', 'with --print, print a JSON document')
    .action(async (target: string, opts: { print?: boolean; json?: boolean }) => {
      const orch = orchestrator(opts.json);
      const targets = await attachTargets(orch, target);
      if (opts.print || opts.json) {
        if (opts.json) printJson(targets);
        else process.stdout.write(targets.map((t) => `${t.command}\n`).join(''));
        return;
      }
      if (targets.length === 1) {
        const [file, ...args] = targets[0]!.argv;
        process.exitCode = await runInteractive(file!, args);
        return;
      }
      // Several: one window each in the current tmux, or in a new local tmux session.
      const inTmux = Boolean(process.env.TMUX);
      const group = `ao-open-${Date.now()}`;
      const tmux = (...args: string[]) => runInteractive('tmux', args);
      for (const [i, t] of targets.entries()) {
        if (inTmux) await tmux('new-window', '-n', t.id, t.command);
        else if (i === 0) await tmux('new-session', '-d', '-s', group, '-n', t.id, t.command);
        else await tmux('new-window', '-t', group, '-n', t.id, t.command);
      }
      if (!inTmux) process.exitCode = await tmux('attach-session', '-t', group);
    });
}
