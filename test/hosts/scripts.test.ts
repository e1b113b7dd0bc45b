import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT, hostScript, SCRIPTS_URL } from '../../src/hosts/scripts.js';

const dir = fileURLToPath(SCRIPTS_URL);
const files = [
  ...readdirSync(dir).filter((f) => f.endsWith('.sh')),
  ...readdirSync(path.join(dir, 'lib')).map((f) => `lib/${f}`),
];
const topLevel = files.filter((f) => !f.startsWith('lib/'));
const has = (program: string) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
// CI installs shellcheck and sets this, so a missing shellcheck fails there instead of passing quietly.
const shellcheckRequired = process.env.AO_REQUIRE_SHELLCHECK === '1';

describe('host scripts (src/hosts/scripts)', () => {
  it('exist', () => {
    expect(topLevel.length).toBeGreaterThan(15);
  });

  it.each(files)('%s parses with sh -n and dash -n', (file) => {
    for (const shell of ['sh', ...(has('dash') ? ['dash'] : [])]) {
      const result = spawnSync(shell, ['-n', path.join(dir, file)], { encoding: 'utf8' });
      expect(result.stderr, `${shell} -n ${file}`).toBe('');
      expect(result.status).toBe(0);
    }
  });

  it.skipIf(!has('shellcheck') && !shellcheckRequired)('pass shellcheck with no finding (skipped only where shellcheck is not installed; CI requires it)', () => {
    const result = spawnSync('shellcheck', ['-x', ...files], { cwd: dir, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(topLevel)('%s travels whole: includes inlined, no comment lines, and still parses', (file) => {
    const text = hostScript(file.replace(/\.sh$/, ''));
    expect(text).not.toContain('$AO_LIB');
    expect(text.split('\n').filter((l) => /^\s*#/.test(l))).toEqual([]);
    const result = spawnSync('sh', ['-n'], { input: text, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
  });

  it('reads the exit codes from the one file that defines them', () => {
    const defined = Object.fromEntries(
      readFileSync(path.join(dir, 'lib/exit-codes.sh'), 'utf8')
        .split('\n')
        .flatMap((l) => (/^EX_([A-Z_]+)=(\d+)$/.exec(l) ? [[/^EX_([A-Z_]+)=/.exec(l)![1]!, Number(l.split('=')[1])]] : [])),
    );
    expect(EXIT).toEqual(defined);
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
    // A script exits with the named code, as the TypeScript reads it.
    const probe = spawnSync('sh', ['-c', hostScript('read-record'), 'ao-sh', '/nonexistent-root', 'x/sessions/y']);
    expect(probe.status).toBe(EXIT.NO_RECORD);
  });

  it('every EX_ name a script uses is defined', () => {
    const used = new Set(files.flatMap((f) => [...readFileSync(path.join(dir, f), 'utf8').matchAll(/\$\{?EX_([A-Z_]+)/g)].map((m) => m[1]!)));
    for (const name of used) expect(EXIT, `EX_${name}`).toHaveProperty(name);
  });

  it('runs the same from the files with AO_LIB set (how to try a script by hand)', () => {
    const out = execFileSync('sh', [path.join(dir, 'absolute-root.sh'), '~/x'], { env: { ...process.env, AO_LIB: path.join(dir, 'lib'), HOME: '/home/someone' }, encoding: 'utf8' });
    expect(out).toBe('/home/someone/x');
  });
});
