import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const root = path.join(import.meta.dirname, '../..');

describe('npm run demo (the README quick start)', () => {
  it('spawns, sends, shows status, kills with the commit saved, and leaves nothing behind', async () => {
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', 'src/sandbox/demo.ts'], { cwd: root, timeout: 120_000 });
    expect(stdout).toMatch(/local: ok/);
    expect(stdout).toMatch(/spawned da-1: branch ao\/demo\/da-1/);
    expect(stdout).toMatch(/delivered: true, confirmed: true/);
    expect(stdout).toMatch(/da-1\s+working/);
    expect(stdout).toMatch(/committed [0-9a-f]+ Add a greeting file/);
    expect(stdout).toMatch(/saved 1 unpushed commit\(s\), 0 staged, 0 unstaged, 0 untracked file\(s\) to refs\/ao\/backup\/demo-[0-9a-f]{12}\/da-1/);
    expect(stdout).toMatch(/da-1\s+\S+ ago\s+ao\/demo\/da-1\s+killed/);
    const dir = /worktree (\/\S+?)\/data\//.exec(stdout)?.[1];
    expect(dir).toMatch(/ao-demo-/);
    const { existsSync } = await import('node:fs');
    expect(existsSync(dir!)).toBe(false);
  });
});
