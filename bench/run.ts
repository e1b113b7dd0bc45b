/**
 * Benchmarks (npm run bench). Real sshd on loopback, real tmux and git.
 * Results are printed as a Markdown table; copy them to docs/BENCHMARKS.md.
 * Pass section names to run only some: npm run bench -- foundation sessions
 */
import { benchFoundation } from './foundation.js';
import { benchGitHub } from './github.js';
import { benchSessions } from './sessions.js';

const sections: Record<string, () => Promise<void>> = { foundation: benchFoundation, sessions: benchSessions, github: benchGitHub };
const wanted = process.argv.slice(2).filter((a) => a in sections);
process.stdout.write(`# Benchmark run ${new Date().toISOString()} (node ${process.version}, ${(await import('node:os')).cpus().length} cores)\n`);
for (const name of wanted.length ? wanted : Object.keys(sections)) await sections[name]!();

