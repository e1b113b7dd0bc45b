// The one place that makes an authenticated connection to GitHub.
//
// - The CLI and the Action follow GitHub Actions' conventions:
//   GITHUB_API_URL (default https://api.github.com), GITHUB_GRAPHQL_URL
//   (default derived: `<api>/graphql`, or `<host>/api/graphql` for a
//   GitHub Enterprise Server `<host>/api/v3`), a token from GITHUB_TOKEN,
//   else GH_TOKEN, else `gh auth token` when the GitHub CLI is installed and
//   logged in. Explicit options override the environment.
// - The app hands in an already-authenticated Octokit (Probot's
//   `context.octokit`, or `await probot.auth(installationId)`): installation
//   tokens and their refresh stay Probot's business.
//
// Both become a GitHubClient: REST with conditional requests (ETags: an
// unchanged answer costs no rate limit), GraphQL that returns partial data
// with per-field errors, rate limits recognised and typed, and our own
// Octokit with @octokit/plugin-throttling (pacing, short waits) and
// @octokit/plugin-retry (5xx). No token ever reaches a log line.

import { createHash } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { Logger } from 'pino';
import { createLogger } from '../log.js';
import { checkUrl, DEFAULT_API_URL, graphqlUrlFor, NO_TOKEN_REASON, resolveGitHubEndpoints, resolveGitHubToken, withoutTrailingSlash, type Env, type GitHubEndpoints, type TokenSource } from './env.js';
import { GitHubQueryError, GitHubRateLimited, isGraphqlRateLimit, rateLimitFromResponse, toGitHubError } from './errors.js';

export {
  DEFAULT_API_URL,
  ghHostFor,
  graphqlUrlFor,
  NO_TOKEN_REASON,
  resolveGitHubEndpoints,
  resolveGitHubToken,
  type GitHubEndpoints,
  type ResolvedToken,
  type TokenSource,
} from './env.js';

// ---- throttling ------------------------------------------------------------------------------

export interface ThrottlePolicy {
  /** Longest wait (seconds) worth taking before retrying a rate-limited request once; longer limits fail fast as GitHubRateLimited. */
  readonly maxWaitSec?: number;
  readonly log?: Logger;
}

type ThrottleHandler = (retryAfter: number, options: { method?: string; url?: string }, octokit: unknown, retryCount: number) => boolean;

/**
 * Options for @octokit/plugin-throttling: retry once when the wait is short,
 * otherwise give up at once so a cycle reports "rate limited" instead of
 * sleeping until the hourly reset. The app passes the same to Probot
 * (`ProbotOctokit.defaults({ throttle: throttleOptions() })`): Probot's own
 * default waits for the reset, up to an hour.
 */
export function throttleOptions(policy: ThrottlePolicy = {}): { onRateLimit: ThrottleHandler; onSecondaryRateLimit: ThrottleHandler } {
  const maxWait = policy.maxWaitSec ?? 10;
  const decide =
    (kind: string): ThrottleHandler =>
    (retryAfter, options, _octokit, retryCount) => {
      const retrying = retryCount < 1 && retryAfter <= maxWait;
      policy.log?.warn({ kind, method: options.method, route: options.url, retryAfterSec: retryAfter, retrying }, `GitHub ${kind} rate limit`);
      return retrying;
    };
  return { onRateLimit: decide('primary'), onSecondaryRateLimit: decide('secondary') };
}

// ---- the client --------------------------------------------------------------------------

/** What we need of an Octokit: `request` (Probot's `context.octokit` has it, as has ours). */
export type OctokitLike = Pick<Octokit, 'request'>;

export interface RestResponse<T> {
  readonly status: number;
  readonly data: T;
  readonly headers: Record<string, string | number | undefined>;
  /** Answered from the ETag cache after a 304 (free of rate limit). */
  readonly fromCache: boolean;
}

export interface GraphqlResult<T> {
  readonly data: T | null;
  /** Per-field errors (NOT_FOUND for one alias...) next to partial data. */
  readonly errors: readonly GraphqlFieldError[];
  readonly headers: Record<string, string | number | undefined>;
}

export interface GraphqlFieldError {
  readonly message: string;
  readonly type?: string;
  readonly path?: readonly (string | number)[];
}

interface CachedAnswer {
  readonly etag: string;
  readonly status: number;
  readonly data: unknown;
  readonly headers: Record<string, string | number | undefined>;
}

const ETAG_CACHE_ENTRIES = 2000;

export interface GitHubClientStats {
  /** HTTP requests sent (a 304 counts: it is a request, but free of rate limit). */
  requests: number;
  graphqlRequests: number;
  restRequests: number;
  notModified: number;
}

export class GitHubClient {
  readonly stats: GitHubClientStats = { requests: 0, graphqlRequests: 0, restRequests: 0, notModified: 0 };
  private readonly etags = new Map<string, CachedAnswer>();
  /** Last known rate-limit state per resource (`core`, `graphql`). */
  private readonly limits = new Map<string, { remaining: number; resetMs: number }>();

