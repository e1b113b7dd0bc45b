// The git side of a simulated repository: a real bare repo on disk that
// runner hosts clone from and push to. Commits made by the simulator itself
// (initial files, scenario pushes, merges) use plumbing with a throwaway
// index, so no working tree is needed.

import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
  /** ISO time; defaults to now. */
  readonly date?: string;
}

export interface CommitInfo {
  readonly sha: string;
  readonly tree: string;
  readonly parents: string[];
  readonly message: string;
  readonly author: Required<GitIdentity>;
  readonly committer: Required<GitIdentity>;
}

export type TreeEntry = { readonly type: 'file' | 'dir' | 'symlink' | 'submodule'; readonly name: string; readonly path: string; readonly sha: string; readonly size: number };

export type PathContent =
  | { readonly type: 'file'; readonly sha: string; readonly size: number; readonly content: Buffer }
  | { readonly type: 'dir'; readonly entries: TreeEntry[] };

/** Files to write (string/Buffer content) or delete (null). */
export type FileChanges = Record<string, string | Buffer | null>;

const ZERO_SHA = '0000000000000000000000000000000000000000';
// git's well-known empty tree, to diff a root commit against.
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

const FULL_SHA = /^[0-9a-f]{40}$/;

export class BareRepo {
  /** Answers about immutable objects (commits named by full SHA), kept so repeated queries do not fork git again. */
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(readonly gitDir: string) {}

