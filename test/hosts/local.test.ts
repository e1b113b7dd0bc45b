import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LocalHost } from '../../src/hosts/local.js';

const host = new LocalHost();

describe('LocalHost', () => {
  it('reports stdout, stderr and exit code, with argv passed verbatim', async () => {
    const result = await host.exec(['sh', '-c', 'printf "%s|" "$@"; echo err >&2; exit 5', 'sh', '$(id)', "it's", 'a b']);
    expect(result).toMatchObject({ stdout: "$(id)|it's|a b|", stderr: 'err\n', code: 5, signal: null, timedOut: false });
  });

  it('takes stdin as text or as a stream', async () => {
    expect((await host.exec(['cat'], { stdin: 'héllo\n' })).stdout).toBe('héllo\n');
    const stream = Readable.from(['one\n', 'two\n']);
    expect((await host.exec(['cat'], { stdin: stream })).stdout).toBe('one\ntwo\n');
  });

  it('times out and reports a missing command as exit 127', async () => {
    const slow = await host.exec(['sleep', '5'], { timeoutMs: 200 });
    expect(slow.timedOut).toBe(true);
    const missing = await host.exec(['no-such-command-ao']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/command not found/);
  });

  it('runs relative paths from the home directory, like an SSH login', async () => {
    expect((await host.exec(['pwd'])).stdout.trim()).toBe(process.env.HOME);
    expect((await host.exec(['pwd'], { cwd: '/tmp' })).stdout.trim()).toBe('/tmp');
  });
});
