// GitHubPort over a GitHubClient (our Octokit or Probot's). REST where
// GitHub only has REST (permissions, comments, reactions, check runs,
// merges), with conditional GETs; GraphQL for the batched evidence.

import type { Logger } from 'pino';
import { createGitHubClient, gitHubClientFromOctokit, type GitHubClient, type GitHubClientOptions, type OctokitLike } from './client.js';
import { GitHubError, GitHubNotFound, GitHubValidationFailed } from './errors.js';
import type {
  CheckRunInput,
  CheckRunRef,
  CommentRef,
  EvidenceBatch,
  EvidenceRequest,
  GitHubPort,
  IssueInfo,
  MergeInput,
  MergeResult,
  ReactionContent,
  RepoInfo,
  RepoPermission,
  RepoRef,
} from './port.js';
import { fetchEvidence, restLogin } from './scm.js';

export interface OctokitGitHubPortOptions {
  /** How long a collaborator permission is believed (default 60 s). */
  readonly permissionTtlMs?: number;
  /**
   * The account this port writes as, REST spelling (`my-app[bot]` for an
   * installation). Found with one GraphQL `viewer` query when not given.
   */
  readonly viewerLogin?: string;
  readonly now?: () => number;
}

const ROLES: readonly RepoPermission[] = ['admin', 'maintain', 'write', 'triage', 'read', 'none'];

function slug(repo: RepoRef): string {
  return `${repo.owner}/${repo.repo}`;
}

function withMarker(marker: string, body: string): string {
  return body.includes(marker) ? body : `${marker}\n${body}`;
}

interface RestComment {
  id: number;
  body?: string;
  html_url: string;
  user: { login: string } | null;
}

interface RestCheckRun {
  id: number;
  name: string;
  external_id: string | null;
  html_url: string | null;
  app: { slug?: string } | null;
}

export class OctokitGitHubPort implements GitHubPort {
  private readonly permissions = new Map<string, { value: Promise<RepoPermission>; expires: number }>();
  private readonly commentIds = new Map<string, number>();
  private viewer: Promise<string> | undefined;
  private readonly ttl: number;
  private readonly now: () => number;

  constructor(
    readonly client: GitHubClient,
    options: OctokitGitHubPortOptions = {},
  ) {
    this.ttl = options.permissionTtlMs ?? 60_000;
    this.now = options.now ?? Date.now;
    if (options.viewerLogin) this.viewer = Promise.resolve(options.viewerLogin);
  }

  async fetchEvidence(repo: RepoRef, sessions: readonly EvidenceRequest[]): Promise<EvidenceBatch> {
    if (sessions.length === 0) return { outcome: 'fresh', repo, sessions: [], requests: 0, rateLimit: undefined };
    return fetchEvidence(this.client, repo, sessions);
  }

  collaboratorPermission(repo: RepoRef, login: string): Promise<RepoPermission> {
    const key = `${slug(repo).toLowerCase()}:${login.toLowerCase()}`;
    const cached = this.permissions.get(key);
    if (cached && cached.expires > this.now()) return cached.value;
    const value = this.readPermission(repo, login);
    this.permissions.set(key, { value, expires: this.now() + this.ttl });
    // A failed lookup is not remembered.
    value.catch(() => this.permissions.delete(key));
    return value;
  }

  private async readPermission(repo: RepoRef, login: string): Promise<RepoPermission> {
    try {
      const { data } = await this.client.rest<{ permission?: string; role_name?: string }>(
        'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
        { owner: repo.owner, repo: repo.repo, username: login },
        `permission of ${login} on ${slug(repo)}`,
      );
      // role_name tells maintain and triage apart; a custom role falls back to the classic permission it extends.
      const role = ROLES.find((r) => r === data.role_name) ?? ROLES.find((r) => r === data.permission);
      return role ?? 'none';
    } catch (error) {
      // GitHub answers 404 for a login it does not know: no access. (A missing repo denies too: safe for a permission check.)
      if (error instanceof GitHubNotFound) return 'none';
      throw error;
    }
  }

  async getIssue(repo: RepoRef, number: number): Promise<IssueInfo> {
    const { data } = await this.client.rest<{
      number: number;
      title: string;
      body?: string | null;
      user: { login: string } | null;
      author_association: string;
      labels: (string | { name?: string })[];
      state: string;
      state_reason?: string | null;
      pull_request?: unknown;
      html_url: string;
    }>('GET /repos/{owner}/{repo}/issues/{issue_number}', { owner: repo.owner, repo: repo.repo, issue_number: number }, `get issue ${slug(repo)}#${number}`);
    return {
      number: data.number,
      title: data.title,
      body: data.body ?? '',
      author: data.user?.login ?? null,
      authorAssociation: data.author_association,
      labels: data.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
      state: data.state === 'closed' ? 'closed' : 'open',
      stateReason: data.state_reason ?? null,
      isPullRequest: data.pull_request !== undefined && data.pull_request !== null,
      url: data.html_url,
    };
  }

