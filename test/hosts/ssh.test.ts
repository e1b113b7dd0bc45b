import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AoError } from '../../src/core/errors.js';
import { SshHost } from '../../src/hosts/ssh.js';
import { startSshd, type TestSshd } from '../support/sshd.js';

let sshd: TestSshd;
let host: SshHost;

beforeAll(async () => {
  sshd = await startSshd();
  host = new SshHost(sshd.hostConfig());
});
afterAll(async () => {
  await host?.close();
  await sshd?.stop();
});

describe('SshHost against a real sshd on loopback', () => {
  it('runs argv and reports stdout, stderr and exit code', async () => {
    const result = await host.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', code: 3, signal: null, timedOut: false });
  });

  it('passes arguments verbatim, whatever they contain', async () => {
    const nasty = [`it's "quoted"`, '$(touch /tmp/ao-pwned)', '`id`', 'a\nb', '*', '~', 'é → ✓', '', ' lead', '; rm -rf /'];
    const result = await host.exec(['printf', '%s\\0', ...nasty]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(nasty);
  });

  it('streams stdin to the command', async () => {
    const input = 'line one\nline two with ünïcode\n'.repeat(2000);
    const result = await host.exec(['cat'], { stdin: input });
    expect(result.stdout).toBe(input);
  });

  it('streams a large stdin from a Node stream, with backpressure', async () => {
    const { Readable } = await import('node:stream');
    const { createHash } = await import('node:crypto');
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const total = 160; // 10 MiB
    let sent = 0;
    const source = new Readable({
      read() {
        this.push(sent++ < total ? chunk : null);
      },
    });
    const expected = createHash('sha256');
    for (let i = 0; i < total; i++) expected.update(chunk);
    const result = await host.exec(['sha256sum'], { stdin: source, timeoutMs: 60_000 });
    expect(result.code).toBe(0);
    expect(result.stdout.split(' ')[0]).toBe(expected.digest('hex'));
  });

  it('runs in the given working directory', async () => {
    const result = await host.exec(['pwd'], { cwd: '/tmp' });
    expect(result.stdout.trim()).toBe('/tmp');
  });

  it('kills a command that runs past its timeout and says so', async () => {
    const result = await host.exec(['sleep', '31.5'], { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.code).toBeNull();
    // The host ends the command too, rather than leaving it running.
    // The host-side limit is the timeout rounded up plus a second (2 s here); allow for a loaded machine.
    await new Promise((r) => setTimeout(r, 4000));
    const left = await host.exec(['sh', '-c', 'ps -eo args | grep -c "^sleep 31.5$" || true']);
    expect(left.stdout.trim()).toBe('0');
  });

  it('reports the signal that ended a command', async () => {
    const result = await host.exec(['sh', '-c', 'kill -TERM $$']);
    expect(result.code).toBeNull();
    expect(result.signal).toBe('SIGTERM');
  });

  it('runs 20 concurrent commands over one pooled connection', async () => {
    const before = host.connectCount;
    await host.exec(['true']);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => host.exec(['sh', '-c', `sleep 0.2; echo ${i}`])),
    );
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(host.connectCount).toBe(Math.max(before, 1));
  });

  it('reconnects after sshd is killed and restarted', async () => {
    expect((await host.exec(['echo', 'before'])).stdout).toBe('before\n');
    const connectionsBefore = host.connectCount;
    await sshd.kill();
    await expect(host.exec(['echo', 'while down'])).rejects.toThrow(/host "ssh1"/);
    await sshd.restart();
    expect((await host.exec(['echo', 'after'])).stdout).toBe('after\n');
    expect(host.connectCount).toBe(connectionsBefore + 1);
  });

  it('refuses a server whose host key does not match the pin, showing the fingerprint seen', async () => {
    const wrong = new SshHost(sshd.hostConfig({ name: 'wrongkey', hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }));
    try {
      const error = await wrong.exec(['true']).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AoError);
      expect((error as AoError).message).toContain('host key verification failed');
      expect((error as AoError).message).toContain(sshd.hostKeyFingerprint);
      expect((error as AoError).hint).toContain(`hostKey: "${sshd.hostKeyFingerprint}"`);
    } finally {
      await wrong.close();
    }
  });

  it('refuses to connect when no host key is pinned', async () => {
    const unpinned = new SshHost(sshd.hostConfig({ name: 'unpinned', hostKey: undefined }));
    try {
      await expect(unpinned.exec(['true'])).rejects.toThrow(/no host key is pinned.*|presented ssh-ed25519/);
      await expect(unpinned.exec(['true'])).rejects.toThrow(sshd.hostKeyFingerprint);
    } finally {
      await unpinned.close();
    }
  });

  it('accepts a known_hosts-style pin', async () => {
    const pinned = new SshHost(sshd.hostConfig({ name: 'khline', hostKey: `[127.0.0.1]:${sshd.port} ${sshd.hostKeyLine}` }));
    try {
      expect((await pinned.exec(['echo', 'ok'])).stdout).toBe('ok\n');
    } finally {
      await pinned.close();
    }
  });

  it('fails cleanly (no uncaught error) against a server that never completes the handshake', async () => {
    const net = await import('node:net');
    const silent = net.createServer(() => {
      /* accept and say nothing */
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const mute = new SshHost(sshd.hostConfig({ name: 'mute', port, connectTimeoutMs: 500 }), { connectAttempts: 1 });
    try {
      await expect(mute.exec(['true'])).rejects.toThrow(/cannot connect to host "mute"/);
      await new Promise((r) => setTimeout(r, 300));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await mute.close();
      silent.close();
    }
  });

  it('reports an unreachable host clearly', async () => {
    const down = new SshHost(sshd.hostConfig({ name: 'down', port: 1 }), { connectAttempts: 1 });
    await expect(down.exec(['true'])).rejects.toThrow(/cannot connect to host "down"/);
    await down.close();
  });
});
