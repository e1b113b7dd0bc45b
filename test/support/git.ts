import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from './tmp.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });
}

export interface TestOrigin {
  /** Path of the bare repository, usable as a clone URL. */
  url: string;
  dir: string;
  cleanup: () => void;
}

/** A bare repo with a few commits on `main`, as a project's origin. */
export function makeOrigin(files: Record<string, string> = {}): TestOrigin {
  const { dir, cleanup } = makeTempDir('ao-origin');
  const bare = path.join(dir, 'origin.git');
  const work = path.join(dir, 'seed');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  execFileSync('git', ['init', '-q', '-b', 'main', work]);
  writeFileSync(path.join(work, 'README.md'), '# test project\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'initial commit');
  writeFileSync(path.join(work, 'app.txt'), 'version 1\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'add app');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(work, name)), { recursive: true });
    writeFileSync(path.join(work, name), content);
  }
  if (Object.keys(files).length > 0) {
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'add files');
  }
  git(work, 'remote', 'add', 'origin', bare);
  git(work, 'push', '-q', 'origin', 'main');
  return { url: bare, dir, cleanup };
}
