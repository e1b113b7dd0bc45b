import { Argument, Command, CommanderError, Option } from 'commander';
import os from 'node:os';
import { CLI_GROUPS, COMMANDS } from '../commands/index.js';
import { flagName, type CommandContext, type CommandSpec, type OptionSpec } from '../commands/types.js';
import { convertValue } from '../commands/values.js';
import type { Config } from '../core/config.js';
import { describeError, errorDocument, exitCodeFor } from '../core/errors.js';
import type { HostPool } from '../hosts/pool.js';
import type { Orchestrator, ProgressEvent } from '../sessions/orchestrator.js';
import { aoVersion } from './version.js';
import { Output } from './output.js';

/**
 * The `ao` CLI, generated from the command registry (src/commands): each
 * entry's arguments, options, help and examples become a commander command.
 * Heavy modules (config, hosts, operations) load when a command runs.
 */

interface Session {
  ctx(json: boolean, spec: CommandSpec<never, never>): CommandContext;
  /** Ctrl-C arrived while a command that handles it was running. */
  wasInterrupted(): boolean;
  close(): Promise<void>;
}

function cliActor(): string {
  let user = process.env.USER || process.env.LOGNAME;
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = `uid-${process.getuid?.() ?? 'unknown'}`;
    }
  }
  return `cli:${user}`;
}

/**
 * GitHub for the CLI, by GitHub Actions' conventions (GITHUB_API_URL,
 * GITHUB_TOKEN or GH_TOKEN, else `gh auth token`; the config may name the
 * API). Octokit is loaded only when there is a token. Without one, ao works
 * as before and says once that the GitHub columns need one.
 */
async function cliGitHub(config: Config, out: Output) {
  const { resolveGitHubEndpoints, resolveGitHubToken, NO_TOKEN_REASON } = await import('../github/env.js');
  const { apiUrl, graphqlUrl } = resolveGitHubEndpoints(process.env, config.github ?? {});
  const token = await resolveGitHubToken({ apiUrl });
  if (!token) {
    if (config.projects.length > 0) out.progress(`note: ${NO_TOKEN_REASON}`);
    return undefined;
  }
  const { createGitHubPort } = await import('../github/octokit-port.js');
  const { port } = await createGitHubPort({ apiUrl, graphqlUrl, token: token.token });
  return port;
}

function makeSession(program: Command, out: Output): Session {
  let loaded: Promise<{ config: Config; pool: HostPool }> | undefined;
  let orchestrator: Promise<Orchestrator> | undefined;
  let interrupt: AbortController | undefined;
  let spec: CommandSpec<never, never> | undefined;
  const load = () =>
    (loaded ??= (async () => {
      const [{ loadConfig }, { HostPool }] = await Promise.all([import('../config/load.js'), import('../hosts/pool.js')]);
      const { config } = loadConfig(program.opts().config as string | undefined, process.env, process.cwd(), { allowMissingHostKeys: spec?.allowMissingHostKeys });
      return { config, pool: new HostPool(config) };
    })());
  return {
    ctx(json, running) {
      spec = running;
      const progress = json ? undefined : (event: ProgressEvent) => out.progress(event.message);
      return {
        json,
        progress,
        config: async () => (await load()).config,
        pool: async () => (await load()).pool,
        orchestrator: () =>
          (orchestrator ??= (async () => {
            const [{ Orchestrator }, { config, pool }] = await Promise.all([import('../sessions/orchestrator.js'), load()]);
            return new Orchestrator(config, pool, { actor: cliActor(), progress, github: () => cliGitHub(config, out) });
          })()),
        emit: () => undefined,
        // Installed only when a command reads it, so Ctrl-C stops every other command at once.
        get signal() {
          if (!interrupt) {
            const controller = new AbortController();
            interrupt = controller;
            process.once('SIGINT', () => {
              controller.abort();
              process.stderr.write('ao: interrupted; stopping at the next safe point (Ctrl-C again to quit at once)\n');
              process.once('SIGINT', () => {
                process.stderr.write('ao: quit at once; an operation under way may or may not have completed\n');
                process.exit(130);
              });
            });
          }
          return interrupt.signal;
        },
      };
    },
    wasInterrupted: () => interrupt?.signal.aborted ?? false,
    async close() {
      if (loaded) await (await loaded.catch(() => undefined))?.pool.close();
    },
  };
}

function optionFlags(option: OptionSpec): string {
  const long = option.negatable ? `--no-${flagName(option)}` : `--${flagName(option)}`;
  const value = option.kind === 'boolean' ? '' : ` ${option.placeholder ?? '<value>'}`;
  return `${option.short ? `-${option.short}, ` : ''}${long}${value}`;
}