  constructor(
    private readonly octokit: OctokitLike,
    readonly apiUrl: string,
    readonly graphqlUrl: string,
    /** Where the credentials came from (never the credentials). */
    readonly authSource: TokenSource | 'octokit',
    readonly log: Logger,
    private readonly timeoutMs: number = 30_000,
  ) {}

  private noteLimits(headers: Record<string, string | number | undefined> | undefined, fallbackResource: string): void {
    if (!headers) return;
    const remaining = Number(headers['x-ratelimit-remaining']);
    const reset = Number(headers['x-ratelimit-reset']);
    if (!Number.isFinite(remaining) || !Number.isFinite(reset)) return;
    const resource = String(headers['x-ratelimit-resource'] ?? fallbackResource);
    this.limits.set(resource, { remaining, resetMs: reset * 1000 });
  }

  /**
   * Fails fast, without a request, while a resource is known to be spent
   * (the last answer said `remaining: 0` and the reset is ahead): an
   * Octokit with a patient throttle (Probot's default) would otherwise
   * sleep until the reset.
   */
  private preflight(resource: string, what: string): void {
    const known = this.limits.get(resource);
    if (!known || known.remaining > 0 || known.resetMs <= Date.now()) return;
    throw new GitHubRateLimited(`${what}: API rate limit exceeded (${resource}), resets at ${new Date(known.resetMs).toISOString()}`, {
      kind: 'primary',
      resetAt: new Date(known.resetMs),
      retryAfterSec: Math.ceil((known.resetMs - Date.now()) / 1000),
      resource,
    });
  }

  /**
   * A REST call (`'GET /repos/{owner}/{repo}'`, params). GETs are
   * conditional: the last answer's ETag goes along, and a 304 is answered
   * from the cache. Throws typed errors (see errors.ts), naming `what`.
   */
  async rest<T = unknown>(route: string, params: Record<string, unknown> = {}, what: string = route): Promise<RestResponse<T>> {
    this.preflight('core', what);
    const request = this.octokit.request as unknown as ((route: string, params: Record<string, unknown>) => Promise<{ status: number; data: unknown; headers: Record<string, string | number | undefined> }>) & {
      endpoint: (route: string, params: Record<string, unknown>) => { method: string; url: string };
    };
    const endpoint = request.endpoint(route, params);
    const key = endpoint.method === 'GET' ? `${endpoint.url}` : undefined;
    const cached = key ? this.etags.get(key) : undefined;
    const headers = { ...((params.headers as Record<string, string> | undefined) ?? {}), ...(cached ? { 'if-none-match': cached.etag } : {}) };
    this.stats.requests++;
    this.stats.restRequests++;
    try {
      const response = await request(route, { ...params, headers, request: { ...((params.request as object | undefined) ?? {}), signal: AbortSignal.timeout(this.timeoutMs) } });
      this.noteLimits(response.headers, 'core');
      const etag = response.headers.etag;
      if (key && typeof etag === 'string' && response.status === 200) {
        this.etags.delete(key);
        this.etags.set(key, { etag, status: response.status, data: response.data, headers: response.headers });
        if (this.etags.size > ETAG_CACHE_ENTRIES) this.etags.delete(this.etags.keys().next().value!);
      }
      return { status: response.status, data: response.data as T, headers: response.headers, fromCache: false };
    } catch (error) {
      const status = (error as { status?: number }).status;
      const responseHeaders = (error as { response?: { headers?: Record<string, string | number | undefined> } }).response?.headers;
      this.noteLimits(responseHeaders, 'core');
      if (status === 304 && cached && key) {
        this.stats.notModified++;
        this.etags.delete(key);
        this.etags.set(key, cached);
        return { status: cached.status, data: cached.data as T, headers: cached.headers, fromCache: true };
      }
      throw toGitHubError(error, what);
    }
  }

  /**
   * A GraphQL query. Returns data with per-field errors (an alias that hit
   * NOT_FOUND leaves the others intact). Throws GitHubRateLimited (RATE_LIMITED,
   * or 403/429), GitHubQueryError (no data at all: the query itself was
   * rejected), and the other typed errors for HTTP failures.
   */
  async graphql<T>(query: string, variables: Record<string, unknown> = {}, what: string = 'GitHub GraphQL query'): Promise<GraphqlResult<T>> {
    this.preflight('graphql', what);
    this.stats.requests++;
    this.stats.graphqlRequests++;
    let response: { status: number; data: unknown; headers: Record<string, string | number | undefined> };
    const started = Date.now();
    try {
      response = (await this.octokit.request({
        method: 'POST',
        url: this.graphqlUrl,
        query,
        variables,
        request: { signal: AbortSignal.timeout(this.timeoutMs) },
      } as never)) as typeof response;
    } catch (error) {
      this.noteLimits((error as { response?: { headers?: Record<string, string | number | undefined> } }).response?.headers, 'graphql');
      throw toGitHubError(error, what);
    }
    this.noteLimits(response.headers, 'graphql');
    this.log.debug({ ms: Date.now() - started, status: response.status }, what);
    const body = (response.data ?? {}) as { data?: T | null; errors?: GraphqlFieldError[] };
    const errors = Array.isArray(body.errors) ? body.errors : [];
    if (isGraphqlRateLimit(errors)) {
      const limited = rateLimitFromResponse(response.status, response.headers, `${what}: ${errors[0]?.message ?? 'API rate limit exceeded'}`, errors);
      if (limited) {
        // GitHub answers a spent GraphQL budget with 200 and RATE_LIMITED; remember it like a header would say.
        if (limited.resetAt) this.limits.set('graphql', { remaining: 0, resetMs: limited.resetAt.getTime() });
        throw limited;
      }
    }
    if (body.data === undefined || body.data === null) {
      if (errors.length > 0) throw new GitHubQueryError(`${what}: ${errors.map((e) => e.message).join('; ')}`, { status: response.status, requestId: response.headers['x-github-request-id'] as string | undefined });
    }
    return { data: body.data ?? null, errors, headers: response.headers };
  }
}

