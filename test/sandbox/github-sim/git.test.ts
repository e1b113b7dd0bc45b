// Simulated repos are real bare repos: clones and pushes work with plain git,
// pushes become push/synchronize events, PR heads are the real refs, and
// merges really merge (merge commit, squash, rebase), conflicts included.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '@octokit/graphql';
import { execa } from 'execa';
import { startGitHubSimulator, type DeliveryRecord, type GitHubSimulator, type RepoHandle } from '../../../src/sandbox/github-sim/index.js';
import { Clone, installationOctokit, simOctokit } from './helpers.js';

const ZERO = '0000000000000000000000000000000000000000';

async function gitIn(gitDir: string, ...args: string[]): Promise<string> {
  return (await execa('git', ['--git-dir', gitDir, ...args])).stdout.trim();
}

describe('GitHub simulator git backing', () => {
  let sim: GitHubSimulator;
  let repo: RepoHandle;
  const o = { owner: 'acme', repo: 'widgets' };

  beforeAll(async () => {
    sim = await startGitHubSimulator();
    repo = await sim.createRepo({
      owner: 'acme',
      name: 'widgets',
      files: { '.github/agent-orchestrator.yml': 'prefix: wid\n', 'src/app.ts': 'line one\nline two\nline three\n' },
    });
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('serves files from the default branch in git, base64 as GitHub does, and any ref on request', async () => {
    const octokit = simOctokit(sim);
    const { data } = await octokit.rest.repos.getContent({ ...o, path: '.github/agent-orchestrator.yml' });
    const file = data as { type: string; encoding: string; content: string; sha: string; path: string };
    expect(file).toMatchObject({ type: 'file', encoding: 'base64', path: '.github/agent-orchestrator.yml' });
    expect(Buffer.from(file.content, 'base64').toString()).toBe('prefix: wid\n');
    expect(file.sha).toBe(await gitIn(repo.gitDir, 'rev-parse', 'main:.github/agent-orchestrator.yml'));

    await sim.pushCommit('acme', 'widgets', { branch: 'config-change', files: { '.github/agent-orchestrator.yml': 'prefix: wdg\n' } });
    const onDefault = await octokit.rest.repos.getContent({ ...o, path: '.github/agent-orchestrator.yml' });
    expect(Buffer.from((onDefault.data as { content: string }).content, 'base64').toString()).toBe('prefix: wid\n');
    const onBranch = await octokit.rest.repos.getContent({ ...o, path: '.github/agent-orchestrator.yml', ref: 'config-change' });
    expect(Buffer.from((onBranch.data as { content: string }).content, 'base64').toString()).toBe('prefix: wdg\n');
    await expect(octokit.rest.repos.getContent({ ...o, path: '.github/missing.yml' })).rejects.toMatchObject({ status: 404 });
  });

  it('describes a commit\'s changed files as added, modified or removed', async () => {
    await sim.pushCommit('acme', 'widgets', { branch: 'files-probe', files: { 'new.txt': 'a\nb\n' } });
    const sha = await sim.pushCommit('acme', 'widgets', { branch: 'files-probe', files: { 'new.txt': 'a\nc\n', 'src/app.ts': null, 'other.txt': 'x\n' } });
    const { data } = await simOctokit(sim).rest.repos.getCommit({ ...o, ref: sha });
    expect(data.files?.map((f) => [f.filename, f.status, f.additions, f.deletions])).toEqual([
      ['new.txt', 'modified', 1, 1],
      ['other.txt', 'added', 1, 0],
      ['src/app.ts', 'removed', 0, 3],
    ]);
    expect(data.stats).toEqual({ total: 6, additions: 2, deletions: 4 });
  });

  it('notices a `git push` on its own (post-receive hook) and sends the push event', async () => {
    const clone = await Clone.of(repo.gitDir);
    try {
      await clone.git('checkout', '--quiet', '-b', 'feature/hooked');
      const sha = await clone.commit({ 'notes.md': 'hello\n' }, 'Add notes');
      const pushed = new Promise<DeliveryRecord>((resolve) => {
        const stop = sim.deliveries.onDelivery((record) => {
          if (record.event === 'push' && record.payload.ref === 'refs/heads/feature/hooked') {
            stop();
            resolve(record);
          }
        });
      });
      // No API call and no syncRefs(): only git.
      await clone.git('push', '--quiet', 'origin', 'feature/hooked');
      const record = await pushed;
      expect(record.payload).toMatchObject({ ref: 'refs/heads/feature/hooked', before: ZERO, after: sha, created: true, deleted: false, forced: false });
      expect((record.payload.commits as { id: string; added: string[] }[]).map((c) => [c.id, c.added])).toEqual([[sha, ['notes.md']]]);

      await clone.git('push', '--quiet', 'origin', '--delete', 'feature/hooked');
      await sim.syncRefs('acme', 'widgets');
      // Whichever noticed it first (the hook or syncRefs), the deletion is reported exactly once.
      const deletions = sim.deliveries.list({ event: 'push' }).filter((d) => d.payload.ref === 'refs/heads/feature/hooked' && d.payload.deleted === true);
      expect(deletions.map((d) => d.payload)).toEqual([expect.objectContaining({ before: sha, after: ZERO, head_commit: null, created: false })]);
    } finally {
      await clone.remove();
    }
  });

  it('follows force-pushes to a PR head with synchronize events carrying before/after', async () => {
    const clone = await Clone.of(repo.gitDir);
    try {
      await clone.git('checkout', '--quiet', '-b', 'ao/wid-7');
      const first = await clone.commit({ 'src/seven.ts': 'export const seven = 7;\n' }, 'Seven');
      await clone.git('push', '--quiet', 'origin', 'ao/wid-7');
      await sim.syncRefs('acme', 'widgets');
      const pr = await sim.openPullRequest('acme', 'widgets', { head: 'ao/wid-7', title: 'Seven', as: sim.app.botLogin });
      expect(pr.headSha).toBe(first);

      await clone.git('commit', '--quiet', '--amend', '-m', 'Seven, amended');
      const amended = (await clone.git('rev-parse', 'HEAD')).stdout.trim();
      await clone.git('push', '--quiet', '--force', 'origin', 'ao/wid-7');
      // The post-receive hook may report it first; syncRefs makes sure it has been.
      await sim.syncRefs('acme', 'widgets');
      const push = sim.deliveries.list({ event: 'push' }).find((d) => d.payload.after === amended)!;
      const sync = sim.deliveries.list({ event: 'pull_request', action: 'synchronize' }).find((d) => d.payload.after === amended)!;
      expect(push.payload).toMatchObject({ before: first, forced: true });
      expect(sync.payload).toMatchObject({ number: pr.number, before: first, after: amended, pull_request: { head: { sha: amended } } });
      const { data } = await simOctokit(sim).rest.pulls.get({ ...o, pull_number: pr.number });
      expect(data.head.sha).toBe(amended);
    } finally {
      await clone.remove();
    }
  });

  it('merges for real: merge commit, squash and rebase', async () => {
    const { octokit } = await installationOctokit(sim, repo.installationId!);
    const open = async (branch: string, file: string) => {
      await sim.pushCommit('acme', 'widgets', { branch, files: { [file]: `${file} 1\n` }, message: `${file} 1` });
      await sim.pushCommit('acme', 'widgets', { branch, files: { [file]: `${file} 2\n` }, message: `${file} 2` });
      return (await octokit.rest.pulls.create({ ...o, head: branch, base: 'main', title: `Add ${file}` })).data;
    };
    const parentsOf = async (sha: string) => (await gitIn(repo.gitDir, 'rev-list', '--parents', '-n', '1', sha)).split(' ').slice(1);

    const viaMerge = await open('m/merge', 'merge.txt');
    const mainBefore = await sim.headSha('acme', 'widgets', 'main');
    const merged = await octokit.rest.pulls.merge({ ...o, pull_number: viaMerge.number, merge_method: 'merge' });
    expect(await parentsOf(merged.data.sha)).toEqual([mainBefore, viaMerge.head.sha]);
    expect(await gitIn(repo.gitDir, 'log', '-1', '--format=%s', merged.data.sha)).toBe(`Merge pull request #${viaMerge.number} from acme/m/merge`);

    const viaSquash = await open('m/squash', 'squash.txt');
    const beforeSquash = await sim.headSha('acme', 'widgets', 'main');
    const squashed = await octokit.rest.pulls.merge({ ...o, pull_number: viaSquash.number, merge_method: 'squash' });
    expect(await parentsOf(squashed.data.sha)).toEqual([beforeSquash]);
    expect(await gitIn(repo.gitDir, 'show', `${squashed.data.sha}:squash.txt`)).toBe('squash.txt 2');
    expect(await gitIn(repo.gitDir, 'log', '-1', '--format=%s', squashed.data.sha)).toBe(`Add squash.txt (#${viaSquash.number})`);

    const viaRebase = await open('m/rebase', 'rebase.txt');
    const beforeRebase = await sim.headSha('acme', 'widgets', 'main');
    const rebased = await octokit.rest.pulls.merge({ ...o, pull_number: viaRebase.number, merge_method: 'rebase' });
    const replayed = (await gitIn(repo.gitDir, 'rev-list', '--reverse', `${beforeRebase}..${rebased.data.sha}`)).split('\n');
    expect(replayed).toHaveLength(2);
    expect(await parentsOf(replayed[0]!)).toEqual([beforeRebase]);
    expect(await gitIn(repo.gitDir, 'log', '--format=%s', `${beforeRebase}..${rebased.data.sha}`)).toBe('rebase.txt 2\nrebase.txt 1');

    // "Merged" is the PR's state, not ancestry: the squashed branch's commits are not on main.
    const squashedPr = await octokit.rest.pulls.get({ ...o, pull_number: viaSquash.number });
    expect(squashedPr.data).toMatchObject({ merged: true, merge_commit_sha: squashed.data.sha });
    await expect(execa('git', ['--git-dir', repo.gitDir, 'merge-base', '--is-ancestor', viaSquash.head.sha, 'main'])).rejects.toMatchObject({ exitCode: 1 });
  });

  it('reports conflicts as GitHub does and refuses to merge them', async () => {
    const { octokit, token } = await installationOctokit(sim, repo.installationId!);
    await sim.pushCommit('acme', 'widgets', { branch: 'c/left', files: { 'src/app.ts': 'line one\nLEFT\nline three\n' } });
    await sim.pushCommit('acme', 'widgets', { branch: 'c/right', files: { 'src/app.ts': 'line one\nRIGHT\nline three\n' } });
    const left = (await octokit.rest.pulls.create({ ...o, head: 'c/left', base: 'main', title: 'Left' })).data;
    const right = (await octokit.rest.pulls.create({ ...o, head: 'c/right', base: 'main', title: 'Right' })).data;
    expect(right.mergeable).toBe(true);
    await octokit.rest.pulls.merge({ ...o, pull_number: left.number });

    const { data } = await octokit.rest.pulls.get({ ...o, pull_number: right.number });
    expect(data).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });
    const gql = graphql.defaults({ baseUrl: sim.url, headers: { authorization: `token ${token}` } });
    const state = await gql<{ repository: { pullRequest: { mergeable: string; mergeStateStatus: string } } }>(
      `query ($n: Int!) { repository(owner: "acme", name: "widgets") { pullRequest(number: $n) { mergeable mergeStateStatus } } }`,
      { n: right.number },
    );
    expect(state.repository.pullRequest).toEqual({ mergeable: 'CONFLICTING', mergeStateStatus: 'DIRTY' });
    await expect(octokit.rest.pulls.merge({ ...o, pull_number: right.number })).rejects.toMatchObject({ status: 405, message: expect.stringContaining('not mergeable') });
    await expect(octokit.rest.pulls.merge({ ...o, pull_number: left.number })).rejects.toMatchObject({ status: 405 });
  });

  it('refuses PRs GitHub would refuse: no commits, duplicates, unknown branches, stale head sha on merge', async () => {
    const { octokit } = await installationOctokit(sim, repo.installationId!);
    await execa('git', ['--git-dir', repo.gitDir, 'branch', 'same-as-main', 'main']);
    await expect(octokit.rest.pulls.create({ ...o, head: 'same-as-main', base: 'main', title: 'Nothing' })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: 'No commits between main and same-as-main' }] } },
    });
    await expect(octokit.rest.pulls.create({ ...o, head: 'no-such-branch', base: 'main', title: 'Ghost' })).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] } },
    });
    const head = await sim.pushCommit('acme', 'widgets', { branch: 'dup', files: { 'dup.txt': 'x\n' } });
    const pr = (await octokit.rest.pulls.create({ ...o, head: 'dup', base: 'main', title: 'Dup' })).data;
    await expect(octokit.rest.pulls.create({ ...o, head: 'dup', base: 'main', title: 'Dup again' })).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ message: 'A pull request already exists for acme:dup.' }] } },
    });
    await sim.pushCommit('acme', 'widgets', { branch: 'dup', files: { 'dup.txt': 'y\n' } });
    await expect(octokit.rest.pulls.merge({ ...o, pull_number: pr.number, sha: head })).rejects.toMatchObject({ status: 409, message: expect.stringContaining('Head branch was modified') });
  });
});
