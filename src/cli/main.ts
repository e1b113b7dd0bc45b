import { Command, CommanderError, Option } from 'commander';
import { describeError, exitCodeFor } from '../core/errors.js';
import { loadConfig } from '../config/load.js';
import { HostPool } from '../hosts/pool.js';
import { doctor } from '../sessions/doctor.js';
import { printJson, renderTable } from './output.js';
import { registerSessionCommands } from './session-commands.js';

export interface CliContext {
  pool(): HostPool;
  configPath(): string;
}

function makeContext(program: Command): { ctx: CliContext; close: () => Promise<void> } {
  let pool: HostPool | undefined;
  let source = '(defaults)';
  const ctx: CliContext = {
    pool() {
      if (!pool) {
        const loaded = loadConfig(program.opts().config as string | undefined);
        source = loaded.source;
        pool = new HostPool(loaded.config);
      }
      return pool;
    },
    configPath: () => source,
  };
  return { ctx, close: async () => pool?.close() };
}

export function buildProgram(): { program: Command; close: () => Promise<void> } {
  const program = new Command('ao');
  const { ctx, close } = makeContext(program);
  program
    .description('Agent Orchestrator: run AI coding agents, one per issue, in git worktrees and tmux sessions on runner hosts.')
    .addOption(new Option('-c, --config <file>', 'configuration file (default: $AO_CONFIG, ./agent-orchestrator.yaml, ~/.config/agent-orchestrator/config.yaml)'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('doctor')
    .description('check every runner host: reachable, host key, git and tmux versions, data dir writable')
    .option('--json', 'print a JSON document')
    .action(async (opts: { json?: boolean }) => {
      const report = await doctor(ctx.pool());
      if (opts.json) printJson(report);
      else {
        process.stdout.write(
          `${renderTable(
            ['HOST', 'ADDRESS', 'OK', 'HOST KEY', 'GIT', 'TMUX', 'DATA DIR'],
            report.hosts.map((h) => [h.name, h.address, h.ok ? 'ok' : 'FAIL', h.hostKey.status, h.git ?? '-', h.tmux ?? '-', h.dataDir ? `${h.dataDir}${h.dataDirWritable ? '' : ' (not writable)'}` : '-']),
          )}\n`,
        );
        for (const h of report.hosts) for (const p of h.problems) process.stdout.write(`${h.name}: ${p}\n`);
      }
      process.exitCode = report.ok ? 0 : 1;
    });

  registerSessionCommands(program, ctx);
  return { program, close };
}

export async function main(argv: string[]): Promise<number> {
  const { program, close } = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are not failures; everything else commander rejects is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2;
    }
    process.stderr.write(`ao: ${describeError(error)}\n`);
    return exitCodeFor(error);
  } finally {
    await close();
  }
}

const isEntry = process.argv[1] && /(?:^|[/\\])(?:ao(?:\.js)?|main\.(?:ts|js))$/.test(process.argv[1]);
if (isEntry) {
  const code = await main(process.argv);
  process.exit(code);
}
