import type { Logger } from 'pino';
import type { Probot } from 'probot';
import { GitHubNotFound } from '../github/errors.js';
import { gitHubPortFromOctokit } from '../github/octokit-port.js';
import type { GitHubPort, RepoRef } from '../github/port.js';
import { routingGitHubPort } from '../github/routing-port.js';

type InstallationOctokit = Awaited<ReturnType<Probot['auth']>>;

/**
 * GitHub as the app sees it: one installation per account, each with its
 * own token (Probot's Octokit renews it before its hour is up). Everything
 * the app asks of a repo goes through the installation that covers it, as
 * one GitHubPort that routes by repo.
 */
export class Installations {
  private readonly byOwner = new Map<string, Promise<{ id: number; octokit: InstallationOctokit; port: GitHubPort }>>();
  private slug: Promise<string> | undefined;
  readonly port: GitHubPort;

  constructor(
    private readonly probot: Probot,
    private readonly log: Logger,
  ) {
    this.port = routingGitHubPort((repo) => this.forRepo(repo).then((i) => i.port));
  }

  /** The app's bot account (`<slug>[bot]`), as GitHub names it in comments and assignments. */
  async botLogin(): Promise<string> {
    this.slug ??= (async () => {
      const octokit = await this.probot.auth();
      const { data } = await octokit.request('GET /app');
      return (data as { slug?: string } | null)?.slug ?? 'agent-orchestrator';
    })();
    this.slug.catch(() => (this.slug = undefined));
    return `${await this.slug}[bot]`;
  }

  /** Remember an installation a webhook named, so the first request for its repos needs no lookup. */
  remember(owner: string, installationId: number): void {
    const key = owner.toLowerCase();
    if (!this.byOwner.has(key)) this.byOwner.set(key, this.open(installationId));
  }

  async forRepo(repo: RepoRef): Promise<{ id: number; octokit: InstallationOctokit; port: GitHubPort }> {
    const key = repo.owner.toLowerCase();
    let found = this.byOwner.get(key);
    if (!found) {
      found = (async () => {
        const app = await this.probot.auth();
        try {
          const { data } = await app.request('GET /repos/{owner}/{repo}/installation', { owner: repo.owner, repo: repo.repo });
          return await this.open((data as { id: number }).id);
        } catch (error) {
          if ((error as { status?: number }).status === 404) throw new GitHubNotFound(`the app is not installed on ${repo.owner}/${repo.repo}`);
          throw error;
        }
      })();
      this.byOwner.set(key, found);
      // A failed lookup is not remembered: the next request tries again.
      found.catch(() => this.byOwner.get(key) === found && this.byOwner.delete(key));
    }
    return found;
  }

  private async open(id: number): Promise<{ id: number; octokit: InstallationOctokit; port: GitHubPort }> {
    const octokit = await this.probot.auth(id);
    const viewerLogin = await this.botLogin();
    return { id, octokit, port: gitHubPortFromOctokit(octokit, { viewerLogin, log: this.log }) };
  }

  /** `.github/agent-orchestrator.yml` from the default branch (with `_extends`, e.g. from the org's `.github` repo); null when there is none. */
  async repoConfig(repo: RepoRef): Promise<unknown> {
    const { octokit } = await this.forRepo(repo);
    const { config, files } = await octokit.config.get({ owner: repo.owner, repo: repo.repo, path: '.github/agent-orchestrator.yml' });
    return files.some((f) => f.config !== null) ? config : null;
  }

  /**
   * An installation token for a repo, for the agents' git and gh
   * (InstallationTokenCredentials), always newly minted.
   */
  async token(repo: RepoRef): Promise<{ token: string; expiresAt: string }> {
    const { id } = await this.forRepo(repo);
    // A token of its own, scoped to the one repo and to what an agent needs (push its branch, open
    // its PR), whatever else the installation may do. Minted by the app (its JWT) each time asked:
    // the caller keeps it until shortly before it expires.
    const app = await this.probot.auth();
    const { data } = await app.request('POST /app/installations/{installation_id}/access_tokens', {
      installation_id: id,
      repositories: [repo.repo],
      permissions: { contents: 'write', pull_requests: 'write' },
    });
    const auth = data as { token: string; expires_at?: string };
    return { token: auth.token, expiresAt: auth.expires_at ?? new Date(Date.now() + 50 * 60_000).toISOString() };
  }
}
