import type { ProjectConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
import { shellQuote } from '../core/shell.js';
import type { RepoRef } from '../github/port.js';
import { installToken, type TokenFiles } from '../hosts/credentials.js';
import type { HostSnapshot, Orchestrator } from './orchestrator.js';

/**
 * Credentials for agents: how a session reaches GitHub as the surface that
 * started it. The CLI passes none (hosts use their own git credentials); the
 * GitHub App passes an InstallationTokenCredentials, so a session pushes its
 * branch and opens its PR with a token for its repo that outlives the hour
 * an installation token lives.
 */

/** What a session of a project on a host gets. Nothing here is a secret: it reaches tmux's arguments. */
export interface PreparedCredentials {
  /** Environment for the agent's tmux session. */
  env: Record<string, string>;
  /** A git `credential.helper` value the repo's mirror on the host uses for the project's URL. */
  credentialHelper?: string;
}

/** Called by spawn and restore before the mirror is fetched. */
export interface AgentCredentials {
  prepare(orch: Orchestrator, host: string, project: ProjectConfig): Promise<PreparedCredentials>;
}

export interface InstallationToken {
  token: string;
  /** ISO time, as GitHub answers it (`expires_at`). */
  expiresAt: string;
}

/**
 * Mints a token for one repo. `fresh`: the token last given has too little
 * time left; mint a new one rather than answer from a cache (Probot's
 * `octokit.auth({ type: 'installation', refresh: true })`: its cache keeps a
 * token for 59 of its 60 minutes).
 */
export type TokenSource = (repo: RepoRef, options: { fresh: boolean }) => Promise<InstallationToken>;

export interface InstallationTokenCredentialsOptions {
  tokenFor: TokenSource;
  /** A token on a host with less than this left is replaced (default 15 minutes). */
  refreshBeforeMs?: number;
  /** The clock (tests move it forward). */
  now?: () => number;
}

export interface RefreshResult {
  /** Hosts whose token was rewritten. */
  written: { host: string; repo: string; expiresAt: string }[];
  /** Hosts whose token could not be rewritten (it stays as it was; the next refresh tries again). */
  failed: { host: string; repo: string; error: string }[];
  /** Hosts and repos whose token still had long enough. */
  fresh: number;
}

interface HeldToken {
  token: string;
  expiresAtMs: number;
}

const DEFAULT_REFRESH_BEFORE_MS = 15 * 60_000;

/**
 * The GitHub App's credentials for agents: the repo's installation token in
 * a private file on the host (`<dataDir>/<instance>/credentials/repos/<owner>/<repo>.token`),
 * a git credential helper reading it, configured in the repo's mirror for
 * the clone URL (so the orchestrator's own fetch, the agent's push and
 * kill's backup push all use it), and a `gh` shim first on the session's
 * PATH. `refresh` rewrites the file on every host with sessions of the repo
 * before the token expires; git and gh read it at each use, so running
 * sessions pick the new token up.
 */
export class InstallationTokenCredentials implements AgentCredentials {
  private readonly tokenFor: TokenSource;
  private readonly refreshBeforeMs: number;
  private readonly now: () => number;
  private readonly tokens = new Map<string, Promise<HeldToken>>();
  /** `<host>\n<repo>` -> when the token last written there expires. */
  private readonly written = new Map<string, number>();
  private refreshing: Promise<RefreshResult> | undefined;

  constructor(options: InstallationTokenCredentialsOptions) {
    this.tokenFor = options.tokenFor;
    this.refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
    this.now = options.now ?? Date.now;
  }

  async prepare(orch: Orchestrator, host: string, project: ProjectConfig): Promise<PreparedCredentials> {
    const files = await this.write(orch, host, project);
    return { env: agentEnv(files, project.url), credentialHelper: credentialHelperFor(files, project.url) };
  }

  /**
   * Rewrite the token on every host with sessions of its repo that are not
   * killed (a merged session's kill may still push its backup ref) when it
   * has less than `refreshBeforeMs` left, or was never written by this
   * process (after a restart), or always with `force`. Hosts that cannot be
   * reached are skipped; one host's failure does not stop the others. Two
   * calls at once share one run.
   */
  refresh(orch: Orchestrator, options: { snapshots?: readonly HostSnapshot[]; force?: boolean } = {}): Promise<RefreshResult> {
    this.refreshing ??= this.refreshOnce(orch, options).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Refresh every `intervalMs` (default 5 minutes) until stopped; failures are logged, never thrown. */
  startRefreshing(orch: Orchestrator, options: { intervalMs?: number } = {}): { stop(): void } {
    const timer = setInterval(() => {
      this.refresh(orch).then(
        (r) => {
          for (const f of r.failed) orch.log.warn({ host: f.host, repo: f.repo }, `refreshing the agents' installation token failed: ${f.error}`);
        },
        (error: unknown) => orch.log.warn(`refreshing the agents' installation tokens failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    }, options.intervalMs ?? 5 * 60_000);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  private async refreshOnce(orch: Orchestrator, options: { snapshots?: readonly HostSnapshot[]; force?: boolean }): Promise<RefreshResult> {
    const snapshots = options.snapshots ?? (await orch.snapshotAll());
    const targets = new Map<string, { host: string; project: ProjectConfig }>();
    for (const snapshot of snapshots) {
      if (!snapshot.reachable) continue;
      for (const { project: name, record } of snapshot.records) {
        if (record.status === 'killed') continue;
        const project = orch.config.projects.find((p) => p.name === name);
        if (project) targets.set(hostRepoKey(snapshot.host, project.repo), { host: snapshot.host, project });
      }
    }
    const result: RefreshResult = { written: [], failed: [], fresh: 0 };
    await Promise.all(
      [...targets].map(async ([key, { host, project }]) => {
        const expiresAtMs = this.written.get(key);
        if (!options.force && expiresAtMs !== undefined && expiresAtMs - this.now() > this.refreshBeforeMs) {
          result.fresh++;
          return;
        }
        try {
          await this.write(orch, host, project);
          result.written.push({ host, repo: project.repo, expiresAt: new Date(this.written.get(key)!).toISOString() });
        } catch (error) {
          result.failed.push({ host, repo: project.repo, error: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
    return result;
  }

  private async write(orch: Orchestrator, host: string, project: ProjectConfig): Promise<TokenFiles> {
    const paths = await orch.paths(host);
    const files: TokenFiles = { tokenFile: paths.tokenFile(project.repo), helper: paths.credentialHelper(), bin: paths.agentBin() };
    const held = await this.current(project.repo);
    await installToken(orch.pool.host(host), files, held.token);
    this.written.set(hostRepoKey(host, project.repo), held.expiresAtMs);
    orch.log.debug({ host, repo: project.repo, expiresAt: new Date(held.expiresAtMs).toISOString() }, "wrote the agents' installation token");
    return files;
  }

  /** The repo's token, minted again when it has less than `refreshBeforeMs` left; one mint at a time per repo. */
  private current(repo: string): Promise<HeldToken> {
    const cached = this.tokens.get(repo);
    const next = (async () => {
      const held = await cached?.catch(() => undefined);
      if (held && held.expiresAtMs - this.now() > this.refreshBeforeMs) return held;
      const minted = await this.mint(repo, false);
      return minted.expiresAtMs - this.now() > this.refreshBeforeMs ? minted : this.mint(repo, true);
    })();
    this.tokens.set(repo, next);
    return next;
  }

  private async mint(repo: string, fresh: boolean): Promise<HeldToken> {
    const [owner, name] = repo.split('/') as [string, string];
    const { token, expiresAt } = await this.tokenFor({ owner, repo: name }, { fresh });
    const expiresAtMs = Date.parse(expiresAt);
    if (typeof token !== 'string' || token === '' || !Number.isFinite(expiresAtMs)) {
      throw new AoError('failed', `the installation token for ${repo} came without a token or a valid expiry time (expiresAt ${JSON.stringify(expiresAt)})`);
    }
    return { token, expiresAtMs };
  }
}

function hostRepoKey(host: string, repo: string): string {
  return `${host}\n${repo}`;
}

/**
 * The session's environment: the gh shim first on its PATH and the file it
 * reads; git never prompts on the agent's terminal (a stale token fails the
 * command instead of hanging the agent); gh is pointed at a GitHub
 * Enterprise Server host when the clone URL is on one.
 */
export function agentEnv(files: TokenFiles, url: string): Record<string, string> {
  const env: Record<string, string> = { AO_PATH_PREFIX: files.bin, AO_GH_TOKEN_FILE: files.tokenFile, GIT_TERMINAL_PROMPT: '0' };
  const parsed = httpUrl(url);
  if (parsed?.protocol === 'https:' && parsed.hostname !== 'github.com') env.GH_HOST = parsed.host;
  return env;
}

/**
 * The helper as the mirror's config names it: a shell command (git runs a
 * `!` value through sh, adding get/store/erase), the token file its first
 * argument. Only for HTTP(S) clone URLs: an SSH URL authenticates with the
 * host's key. The URL becomes part of a config key given as `-c key=value`,
 * so it may hold no `=` and no whitespace.
 */
export function credentialHelperFor(files: TokenFiles, url: string): string | undefined {
  if (!httpUrl(url)) return undefined;
  if (/[=\s]/.test(url)) throw new AoError('config', `the clone URL ${JSON.stringify(url)} cannot carry a credential helper (it contains "=" or whitespace)`, 'use the repository clone URL GitHub gives (clone_url)');
  return `!${shellQuote(files.helper)} ${shellQuote(files.tokenFile)}`;
}

function httpUrl(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