  private remember<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let hit = this.memo.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = compute();
      this.memo.set(key, hit);
      hit.catch(() => this.memo.delete(key));
    }
    return hit;
  }

  static async init(gitDir: string, defaultBranch: string): Promise<BareRepo> {
    await execa('git', ['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`, gitDir]);
    const repo = new BareRepo(gitDir);
    // Keep every object the simulator has handed out (PR heads after force-push).
    await repo.git(['config', 'gc.auto', '0']);
    return repo;
  }

  async git(args: string[], options: { input?: string | Buffer; env?: Record<string, string>; allowFailure?: boolean } = {}): Promise<{ stdout: string; exitCode: number }> {
    const result = await execa('git', ['--git-dir', this.gitDir, ...args], {
      input: options.input,
      env: { GIT_CONFIG_NOSYSTEM: '1', ...options.env },
      reject: !options.allowFailure,
      stripFinalNewline: true,
    });
    return { stdout: String(result.stdout), exitCode: result.exitCode ?? 0 };
  }

  /** Resolves a branch name, full ref or sha to a commit sha; undefined when there is none. */
  async resolveCommit(ref: string): Promise<string | undefined> {
    const candidates = /^[0-9a-f]{40}$/.test(ref) ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`, `refs/${ref}`, ref];
    for (const candidate of candidates) {
      const { stdout, exitCode } = await this.git(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], { allowFailure: true });
      if (exitCode === 0 && stdout) return stdout.trim();
    }
    return undefined;
  }

  /** All refs (full names) with the object they point at and its type. */
  async listRefs(prefix = 'refs/'): Promise<{ ref: string; sha: string; type: string }[]> {
    const { stdout } = await this.git(['for-each-ref', '--format=%(refname) %(objectname) %(objecttype)', prefix]);
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ref, sha, type] = line.split(' ');
        return { ref: ref!, sha: sha!, type: type! };
      });
  }

  async branches(): Promise<Map<string, string>> {
    const refs = await this.listRefs('refs/heads/');
    return new Map(refs.map((r) => [r.ref.slice('refs/heads/'.length), r.sha]));
  }

  async commitInfo(sha: string): Promise<CommitInfo> {
    if (FULL_SHA.test(sha)) return this.remember(`info:${sha}`, () => this.readCommitInfo(sha));
    return this.readCommitInfo(sha);
  }

  private async readCommitInfo(sha: string): Promise<CommitInfo> {
    const { stdout } = await this.git(['cat-file', 'commit', sha]);
    const [header, ...messageParts] = stdout.split('\n\n');
    const parents: string[] = [];
    let tree = '';
    let author: Required<GitIdentity> = { name: '', email: '', date: '' };
    let committer = author;
    for (const line of header!.split('\n')) {
      if (line.startsWith('tree ')) tree = line.slice(5);
      else if (line.startsWith('parent ')) parents.push(line.slice(7));
      else if (line.startsWith('author ')) author = parseIdentity(line.slice(7));
      else if (line.startsWith('committer ')) committer = parseIdentity(line.slice(10));
    }
    return { sha, tree, parents, message: messageParts.join('\n\n'), author, committer };
  }

  /** Commits reachable from `to` but not from `from` (oldest first); all of `to`'s history when `from` is absent. */
  async commitsBetween(from: string | undefined, to: string): Promise<string[]> {
    if (from && FULL_SHA.test(from) && FULL_SHA.test(to)) return [...(await this.remember(`between:${from}:${to}`, () => this.listBetween(from, to)))];
    return this.listBetween(from, to);
  }

  private async listBetween(from: string | undefined, to: string): Promise<string[]> {
    const range = from ? [to, `^${from}`] : [to];
    const { stdout } = await this.git(['rev-list', '--reverse', ...range]);
    return stdout.split('\n').filter(Boolean);
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const { exitCode } = await this.git(['merge-base', '--is-ancestor', ancestor, descendant], { allowFailure: true });
    return exitCode === 0;
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const { stdout, exitCode } = await this.git(['merge-base', a, b], { allowFailure: true });
    return exitCode === 0 ? stdout.trim() : undefined;
  }

  /** Files changed between the merge base of base/head and head, as a PR diff shows them. */
  async diffSummary(base: string, head: string): Promise<{ files: { path: string; additions: number; deletions: number }[]; additions: number; deletions: number }> {
    if (FULL_SHA.test(base) && FULL_SHA.test(head)) {
      const summary = await this.remember(`diff:${base}:${head}`, () => this.readDiffSummary(base, head));
      return { ...summary, files: summary.files.map((f) => ({ ...f })) };
    }
    return this.readDiffSummary(base, head);
  }

  private async readDiffSummary(base: string, head: string): Promise<{ files: { path: string; additions: number; deletions: number }[]; additions: number; deletions: number }> {
    const { stdout } = await this.git(['diff', '--numstat', '--no-renames', `${base}...${head}`]);
    const files = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [add, del, ...path] = line.split('\t');
        return { path: path.join('\t'), additions: Number(add) || 0, deletions: Number(del) || 0 };
      });
    return {
      files,
      additions: files.reduce((sum, f) => sum + f.additions, 0),
      deletions: files.reduce((sum, f) => sum + f.deletions, 0),
    };
  }

  /** What one commit changed, against its first parent (or nothing, for a root commit). */
  async commitChanges(sha: string): Promise<{ path: string; status: 'added' | 'removed' | 'modified'; additions: number; deletions: number }[]> {
    const info = await this.commitInfo(sha);
    const parent = info.parents[0] ?? EMPTY_TREE;
    const [{ stdout: names }, { stdout: counts }] = await Promise.all([
      this.git(['diff', '--name-status', '--no-renames', parent, sha]),
      this.git(['diff', '--numstat', '--no-renames', parent, sha]),
    ]);
    const numbers = new Map(
      counts
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [add, del, ...path] = line.split('\t');
          return [path.join('\t'), { additions: Number(add) || 0, deletions: Number(del) || 0 }] as const;
        }),
    );
    return names
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [code, ...path] = line.split('\t');
        const file = path.join('\t');
        const status = code === 'A' ? ('added' as const) : code === 'D' ? ('removed' as const) : ('modified' as const);
        return { path: file, status, ...(numbers.get(file) ?? { additions: 0, deletions: 0 }) };
      });
  }

  /** The unified diff of one file in a PR, for review comments' `diff_hunk`. */
  async fileDiff(base: string, head: string, path: string): Promise<string> {
    const { stdout } = await this.git(['diff', '--no-renames', `${base}...${head}`, '--', path]);
    return stdout;
  }

  async readPath(ref: string, path: string): Promise<PathContent | undefined> {
    const clean = path.replace(/^\/+|\/+$/g, '');
    const spec = clean === '' ? `${ref}^{tree}` : `${ref}:${clean}`;
    const { stdout: type, exitCode } = await this.git(['cat-file', '-t', spec], { allowFailure: true });
    if (exitCode !== 0) return undefined;
    if (type === 'blob') {
      const { stdout: sha } = await this.git(['rev-parse', spec]);
      const content = await execa('git', ['--git-dir', this.gitDir, 'cat-file', 'blob', sha], { encoding: 'buffer', stripFinalNewline: false });
      const buffer = Buffer.from(content.stdout as Uint8Array);
      return { type: 'file', sha, size: buffer.length, content: buffer };
    }
    if (type !== 'tree') return undefined;
    const { stdout } = await this.git(['ls-tree', '-l', spec]);
    const entries = stdout
      .split('\n')
      .filter(Boolean)
      .map((line): TreeEntry => {
        const [meta, name] = line.split('\t') as [string, string];
        const [mode, objType, sha, size] = meta.split(/\s+/) as [string, string, string, string];
        const kind = objType === 'tree' ? 'dir' : objType === 'commit' ? 'submodule' : mode === '120000' ? 'symlink' : 'file';
        return { type: kind, name, path: clean ? `${clean}/${name}` : name, sha, size: Number(size) || 0 };
      });
    return { type: 'dir', entries };
  }

  /**
   * Commits file changes on top of `parent` (default: the branch tip, or
   * `startFrom` for a new branch) and moves the branch. Returns the new sha.
   */
  async commitFiles(options: {
    branch: string;
    files: FileChanges;
    message: string;
    author: GitIdentity;
    startFrom?: string;
  }): Promise<string> {
    const current = await this.resolveCommit(`refs/heads/${options.branch}`);
    const parent = current ?? (options.startFrom ? await this.resolveCommit(options.startFrom) : undefined);
    const scratch = await mkdtemp(join(tmpdir(), 'ghsim-index-'));
    try {
      const env = { GIT_INDEX_FILE: join(scratch, 'index') };
      await this.git(parent ? ['read-tree', parent] : ['read-tree', '--empty'], { env });
      const lines: string[] = [];
      for (const [path, content] of Object.entries(options.files)) {
        if (content === null) {
          lines.push(`0 ${ZERO_SHA}\t${path}`);
          continue;
        }
        const { stdout: blob } = await this.git(['hash-object', '-w', '--stdin'], { input: content });
        lines.push(`100644 ${blob}\t${path}`);
      }
      await this.git(['update-index', '--index-info'], { env, input: lines.join('\n') + '\n' });
      const { stdout: tree } = await this.git(['write-tree'], { env });
      const sha = await this.commitTree(tree, parent ? [parent] : [], options.message, options.author);
      await this.updateRef(`refs/heads/${options.branch}`, sha, current);
      return sha;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async commitTree(tree: string, parents: string[], message: string, author: GitIdentity, committer: GitIdentity = author): Promise<string> {
    const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p])];
    const { stdout } = await this.git(args, { input: message, env: identityEnv(author, committer) });
    return stdout.trim();
  }

  /** Moves a ref, failing if it no longer points at `expectedOld` (compare-and-swap). */
  async updateRef(ref: string, sha: string, expectedOld?: string): Promise<void> {
    await this.git(['update-ref', ref, sha, expectedOld ?? ZERO_SHA]);
  }

  async deleteRef(ref: string): Promise<void> {
    await this.git(['update-ref', '-d', ref]);
  }

  /** Three-way merge of two commits without a working tree: the merged tree, or undefined on conflicts. */
  async mergeTrees(ours: string, theirs: string): Promise<string | undefined> {
    const { stdout, exitCode } = await this.git(['merge-tree', '--write-tree', '--no-messages', ours, theirs], { allowFailure: true });
    if (exitCode !== 0) return undefined;
    return stdout.split('\n')[0]!.trim();
  }

  /**
   * Replays `commits` onto `onto` as GitHub's "rebase and merge" does and
   * returns the new tip, or undefined if a commit does not apply cleanly.
   */
  async replay(onto: string, commits: string[], committer: GitIdentity): Promise<string | undefined> {
    const scratch = await mkdtemp(join(tmpdir(), 'ghsim-rebase-'));
    const worktree = join(scratch, 'wt');
    try {
      await this.git(['worktree', 'add', '--detach', '--quiet', worktree, onto]);
      // Only the committer changes; cherry-pick keeps each commit's author.
      const env = { GIT_CONFIG_NOSYSTEM: '1', GIT_COMMITTER_NAME: committer.name, GIT_COMMITTER_EMAIL: committer.email };
      const run = (args: string[]) => execa('git', args, { cwd: worktree, env, reject: false });
      for (const commit of commits) {
        const picked = await run(['cherry-pick', '--allow-empty', '--keep-redundant-commits', commit]);
        if (picked.exitCode !== 0) return undefined;
      }
      const tip = await run(['rev-parse', 'HEAD']);
      return String(tip.stdout).trim();
    } finally {
      await this.git(['worktree', 'remove', '--force', worktree], { allowFailure: true });
      await rm(scratch, { recursive: true, force: true });
      await this.git(['worktree', 'prune'], { allowFailure: true });
    }
  }

  /**
   * A post-receive hook that tells the simulator about pushes right away, in
   * the background so a push never waits on the simulator.
   */
  async installPushHook(notifyUrl: string): Promise<void> {
    const script = [
      '#!/bin/sh',
      '# Installed by the GitHub simulator: report pushes so it can emit push events.',
      '# A push over the simulator\'s git HTTP names its pusher in GHSIM_PUSHER.',
      `"${process.execPath}" -e 'const p = process.env.GHSIM_PUSHER; fetch(process.argv[1] + (p ? "?as=" + encodeURIComponent(p) : ""), { method: "POST" }).catch(() => {})' '${notifyUrl}' >/dev/null 2>&1 &`,
      'exit 0',
      '',
    ].join('\n');
    const hook = join(this.gitDir, 'hooks', 'post-receive');
    await writeFile(hook, script);
    await chmod(hook, 0o755);
  }
}

function parseIdentity(text: string): Required<GitIdentity> {
  const match = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(text);
  if (!match) return { name: text, email: '', date: new Date(0).toISOString() };
  return { name: match[1]!, email: match[2]!, date: new Date(Number(match[3]) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

function identityEnv(author: GitIdentity, committer: GitIdentity): Record<string, string> {
  const env: Record<string, string> = {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
  };
  if (author.date) env.GIT_AUTHOR_DATE = author.date;
  if (committer.date) env.GIT_COMMITTER_DATE = committer.date;
  return env;
}

export { ZERO_SHA };
