import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { absolutePaths } from '../../src/core/layout.js';
import { installToken, type TokenFiles } from '../../src/hosts/credentials.js';
import { LocalHost } from '../../src/hosts/local.js';
import { Workspace } from '../../src/hosts/workspace.js';
import { agentEnv, credentialHelperFor } from '../../src/sessions/credentials.js';
import { makeOrigin, type TestOrigin } from '../support/git.js';
import { makeTempDir } from '../support/tmp.js';

/**
 * The host side of credentials for agents and the push guard, on the local
 * host with real git: the token file, the credential helper git asks, the
 * gh shim, and the pre-push hook every session worktree runs.
 */

const TOKEN_A = 'ghs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const TOKEN_B = 'ghs_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
const URL = 'https://git.example.invalid/acme/web.git';

let tmp: { dir: string; cleanup: () => void };
let home: string;
let files: TokenFiles;
const host = new LocalHost();

/** git as the session runs it, with a HOME of our own (its global config names other helpers and hooks). */
function gitIn(cwd: string, args: string[], input?: string) {
  return spawnSync('git', args, {
    cwd,
    input,
    encoding: 'utf8',
    env: { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@x', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@x' },
  });
}

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

beforeAll(() => {
  tmp = makeTempDir('ao-cred');
  home = path.join(tmp.dir, 'home');
  mkdirSync(home);
  // The host's own git setup: a `store` helper (which would keep any credential it is handed on disk) and a host-wide hooks path.
  writeFileSync(path.join(home, '.gitconfig'), `[credential]\n\thelper = store --file ${path.join(tmp.dir, 'stored-credentials')}\n[core]\n\thooksPath = ${path.join(tmp.dir, 'no-hooks')}\n`);
  const paths = absolutePaths(path.join(tmp.dir, 'data'), 'test');
  files = { tokenFile: paths.tokenFile('acme/web'), helper: paths.credentialHelper(), bin: paths.agentBin() };
});
afterAll(() => tmp?.cleanup());

