import type { AgentCheck, DoctorReport } from '../sessions/doctor.js';
import { renderTable } from './text.js';
import { defineCommand } from './types.js';

/** An agent in the table: its program, version, and whether it starts unattended. */
function agentCell(a: AgentCheck): string {
  if (!a.path) return `${a.program} (missing)`;
  const state = a.ready === undefined ? '' : a.ready ? ' ready' : ' NOT READY';
  return `${a.program}${a.version ? ` ${a.version}` : ''}${state}`;
}

export const doctorCommand = defineCommand<Record<string, never>, DoctorReport>({
  name: 'doctor',
  cli: [['doctor']],
  summary: "check every runner host: reachable, host key, git and tmux versions, data dir writable, and each agent its projects run: installed, version, whether it starts without a first-run screen or login",
  args: [],
  options: [],
  permission: 'admin',
  surfaces: ['cli', 'action'],
  examples: ['ao doctor', 'ao doctor --json'],
  allowMissingHostKeys: true,
  async run(ctx) {
    const { doctor } = await import('../sessions/doctor.js');
    return doctor(await ctx.pool());
  },
  render(report) {
    const table = renderTable(
      ['HOST', 'ADDRESS', 'OK', 'HOST KEY', 'GIT', 'TMUX', 'AGENTS', 'DATA DIR'],
      report.hosts.map((h) => [
        h.name,
        h.address,
        h.ok ? 'ok' : 'FAIL',
        h.hostKey.status,
        h.git ?? '-',
        h.tmux ?? '-',
        h.agents.map(agentCell).join(', ') || '-',
        h.dataDir ? `${h.dataDir}${h.dataDirWritable ? '' : ' (not writable)'}` : '-',
      ]),
    );
    const problems = report.hosts.flatMap((h) => h.problems.map((p) => `${h.name}: ${p}\n`));
    const notes = report.hosts.flatMap((h) => h.notes.map((n) => `${h.name}: note: ${n}\n`));
    return `${table}\n${problems.join('')}${notes.join('')}sessions run on the private tmux socket "${report.tmuxSocket}": \`tmux -L ${report.tmuxSocket} ls\` on a host lists them\n`;
  },
  exitCode: (report) => (report.ok ? 0 : 1),
});
