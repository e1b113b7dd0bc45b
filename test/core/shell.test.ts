import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { scriptArgv, shellLine, shellQuote } from '../../src/core/shell.js';

/** Run a line through a real POSIX sh and read back the argv it produced. */
function argvThroughSh(line: string): string[] {
  const out = execFileSync('sh', ['-c', `${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const HOSTILE = [
  '',
  ' ',
  'plain',
  "it's",
  '"double"',
  '$(touch /tmp/ao-injected)',
  '`touch /tmp/ao-injected`',
  '$HOME',
  '${IFS}',
  'a;b&&c||d|e',
  '>file <in 2>&1',
  '*',
  '?',
  '[a-z]',
  '~',
  '~root',
  '-n',
  '--',
  'line1\nline2',
  'tab\there',
  'back\\slash',
  '\\',
  "''",
  'ünïcødé ✓ 🚀 日本',
  '#not a comment',
  '!history',
  '{a,b}',
  'trailing\n',
];

describe('shellLine', () => {
  it.each(HOSTILE.map((s) => [JSON.stringify(s), s]))('round-trips %s through a real sh', (_label, value) => {
    expect(argvThroughSh(shellLine(['printf', '%s\\0', value as string]))).toEqual([value]);
  });

  it('round-trips random strings through a real sh', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ` \t\n'"\`$\\!#&*()[]{};|<>?~=%^,.-_aZ09é✓`;
    const values = Array.from({ length: 200 }, () =>
      Array.from({ length: Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''),
    );
    expect(argvThroughSh(shellLine(['printf', '%s\\0', ...values]))).toEqual(values);
  });

  it('rejects NUL bytes and empty argv', () => {
    expect(() => shellLine(['echo', 'a\0b'])).toThrow(/NUL/);
    expect(() => shellLine([])).toThrow(/empty/);
  });

  it('quotes a single value', () => {
    expect(argvThroughSh(`printf '%s\\0' ${shellQuote("a'b $c")}`)).toEqual(["a'b $c"]);
  });

  it('passes script data as positional arguments', () => {
    const [file, ...args] = scriptArgv('printf "%s\\0" "$@"', ['$(id)', 'x y']);
    expect(execFileSync(file!, args, { encoding: 'utf8' }).split('\0').slice(0, -1)).toEqual(['$(id)', 'x y']);
  });
});
