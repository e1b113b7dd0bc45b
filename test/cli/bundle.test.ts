import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeConfig } from '../support/cli.js';
import { startRig, type SessionRig } from '../support/rig.js';

/** The bundle (`npm run build`) is what starts fast and what the Action runs: it must do what the sources do. */

const execFileAsync = promisify(execFile);
const root = path.join(import.meta.dirname, '../..');
let rig: SessionRig;
let out: string;
let configPath: string;

beforeAll(async () => {
  rig = await startRig({ ssh: true });
  out = path.join(rig.dir, 'bundle');
  await execFileAsync(process.execPath, [path.join(root, 'build.mjs'), '--outdir', out], { cwd: root });
  configPath = writeConfig(rig.dir, rig.configRaw);
}, 120_000);
afterAll(async () => {
  await rig?.stop();
});

const ao = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [path.join(out, 'ao.mjs'), ...args], { env: { ...process.env, AO_CONFIG: configPath, AO_KNOWN_HOSTS: path.join(rig.dir, 'known_hosts') } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('the bundle (dist/ao.mjs)', () => {
  it('prints its version and help', async () => {
    const version = await ao('--version');
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await ao('--help')).stdout).toMatch(/session\s+manage sessions/);
  });

  it('runs a whole session over SSH and locally: spawn, ls, send, kill (host scripts found beside it)', async () => {
    for (const host of ['ssh1', 'local']) {
      const spawned = await ao('spawn', 'demo', '--prompt', 'from the bundle', '--host', host, '--json');
      expect(spawned.code, spawned.stderr).toBe(0);
      const { id } = JSON.parse(spawned.stdout) as { id: string };
      const list = JSON.parse((await ao('session', 'ls', '--json')).stdout) as { sessions: { id: string; status: string }[] };
      expect(list.sessions.find((s) => s.id === id)?.status).toBe('working');
      const sent = await ao('send', id, 'hello from the bundle', '--json');
      expect(JSON.parse(sent.stdout)).toMatchObject({ delivered: true });
      const killed = await ao('session', 'kill', id, '--json');
      expect(JSON.parse(killed.stdout)).toMatchObject({ killed: true });
    }
    const doctor = await ao('doctor', '--json');
    expect(JSON.parse(doctor.stdout).ok).toBe(true);
  });
});