/** The typed input of a command from what commander parsed; bad values are usage errors. */
function collectInput(spec: CommandSpec<never, never>, positional: unknown[], opts: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  spec.args.forEach((arg, i) => {
    const raw = positional[i];
    if (raw === undefined) return;
    if (arg.variadic) {
      const words = raw as string[];
      if (words.length === 0) return;
      input[arg.name] = arg.kind === 'text' ? words.join(' ') : words.map((w) => convertValue(arg.kind, w, arg.name));
    } else input[arg.name] = convertValue(arg.kind, raw as string, arg.name);
  });
  for (const option of spec.options) {
    const raw = opts[option.name];
    if (raw === undefined) continue;
    input[option.name] = typeof raw === 'string' && option.kind !== 'boolean' ? convertValue(option.kind, raw, `--${flagName(option)}`) : raw;
  }
  return input;
}

function addCommand(parent: Command, name: string, spec: CommandSpec<never, never>, session: Session, out: Output, result: { code: number }): void {
  const cmd = parent.command(name).description(spec.summary);
  for (const arg of spec.args) {
    const label = `${arg.name}${arg.variadic ? '...' : ''}`;
    cmd.addArgument(new Argument(arg.required ? `<${label}>` : `[${label}]`, arg.help));
  }
  for (const option of spec.options) {
    if (option.surfaces && !option.surfaces.includes('cli')) continue;
    const o = new Option(optionFlags(option), option.help);
    if (option.default !== undefined && !option.negatable) o.default(option.default);
    cmd.addOption(o);
  }
  cmd.option('--json', 'print a JSON document on stdout (progress and logs stay on stderr)');
  if (spec.examples.length > 0) cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}\n`);
  cmd.action(async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const opts = command.opts();
    const json = Boolean(opts.json);
    const input = collectInput(spec, args.slice(0, spec.args.length), opts);
    const ctx = session.ctx(json, spec);
    let emitted = 0;
    ctx.emit = (doc) => {
      if (!json && emitted > 0 && process.stdout.isTTY) out.write('\u001b[2J\u001b[H');
      emitted++;
      if (json) out.json(doc);
      else out.write((spec.render as (r: unknown) => string)(doc));
    };
    const done = await (spec.run as (c: CommandContext, i: unknown) => Promise<unknown>)(ctx, input);
    if (done !== undefined) {
      ctx.emit(done);
      result.code = (spec.exitCode as ((r: unknown) => number) | undefined)?.(done) ?? 0;
    }
  });
}

export function buildProgram(out: Output = new Output()): { program: Command; session: Session; result: { code: number } } {
  const program = new Command('ao');
  const session = makeSession(program, out);
  const result = { code: 0 };
  program
    .description('Agent Orchestrator: run AI coding agents, one per issue, in git worktrees and tmux sessions on runner hosts.')
    .version(aoVersion(), '-V, --version', 'print the version')
    .addOption(new Option('-c, --config <file>', 'configuration file (default: $AO_CONFIG, ./agent-orchestrator.yaml, ~/.config/agent-orchestrator/config.yaml)'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => process.stderr.write(s) });
  const groups = new Map<string, Command>();
  for (const spec of COMMANDS) {
    for (const path of spec.cli) {
      let parent = program;
      for (const group of path.slice(0, -1)) {
        let g = groups.get(group);
        if (!g) {
          g = program.command(group).description(CLI_GROUPS[group] ?? group);
          groups.set(group, g);
        }
        parent = g;
      }
      addCommand(parent, path.at(-1)!, spec, session, out, result);
    }
  }
  return { program, session, result };
}

export async function main(argv: string[], out: Output = new Output()): Promise<number> {
  const { program, session, result } = buildProgram(out);
  // A script that asked for JSON gets the reason for a failure as JSON too, on stdout.
  const json = argv.slice(2).includes('--json');
  try {
    await program.parseAsync(argv);
    return session.wasInterrupted() ? 130 : result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are not failures; everything else commander rejects is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      if (json) out.json({ error: { kind: 'usage', message: error.message.replace(/^error: /, ''), hint: 'run with --help for usage' } });
      return 2;
    }
    process.stderr.write(`ao: ${describeError(error)}\n`);
    if (json) out.json({ error: errorDocument(error) });
    return session.wasInterrupted() ? 130 : exitCodeFor(error);
  } finally {
    await session.close();
  }
}

const isEntry = process.argv[1] && /(?:^|[/\\])(?:ao(?:\.m?js)?|main\.(?:ts|js))$/.test(process.argv[1]);
if (isEntry) {
  const out = new Output();
  const code = await main(process.argv, out);
  // Everything written to stdout reaches the reader (a pipe may be slower than we are) before the process ends.
  await out.drain();
  process.exit(code);
}
