import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { Output } from '../../src/cli/output.js';
import { COMMANDS } from '../../src/commands/index.js';
import { flagName, PERMISSIONS } from '../../src/commands/types.js';

/** Run the generated CLI in-process and capture what it prints. */
async function cli(...args: string[]): Promise<string> {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const { program } = buildProgram(new Output(sink, sink));
  await program.parseAsync(['node', 'ao', ...args]).catch(() => undefined);
  return text;
}

describe('the command registry', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s declares its help, permission, surfaces and examples', (_name, spec) => {
    expect(spec.summary.length).toBeGreaterThan(10);
    expect(PERMISSIONS).toContain(spec.permission);
    expect(spec.surfaces.length).toBeGreaterThan(0);
    expect(spec.examples.length).toBeGreaterThan(0);
    expect(spec.cli.length).toBeGreaterThan(0);
    for (const arg of spec.args) expect(arg.help, `${spec.name} <${arg.name}>`).toMatch(/\S{3}/);
    for (const option of spec.options) {
      expect(option.help, `${spec.name} --${option.name}`).toMatch(/\S{3}/);
      expect(option.name).toMatch(/^[a-z][A-Za-z]*$/);
      for (const s of option.surfaces ?? []) expect(spec.surfaces).toContain(s);
    }
  });

  it('has one entry per name and one command per CLI path', () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    const paths = COMMANDS.flatMap((c) => c.cli.map((p) => p.join(' ')));
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('generates `ao --help` from the entries', async () => {
    const help = await cli('--help');
    for (const spec of COMMANDS) {
      const top = spec.cli.find((p) => p.length === 1);
      if (top) expect(help).toContain(`${top[0]} `);
    }
    expect(help).toMatch(/^\s+session\s+manage sessions/m);
  });

  it.each(COMMANDS.flatMap((c) => c.cli.map((p) => [p.join(' '), c] as const)))('generates `ao %s --help` from its entry', async (path, spec) => {
    // Commander wraps long lines; compare with runs of white space folded.
    const fold = (text: string) => text.replace(/\s+/g, ' ');
    const help = fold(await cli(...path.split(' '), '--help'));
    expect(help).toContain(fold(spec.summary));
    for (const arg of spec.args) expect(help).toContain(fold(arg.help));
    for (const option of spec.options) {
      if (option.surfaces && !option.surfaces.includes('cli')) continue;
      expect(help).toContain(`--${option.negatable ? 'no-' : ''}${flagName(option)}`);
      expect(help).toContain(fold(option.help));
    }
    for (const example of spec.examples) expect(help).toContain(fold(example));
  });

  it('prints the version', async () => {
    expect((await cli('--version')).trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