  async getRepo(repo: RepoRef): Promise<RepoInfo> {
    const { data } = await this.client.rest<{ name: string; owner: { login: string }; full_name: string; clone_url: string; default_branch: string; private: boolean; html_url: string }>(
      'GET /repos/{owner}/{repo}',
      { owner: repo.owner, repo: repo.repo },
      `get repo ${slug(repo)}`,
    );
    return { owner: data.owner.login, repo: data.name, fullName: data.full_name, cloneUrl: data.clone_url, defaultBranch: data.default_branch, private: data.private, url: data.html_url };
  }

  /** The account this port acts as, REST spelling. */
  viewerLogin(): Promise<string> {
    this.viewer ??= this.client.graphql<{ viewer: { __typename: string; login: string } }>('query AoViewer { viewer { __typename login } }', {}, 'who am I').then((answer) => {
      const login = restLogin(answer.data?.viewer);
      if (!login) throw new GitHubError('who am I: GitHub did not name the viewer');
      return login;
    });
    this.viewer.catch(() => (this.viewer = undefined));
    return this.viewer;
  }

  async upsertComment(repo: RepoRef, issueNumber: number, marker: string, body: string): Promise<CommentRef> {
    if (!marker.trim()) throw new GitHubValidationFailed('upsert comment: the marker must not be empty');
    const text = withMarker(marker, body);
    const me = (await this.viewerLogin()).toLowerCase();
    const key = `${slug(repo).toLowerCase()}#${issueNumber}:${marker}`;
    const ours = (c: RestComment) => c.user?.login.toLowerCase() === me && (c.body ?? '').includes(marker);

    let found: RestComment | undefined;
    const remembered = this.commentIds.get(key);
    if (remembered !== undefined) {
      try {
        // Conditional: free when nothing changed since we last looked.
        const { data } = await this.client.rest<RestComment>('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: repo.owner, repo: repo.repo, comment_id: remembered }, `get comment ${remembered}`);
        if (ours(data)) found = data;
      } catch (error) {
        if (!(error instanceof GitHubNotFound)) throw error;
      }
    }
    if (!found) found = await this.findComment(repo, issueNumber, ours);

    if (found) {
      this.commentIds.set(key, found.id);
      if (found.body === text) return { id: found.id, url: found.html_url, action: 'unchanged' };
      const { data } = await this.client.rest<RestComment>(
        'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
        { owner: repo.owner, repo: repo.repo, comment_id: found.id, body: text },
        `edit comment ${found.id} on ${slug(repo)}#${issueNumber}`,
      );
      return { id: data.id, url: data.html_url, action: 'updated' };
    }
    const { data } = await this.client.rest<RestComment>(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { owner: repo.owner, repo: repo.repo, issue_number: issueNumber, body: text },
      `comment on ${slug(repo)}#${issueNumber}`,
    );
    // Two writers (two copies of the app) may both have found none and created one: the oldest stays, the others go.
    const keep = await this.dropDuplicateComments(repo, issueNumber, ours, data.id);
    this.commentIds.set(key, keep);
    if (keep !== data.id) {
      const { data: kept } = await this.client.rest<RestComment>(
        'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
        { owner: repo.owner, repo: repo.repo, comment_id: keep, body: text },
        `edit comment ${keep} on ${slug(repo)}#${issueNumber}`,
      );
      return { id: kept.id, url: kept.html_url, action: 'updated' };
    }
    return { id: data.id, url: data.html_url, action: 'created' };
  }

  /** Deletes all but the oldest of our marked comments; returns the one kept. */
  private async dropDuplicateComments(repo: RepoRef, issueNumber: number, ours: (c: RestComment) => boolean, created: number): Promise<number> {
    const mine: number[] = [];
    for (let page = 1; ; page++) {
      const { data, headers } = await this.client.rest<RestComment[]>(
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
        { owner: repo.owner, repo: repo.repo, issue_number: issueNumber, per_page: 100, page },
        `list comments of ${slug(repo)}#${issueNumber}`,
      );
      mine.push(...data.filter(ours).map((c) => c.id));
      if (!/rel="next"/.test(String(headers.link ?? '')) || data.length === 0) break;
    }
    if (!mine.includes(created)) mine.push(created);
    const keep = Math.min(...mine);
    for (const id of mine.filter((i) => i !== keep)) {
      await this.client
        .rest('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: repo.owner, repo: repo.repo, comment_id: id }, `delete duplicate comment ${id}`)
        .catch((error: unknown) => {
          if (!(error instanceof GitHubNotFound)) throw error; // the other writer deleted it first
        });
    }
    return keep;
  }

  /** Pages through the issue's comments (100 at a time, conditional) for the first one `match` accepts. */
  private async findComment(repo: RepoRef, issueNumber: number, match: (c: RestComment) => boolean): Promise<RestComment | undefined> {
    for (let page = 1; ; page++) {
      const { data, headers } = await this.client.rest<RestComment[]>(
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
        { owner: repo.owner, repo: repo.repo, issue_number: issueNumber, per_page: 100, page },
        `list comments of ${slug(repo)}#${issueNumber}`,
      );
      const hit = data.find(match);
      if (hit) return hit;
      if (!/rel="next"/.test(String(headers.link ?? '')) || data.length === 0) return undefined;
    }
  }

  async addReaction(repo: RepoRef, commentId: number, content: ReactionContent): Promise<{ created: boolean }> {
    const { status } = await this.client.rest(
      'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
      { owner: repo.owner, repo: repo.repo, comment_id: commentId, content },
      `react ${content} to comment ${commentId} on ${slug(repo)}`,
    );
    // GitHub answers 201 for a new reaction and 200 when this account had already reacted so.
    return { created: status === 201 };
  }

  async comment(repo: RepoRef, issueNumber: number, body: string): Promise<CommentRef> {
    const { data } = await this.client.rest<RestComment>(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { owner: repo.owner, repo: repo.repo, issue_number: issueNumber, body },
      `comment on ${slug(repo)}#${issueNumber}`,
    );
    return { id: data.id, url: data.html_url, action: 'created' };
  }

  async upsertCheckRun(repo: RepoRef, run: CheckRunInput): Promise<CheckRunRef> {
    const { data: list } = await this.client.rest<{ check_runs: RestCheckRun[] }>(
      'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
      { owner: repo.owner, repo: repo.repo, ref: run.headSha, check_name: run.name, filter: 'latest', per_page: 100 },
      `list check runs "${run.name}" on ${run.headSha.slice(0, 12)}`,
    );
    const me = (await this.viewerLogin()).replace(/\[bot\]$/, '').toLowerCase();
    const existing = list.check_runs.find(
      (r) => r.name === run.name && (r.app?.slug ?? '').toLowerCase() === me && (run.externalId === undefined || r.external_id === run.externalId),
    );
    const fields = {
      name: run.name,
      status: run.status,
      ...(run.conclusion ? { conclusion: run.conclusion } : {}),
      ...(run.detailsUrl ? { details_url: run.detailsUrl } : {}),
      ...(run.externalId !== undefined ? { external_id: run.externalId } : {}),
      ...(run.output ? { output: { title: run.output.title, summary: run.output.summary, ...(run.output.text !== undefined ? { text: run.output.text } : {}) } } : {}),
      ...(run.actions ? { actions: run.actions.map((a) => ({ label: a.label, description: a.description, identifier: a.identifier })) } : {}),
    };
    if (existing) {
      const { data } = await this.client.rest<RestCheckRun>(
        'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
        { owner: repo.owner, repo: repo.repo, check_run_id: existing.id, ...fields },
        `update check run ${existing.id} on ${slug(repo)}`,
      );
      return { id: data.id, url: data.html_url ?? '', action: 'updated' };
    }
    const { data } = await this.client.rest<RestCheckRun>(
      'POST /repos/{owner}/{repo}/check-runs',
      { owner: repo.owner, repo: repo.repo, head_sha: run.headSha, ...fields },
      `create check run "${run.name}" on ${slug(repo)}`,
    );
    return { id: data.id, url: data.html_url ?? '', action: 'created' };
  }

  async mergePullRequest(repo: RepoRef, merge: MergeInput): Promise<MergeResult> {
    try {
      const { data } = await this.client.rest<{ sha: string; merged: boolean; message: string }>(
        'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
        {
          owner: repo.owner,
          repo: repo.repo,
          pull_number: merge.number,
          merge_method: merge.method,
          sha: merge.expectedHeadSha,
          ...(merge.commitTitle !== undefined ? { commit_title: merge.commitTitle } : {}),
          ...(merge.commitMessage !== undefined ? { commit_message: merge.commitMessage } : {}),
          // A refusal (405, 409) is an answer: no retries, whatever Octokit we were given (Probot's retries 4xx but a few).
          request: { retries: 0 },
        },
        `merge ${slug(repo)}#${merge.number}`,
      );
      return { merged: true, sha: data.sha };
    } catch (error) {
      if (error instanceof GitHubError && (error.status === 405 || error.status === 409 || error.status === 422)) {
        const reason = error.status === 409 ? 'head_changed' : error.status === 405 ? 'not_mergeable' : 'rejected';
        return { merged: false, reason, message: error.message };
      }
      throw error;
    }
  }
}

export type GitHubPortResult = { readonly port: OctokitGitHubPort; readonly reason?: undefined } | { readonly port: undefined; readonly reason: string };

/** A port from the environment (CLI, Action), or the one-line reason there is none (no token). */
export async function createGitHubPort(options: GitHubClientOptions & OctokitGitHubPortOptions = {}): Promise<GitHubPortResult> {
  const { client, reason } = await createGitHubClient(options);
  if (!client) return { port: undefined, reason: reason! };
  return { port: new OctokitGitHubPort(client, options) };
}

/** A port over an authenticated Octokit (Probot's `context.octokit`). */
export function gitHubPortFromOctokit(octokit: OctokitLike, options: OctokitGitHubPortOptions & { graphqlUrl?: string; log?: Logger } = {}): OctokitGitHubPort {
  return new OctokitGitHubPort(gitHubClientFromOctokit(octokit, options), options);
}