describe('the token on the host', () => {
  it('is written private, outside any worktree, and rewritten in place', async () => {
    await installToken(host, files, TOKEN_A);
    expect(readFileSync(files.tokenFile, 'utf8')).toBe(TOKEN_A);
    expect(mode(files.tokenFile)).toBe('600');
    expect(mode(path.dirname(files.tokenFile))).toBe('700');
    expect(mode(files.helper)).toBe('700');
    expect(mode(path.join(files.bin, 'gh'))).toBe('700');
    expect(files.tokenFile).toMatch(/\/data\/test\/credentials\/repos\/acme\/web\.token$/);
    await installToken(host, files, TOKEN_B);
    expect(readFileSync(files.tokenFile, 'utf8')).toBe(TOKEN_B);
  });

  it('refuses a token of the wrong shape, and its message never quotes it', async () => {
    const bad = 'ghs_secretpart with a space\nand a second line';
    const error = await installToken(host, files, bad).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('secretpart');
    expect(readFileSync(files.tokenFile, 'utf8')).toBe(TOKEN_B);
  });

  it('is what git gets for the clone URL, from our helper alone, and it is never stored by the host\'s own helpers', async () => {
    await installToken(host, files, TOKEN_A);
    const repo = path.join(tmp.dir, 'cred-repo');
    execFileSync('git', ['init', '-q', repo]);
    const helper = credentialHelperFor(files, URL)!;
    expect(helper.startsWith('!')).toBe(true);
    for (const value of ['', helper]) gitIn(repo, ['config', '--add', `credential.${URL}.helper`, value]);
    gitIn(repo, ['config', `credential.${URL}.useHttpPath`, 'true']);

    const fill = gitIn(repo, ['credential', 'fill'], `url=${URL}\n\n`);
    expect(fill.status, fill.stderr).toBe(0);
    expect(fill.stdout).toContain(`password=${TOKEN_A}`);
    expect(fill.stdout).toContain('username=x-access-token');
    // git tells every helper of the list to store a credential that worked: the host's `store` was emptied out of it.
    expect(gitIn(repo, ['credential', 'approve'], fill.stdout).status).toBe(0);
    expect(existsSync(path.join(tmp.dir, 'stored-credentials'))).toBe(false);

    // A refresh reaches the next git command.
    await installToken(host, files, TOKEN_B);
    expect(gitIn(repo, ['credential', 'fill'], `url=${URL}\n\n`).stdout).toContain(`password=${TOKEN_B}`);
    // Another repo on the same host is not answered with this one's token.
    const other = gitIn(repo, ['credential', 'fill'], 'url=https://git.example.invalid/acme/other.git\n\n');
    expect(other.stdout).not.toContain(TOKEN_B);
  });

  it('reaches gh through the shim, read at each call, and the shim says so when gh is missing', async () => {
    const stub = path.join(tmp.dir, 'stub-bin');
    mkdirSync(stub, { recursive: true });
    // gh is not installed on test machines: a stand-in that shows what it was given.
    writeFileSync(path.join(stub, 'gh'), '#!/bin/sh\nprintf "%s|%s|%s" "$GH_TOKEN" "$GH_ENTERPRISE_TOKEN" "$*"\n');
    chmodSync(path.join(stub, 'gh'), 0o755);
    const env = agentEnv(files, URL);
    expect(env).toMatchObject({ AO_PATH_PREFIX: files.bin, AO_GH_TOKEN_FILE: files.tokenFile, GIT_TERMINAL_PROMPT: '0', GH_HOST: 'git.example.invalid' });
    expect(Object.values(env).join('\n')).not.toContain('ghs_');
    const runGh = (PATH: string) => spawnSync('sh', ['-c', 'gh auth token'], { encoding: 'utf8', env: { PATH, AO_GH_TOKEN_FILE: files.tokenFile } });
    await installToken(host, files, TOKEN_A);
    expect(runGh(`${files.bin}:${stub}:/usr/bin:/bin`).stdout).toBe(`${TOKEN_A}|${TOKEN_A}|auth token`);
    await installToken(host, files, TOKEN_B);
    expect(runGh(`${files.bin}:${stub}:/usr/bin:/bin`).stdout).toBe(`${TOKEN_B}|${TOKEN_B}|auth token`);
    const missing = runGh(`${files.bin}:/usr/bin:/bin`);
    expect(missing.status).toBe(127);
    expect(missing.stderr).toContain('not installed');
  });

  it('is only configured for HTTP clone URLs that fit in a config key', () => {
    expect(credentialHelperFor(files, 'git@github.com:acme/web.git')).toBeUndefined();
    expect(credentialHelperFor(files, '/srv/git/web.git')).toBeUndefined();
    expect(() => credentialHelperFor(files, 'https://h.example/acme/web.git?x=1')).toThrow(/cannot carry a credential helper/);
    expect(agentEnv(files, 'https://github.com/acme/web.git').GH_HOST).toBeUndefined();
  });
});

