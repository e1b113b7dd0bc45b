import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAo, writeConfig } from '../support/cli.js';
import { startSshd, type TestSshd } from '../support/sshd.js';
import { makeTempDir } from '../support/tmp.js';

let sshd: TestSshd;
let temp: ReturnType<typeof makeTempDir>;

beforeAll(async () => {
  sshd = await startSshd();
  temp = makeTempDir('ao-doctor');
});
afterAll(async () => {
  await sshd?.stop();
  temp?.cleanup();
});

describe('ao doctor', () => {
  it('reports ok for the loopback sshd and the local host', async () => {
    const configPath = writeConfig(temp.dir, {
      dataDir: path.join(temp.dir, 'data'),
      hosts: [{ name: 'local', local: true }, sshd.hostConfig()],
    });
    const result = await runAo(['doctor', '--json'], { configPath });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    const ssh = report.hosts.find((h: { name: string }) => h.name === 'ssh1');
    expect(ssh).toMatchObject({ ok: true, reachable: true, hostKey: { status: 'match', seen: sshd.hostKeyFingerprint }, dataDirWritable: true });
    expect(ssh.git).toMatch(/^\d+\.\d+/);
    expect(ssh.tmux).toMatch(/^\d+\.\d+/);
    expect(report.tmuxSocket).toMatch(/^ao-[0-9a-f]{12}$/);
    const table = await runAo(['doctor'], { configPath });
    expect(table.stdout).toContain(`tmux -L ${report.tmuxSocket} ls`);
  });

  it('fails the host whose pinned key is wrong, with the reason and the fingerprint seen', async () => {
    const configPath = writeConfig(temp.dir, {
      dataDir: path.join(temp.dir, 'data'),
      hosts: [{ name: 'local', local: true }, sshd.hostConfig({ name: 'badkey', hostKey: 'SHA256:wrongwrongwrongwrongwrongwrongwrongwrongwro' })],
    });
    const result = await runAo(['doctor', '--json'], { configPath });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    const bad = report.hosts.find((h: { name: string }) => h.name === 'badkey');
    expect(bad).toMatchObject({ ok: false, reachable: false, hostKey: { status: 'mismatch', seen: sshd.hostKeyFingerprint } });
    expect(bad.problems.join('\n')).toContain('host key verification failed');
    expect(report.hosts.find((h: { name: string }) => h.name === 'local').ok).toBe(true);
  });

  it('prints a table for people and exits 1 when a host is unreachable', async () => {
    const configPath = writeConfig(temp.dir, {
      dataDir: path.join(temp.dir, 'data'),
      hosts: [sshd.hostConfig({ name: 'nowhere', port: 1, connectTimeoutMs: 2000 })],
    });
    const result = await runAo(['doctor'], { configPath });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/nowhere\s+\S+\s+FAIL/);
    expect(result.stdout).toMatch(/nowhere: cannot connect/);
  });

  it('rejects an invalid config with the key and the fix, exit code 2', async () => {
    const configPath = writeConfig(temp.dir, { hosts: [{ name: 'x', address: 'h', user: 'u', privateKey: '/k', port: 'twenty-two' }], projets: [] });
    const result = await runAo(['doctor'], { configPath });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown key(s) "projets"');
    expect(result.stdout).toBe('');
  });
});