// ---- construction ----------------------------------------------------------------------------

export interface GitHubClientOptions extends ThrottlePolicy {
  readonly apiUrl?: string;
  readonly graphqlUrl?: string;
  readonly token?: string;
  /** Defaults to process.env. */
  readonly env?: Env;
  /** The GitHub CLI to ask for a token (default `gh`); false: never. */
  readonly gh?: string | false;
  readonly userAgent?: string;
  /** Retries of 5xx answers by @octokit/plugin-retry (default 3). */
  readonly retries?: number;
  /**
   * false turns off @octokit/plugin-throttling's pacing (one write or
   * GraphQL request per second per token, GitHub's advice against
   * secondary limits). Rate limits are still recognised and typed. For
   * tests and benchmarks against the simulator.
   */
  readonly throttle?: boolean;
  readonly timeoutMs?: number;
}

export type GitHubClientResult = { readonly client: GitHubClient; readonly reason?: undefined } | { readonly client: undefined; readonly reason: string };

const ThrottledOctokit = Octokit.plugin(throttling, retry);

/** Octokit's own logging (every request, every 404 as an error) goes to debug; we report what matters ourselves. */
function octokitLog(log: Logger) {
  return {
    debug: (message: string, extra?: unknown) => log.debug({ octokit: extra }, message),
    info: (message: string) => log.debug(message),
    warn: (message: string) => log.warn(message),
    error: (message: string) => log.debug(message),
  };
}

/**
 * A client from the environment and options, or `{ client: undefined,
 * reason }` when there is no token (the CLI prints `reason` once on stderr
 * and goes on without GitHub columns). Throws only on a malformed URL.
 */
export async function createGitHubClient(options: GitHubClientOptions = {}): Promise<GitHubClientResult> {
  const env = options.env ?? process.env;
  const log = (options.log ?? createLogger()).child({ component: 'github' });
  const { apiUrl, graphqlUrl } = resolveGitHubEndpoints(env, options);
  const resolved = await resolveGitHubToken({ env, token: options.token, gh: options.gh, apiUrl });
  if (!resolved) return { client: undefined, reason: NO_TOKEN_REASON };
  log.debug({ apiUrl, graphqlUrl, tokenSource: resolved.source }, 'GitHub client');
  const octokit = new ThrottledOctokit({
    auth: resolved.token,
    baseUrl: apiUrl,
    userAgent: options.userAgent ?? 'agent-orchestrator',
    log: octokitLog(log),
    // 4xx answers are GitHub's decision, not a hiccup: only 5xx are retried (rate limits are the throttling's).
    retry: { retries: options.retries ?? 3, doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 429, 451] },
    throttle: {
      enabled: options.throttle !== false,
      // Pacing is per credential, not per process.
      id: `ao-${createHash('sha256').update(resolved.token).digest('hex').slice(0, 12)}`,
      ...throttleOptions({ maxWaitSec: options.maxWaitSec, log }),
    },
  });
  return { client: new GitHubClient(octokit, apiUrl, graphqlUrl, resolved.source, log, options.timeoutMs) };
}

/**
 * A client over an Octokit that is already authenticated (Probot's
 * `context.octokit`, an installation's). Its base URL decides the API; the
 * GraphQL URL is derived from it unless given.
 */
export function gitHubClientFromOctokit(octokit: OctokitLike, options: { graphqlUrl?: string; log?: Logger; timeoutMs?: number } = {}): GitHubClient {
  const defaults = (octokit.request as unknown as { endpoint?: { DEFAULTS?: { baseUrl?: string } } }).endpoint?.DEFAULTS;
  const apiUrl = withoutTrailingSlash(defaults?.baseUrl ?? DEFAULT_API_URL);
  const log = (options.log ?? createLogger()).child({ component: 'github' });
  return new GitHubClient(octokit, apiUrl, options.graphqlUrl ? checkUrl('graphqlUrl', options.graphqlUrl) : graphqlUrlFor(apiUrl), 'octokit', log, options.timeoutMs);
}
