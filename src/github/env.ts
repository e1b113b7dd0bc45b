// Where GitHub is and which token to use, by GitHub Actions' conventions:
// GITHUB_API_URL (default https://api.github.com), GITHUB_GRAPHQL_URL
// (default derived from it), a token from GITHUB_TOKEN, else GH_TOKEN, else
// `gh auth token`. Kept apart from the client so a command can learn that
// there is no token without loading Octokit.

import { execFile } from 'node:child_process';

export const DEFAULT_API_URL = 'https://api.github.com';

export type Env = Readonly<Record<string, string | undefined>>;

export interface GitHubEndpoints {
  readonly apiUrl: string;
  readonly graphqlUrl: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function checkUrl(name: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${name} is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`${name} must be an http(s) URL: ${url}`);
  if (parsed.username || parsed.password) throw new Error(`${name} must not carry credentials; use a token`);
  return withoutTrailingSlash(url);
}

/** The GraphQL endpoint GitHub serves next to a REST base URL (what @octokit/graphql derives too). */
export function graphqlUrlFor(apiUrl: string): string {
  const base = withoutTrailingSlash(apiUrl);
  return /\/api\/v3$/.test(base) ? base.replace(/\/api\/v3$/, '/api/graphql') : `${base}/graphql`;
}

/**
 * Where the REST and GraphQL APIs are. An explicit `apiUrl` without an
 * explicit `graphqlUrl` derives the GraphQL URL from it (an unrelated
 * GITHUB_GRAPHQL_URL in the environment would point at another server).
 * Throws on a value that is not an http(s) URL.
 */
export function resolveGitHubEndpoints(env: Env = process.env, overrides: { apiUrl?: string; graphqlUrl?: string } = {}): GitHubEndpoints {
  const explicitApi = nonEmpty(overrides.apiUrl);
  const apiUrl = checkUrl(explicitApi ? 'apiUrl' : 'GITHUB_API_URL', explicitApi ?? nonEmpty(env.GITHUB_API_URL) ?? DEFAULT_API_URL);
  const explicitGraphql = nonEmpty(overrides.graphqlUrl);
  const graphqlSource = explicitGraphql ?? (explicitApi ? undefined : nonEmpty(env.GITHUB_GRAPHQL_URL));
  const graphqlUrl = graphqlSource ? checkUrl(explicitGraphql ? 'graphqlUrl' : 'GITHUB_GRAPHQL_URL', graphqlSource) : graphqlUrlFor(apiUrl);
  return { apiUrl, graphqlUrl };
}

/** The host `gh` knows the API by: github.com for api.github.com, <tenant>.ghe.com for GHE.com, else the API's host (and port). */
export function ghHostFor(apiUrl: string): string {
  const host = new URL(apiUrl).host;
  if (host === 'api.github.com') return 'github.com';
  // GHE.com (data residency): the API is api.<tenant>.ghe.com, gh calls the host <tenant>.ghe.com.
  if (/^api\.[^.]+\.ghe\.com$/.test(host)) return host.slice('api.'.length);
  return host;
}

export type TokenSource = 'option' | 'GITHUB_TOKEN' | 'GH_TOKEN' | 'gh';

export interface ResolvedToken {
  readonly token: string;
  readonly source: TokenSource;
}

export const NO_TOKEN_REASON = 'GitHub columns need a token: set GITHUB_TOKEN (or GH_TOKEN), or log in with `gh auth login`';

/** `gh auth token` for the host, or undefined when gh is missing, logged out or slow. */
function ghToken(command: string, host: string, env: Env): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, ['auth', 'token', '--hostname', host], { env: { ...env } as NodeJS.ProcessEnv, timeout: 5000, encoding: 'utf8' }, (error, stdout) => {
      const token = String(stdout ?? '').trim();
      resolve(error || !token || /\s/.test(token) ? undefined : token);
    });
  });
}

/**
 * The token, in order: `token` (explicit), GITHUB_TOKEN, GH_TOKEN, then
 * `gh auth token --hostname <host of apiUrl>` (skipped with `gh: false`).
 */
export async function resolveGitHubToken(options: { env?: Env; token?: string; gh?: string | false; apiUrl?: string } = {}): Promise<ResolvedToken | undefined> {
  const env = options.env ?? process.env;
  const explicit = nonEmpty(options.token);
  if (explicit) return { token: explicit, source: 'option' };
  const fromEnv = nonEmpty(env.GITHUB_TOKEN);
  if (fromEnv) return { token: fromEnv, source: 'GITHUB_TOKEN' };
  const fromGh = nonEmpty(env.GH_TOKEN);
  if (fromGh) return { token: fromGh, source: 'GH_TOKEN' };
  if (options.gh === false) return undefined;
  const token = await ghToken(options.gh ?? 'gh', ghHostFor(options.apiUrl ?? DEFAULT_API_URL), env);
  return token ? { token, source: 'gh' } : undefined;
}