describe('the push guard', () => {
  let origin: TestOrigin;
  let root: string;
  let mirror: string;
  const ws = new Workspace(host);

  /** A session as the layout has it: its record names its branches, its worktree is <project>/worktrees/<id>. */
  async function session(id: string, branch: string, baseBranch = 'main', from = 'main'): Promise<string> {
    const worktree = path.join(root, 'demo', 'worktrees', id);
    mkdirSync(path.join(root, 'demo', 'sessions'), { recursive: true });
    writeFileSync(path.join(root, 'demo', 'sessions', id), `id=${id}\nproject=demo\nbranch=${branch}\nbaseBranch=${baseBranch}\nstatus=working\n`);
    if (branch === from) {
      // A session on the base branch itself (spawn --branch main): the branch exists already.
      execFileSync('git', ['-C', mirror, 'worktree', 'add', '-q', worktree, branch]);
    } else {
      const added = await ws.add({ mirror, url: origin.url, worktree, branch, baseBranch: from });
      expect(added.guard).toBe('on');
    }
    return worktree;
  }

  function commit(worktree: string, file: string): string {
    writeFileSync(path.join(worktree, file), `${file}\n`);
    gitIn(worktree, ['add', file]);
    expect(gitIn(worktree, ['commit', '-q', '-m', file]).status).toBe(0);
    return gitIn(worktree, ['rev-parse', 'HEAD']).stdout.trim();
  }
  const originSha = (ref: string) => spawnSync('git', ['-C', origin.url, 'rev-parse', '--verify', '-q', ref], { encoding: 'utf8' }).stdout.trim();

  beforeAll(() => {
    origin = makeOrigin();
    root = path.join(tmp.dir, 'guard-data', 'test');
    mirror = path.join(root, 'repos', 'acme', 'web.git');
  });
  afterAll(() => origin?.cleanup());

  it("lets a session push its own branch and its backup ref, and refuses main, another session's branch and tags", async () => {
    const mine = await session('demo-1', 'ao/demo-1');
    await session('demo-2', 'ao/demo-2');
    const head = commit(mine, 'one.txt');
    const mainBefore = originSha('main');

    const own = gitIn(mine, ['push', '-q', 'origin', 'HEAD']);
    expect(own.status, own.stderr).toBe(0);
    expect(originSha('ao/demo-1')).toBe(head);

    const toMain = gitIn(mine, ['push', 'origin', 'HEAD:main']);
    expect(toMain.status).not.toBe(0);
    expect(toMain.stderr).toContain('ao: session demo-1 pushes only its own branch ao/demo-1; refusing to push to refs/heads/main');
    expect(originSha('main')).toBe(mainBefore);

    const toOther = gitIn(mine, ['push', 'origin', 'HEAD:refs/heads/ao/demo-2']);
    expect(toOther.status).not.toBe(0);
    expect(toOther.stderr).toContain('refusing to push to refs/heads/ao/demo-2');
    expect(originSha('ao/demo-2')).toBe('');

    gitIn(mine, ['tag', 'v9']);
    expect(gitIn(mine, ['push', 'origin', 'v9']).status).not.toBe(0);
    expect(originSha('v9')).toBe('');
    // One refused ref stops the whole push, its own branch too.
    commit(mine, 'two.txt');
    expect(gitIn(mine, ['push', 'origin', 'HEAD', 'HEAD:main']).status).not.toBe(0);
    expect(originSha('ao/demo-1')).toBe(head);

    // Kill saves unsaved work to the session's backup ref: allowed.
    const backup = gitIn(mine, ['push', '-q', 'origin', 'HEAD:refs/ao/backup/test-abc/demo-1']);
    expect(backup.status, backup.stderr).toBe(0);
    expect(gitIn(mine, ['push', 'origin', 'HEAD:refs/ao/backup/test-abc/demo-2']).status).not.toBe(0);
  });

  it('never lets the base branch be rewound or deleted, even by a session whose branch it is', async () => {
    const onMain = await session('demo-3', 'main');
    const forward = commit(onMain, 'ff.txt');
    const ff = gitIn(onMain, ['push', '-q', 'origin', 'HEAD:main']);
    expect(ff.status, ff.stderr).toBe(0);
    expect(originSha('main')).toBe(forward);

    gitIn(onMain, ['reset', '-q', '--hard', 'HEAD~1']);
    commit(onMain, 'rewritten.txt');
    const force = gitIn(onMain, ['push', '--force', 'origin', 'HEAD:main']);
    expect(force.status).not.toBe(0);
    expect(force.stderr).toContain('may not delete or force-push the base branch main');
    expect(gitIn(onMain, ['push', 'origin', ':main']).status).not.toBe(0);
    expect(originSha('main')).toBe(forward);
  });

  it('refuses a worktree whose record is gone, and runs a pre-push hook the repo had installed after its own check', async () => {
    const lost = await session('demo-4', 'ao/demo-4');
    commit(lost, 'lost.txt');
    const record = path.join(root, 'demo', 'sessions', 'demo-4');
    writeFileSync(record, 'id=demo-4\n');
    expect(gitIn(lost, ['push', 'origin', 'HEAD']).stderr).toContain('no session record names the branch');

    // A repo tool's pre-push hook in the mirror: kept (as pre-push.ao-chained) when the guard is put back, and run after it.
    const marker = path.join(tmp.dir, 'chained-ran');
    writeFileSync(path.join(mirror, 'hooks', 'pre-push'), `#!/bin/sh\ncat > ${marker}\n`);
    chmodSync(path.join(mirror, 'hooks', 'pre-push'), 0o755);
    const mine = await session('demo-5', 'ao/demo-5');
    expect(readFileSync(path.join(mirror, 'hooks', 'pre-push'), 'utf8')).toContain(': ao-push-guard');
    commit(mine, 'five.txt');
    expect(gitIn(mine, ['push', 'origin', 'HEAD:main']).status).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(gitIn(mine, ['push', '-q', 'origin', 'HEAD']).status).toBe(0);
    expect(readFileSync(marker, 'utf8')).toMatch(/^HEAD [0-9a-f]{40} refs\/heads\/ao\/demo-5 0{40}\n$/);
  });
});
