import type { DoctorReport } from '../sessions/doctor.js';
import { renderTable } from './text.js';
import { defineCommand } from './types.js';

export const doctorCommand = defineCommand<Record<string, never>, DoctorReport>({
  name: 'doctor',
  cli: [['doctor']],
  summary: "check every runner host: reachable, host key, git and tmux versions, the agents' programs, data dir writable",
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
        h.agents.map((a) => `${a.program}${a.path ? '' : ' (missing)'}`).join(', ') || '-',
        h.dataDir ? `${h.dataDir}${h.dataDirWritable ? '' : ' (not writable)'}` : '-',
      ]),
    );
    const problems = report.hosts.flatMap((h) => h.problems.map((p) => `${h.name}: ${p}\n`));
    return `${table}\n${problems.join('')}sessions run on the private tmux socket "${report.tmuxSocket}": \`tmux -L ${report.tmuxSocket} ls\` on a host lists them\n`;
  },
  exitCode: (report) => (report.ok ? 0 : 1),
});
