import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tmp.js';
import { waitFor } from '../support/rig.js';

const execFileAsync = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '../..');
const temp = makeTempDir('ao-sandbox-test');
afterAll(() => temp.cleanup());

/** `npm run sandbox`, the README's first command after install: the whole story, then the ways to go on. */
describe('npm run sandbox', () => {
  it('plays the story from label to cleanup, keeps running, and takes comments and issues from another terminal', async () => {
    const env = { ...process.env, AO_SANDBOX_DIR: path.join(temp.dir, 'sandbox') };
    const child = spawn('npm', ['run', '--silent', 'sandbox'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await waitFor(() => out.includes('10. Now you') || child.exitCode !== null, 150_000, 'the story').catch((error: unknown) => {
        throw new Error(`${String(error)}\n${out}`);
      });
      expect(child.exitCode, out).toBeNull();
      for (let n = 1; n <= 10; n++) expect(out).toContain(`\n${n}. `);
      expect(out).toContain('CI failed on your PR #');
      expect(out).toMatch(/❌ CI failed/);
      expect(out).toMatch(/🟢 mergeable/);
      expect(out).toMatch(/⏹️ ended/);

      const sandbox = (...args: string[]) => execFileAsync('npm', ['run', '--silent', 'sandbox', '--', ...args], { cwd: ROOT, env, timeout: 90_000 });
      const help = await sandbox('comment', '1', '/ao help');
      expect(help.stdout).toContain('/ao send <text>');
      const opened = await sandbox('issue', 'Add a README section');
      expect(opened.stdout).toMatch(/opened #\d+ "Add a README section"/);
      const n = /opened #(\d+)/.exec(opened.stdout)![1]!;
      await waitFor(async () => (await sandbox('comment', n, '/ao status')).stdout.includes('da-'), 60_000, 'the new issue\'s session');
    } finally {
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, name);
        } catch {
          // already gone
        }
      };
      signal('SIGINT');
      await waitFor(() => child.exitCode !== null, 30_000, 'the sandbox to stop').catch(() => signal('SIGKILL'));
    }
  }, 300_000);

  it('refuses a comment when no sandbox runs, saying how to start one', async () => {
    const error = await execFileAsync('npm', ['run', '--silent', 'sandbox', '--', 'comment', '1', 'hi'], { cwd: ROOT, env: { ...process.env, AO_SANDBOX_DIR: path.join(temp.dir, 'none') } }).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 1, stderr: expect.stringMatching(/no sandbox is running .*start one with `npm run sandbox`/) });
  });
});
