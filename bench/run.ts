/**
 * Benchmarks (npm run bench). Real sshd on loopback, real tmux and git.
 * Each section prints Markdown tables and writes the same text to
 * docs/benchmarks/<section>.md (the raw results of the last run);
 * docs/BENCHMARKS.md explains them. Pass section names to run only some:
 * npm run bench -- foundation sessions
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchFoundation } from './foundation.js';
import { benchApp } from './app.js';
import { benchGitHub } from './github.js';
import { benchLifecycle } from './lifecycle.js';
import { benchScale } from './scale.js';
import { benchSessions } from './sessions.js';

const sections: Record<string, () => Promise<void>> = { foundation: benchFoundation, sessions: benchSessions, scale: benchScale, github: benchGitHub, lifecycle: benchLifecycle, action: async () => (await import('./action.js')).benchAction(), app: benchApp, agents: async () => (await import('./agents.js')).benchAgents() };
const wanted = process.argv.slice(2).filter((a) => a in sections);
const unknown = process.argv.slice(2).filter((a) => !(a in sections) && !a.startsWith('-'));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark section(s): ${unknown.join(', ')}; known: ${Object.keys(sections).join(', ')}\n`);
  process.exit(2);
}
const outDir = path.join(import.meta.dirname, '../docs/benchmarks');
mkdirSync(outDir, { recursive: true });
const write = process.stdout.write.bind(process.stdout);
for (const name of wanted.length ? wanted : Object.keys(sections)) {
  const header = `# Benchmark: ${name}\n\nRun ${new Date().toISOString()} with \`npm run bench -- ${name}\` (node ${process.version}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB).\n`;
  let captured = header;
  write(header);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    await sections[name]!();
  } finally {
    process.stdout.write = write;
  }
  const file = path.join(outDir, `${name}.md`);
  writeFileSync(file, captured);
  process.stderr.write(`bench: wrote ${path.relative(process.cwd(), file)}\n`);
}
