// Typed failures of the GitHub access layer. Every method of GitHubPort says
// which of these it throws; callers branch on the class, never on a message
// or an HTTP status. `toGitHubError` is the one place that reads Octokit's
// errors (RequestError, GraphqlResponseError, the throttling plugin's
// "GraphQL Rate Limit Exceeded") and network failures.
//
// Messages carry GitHub's own wording and the operation, never a token:
// Octokit already redacts the authorization header in `error.request`, and
// nothing here copies request headers or URLs with credentials.

export interface GitHubErrorDetails {
  /** HTTP status, when GitHub answered. */
  readonly status?: number;
  /** GitHub's `x-github-request-id`, for support requests. */
  readonly requestId?: string;
  readonly documentationUrl?: string;
  readonly cause?: unknown;
}

/** Base class: anything that went wrong talking to GitHub. */
export class GitHubError extends Error {
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly documentationUrl: string | undefined;

  constructor(message: string, details: GitHubErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.requestId = details.requestId;
    this.documentationUrl = details.documentationUrl;
  }
}

/**
 * A rate limit: primary (the hourly budget is spent: 403/429 with
 * `x-ratelimit-remaining: 0`, or GraphQL's RATE_LIMITED) or secondary (too
 * many requests too fast: "secondary rate limit", `retry-after`). Nothing was
 * learnt: keep the last evidence, try again after `resetAt`/`retryAfterSec`.
 */
export class GitHubRateLimited extends GitHubError {
  readonly kind: 'primary' | 'secondary';
  /** When the primary budget refills (from `x-ratelimit-reset`). */
  readonly resetAt: Date | undefined;
  /** Seconds to wait (from `retry-after`, or until `resetAt`). */
  readonly retryAfterSec: number | undefined;
  /** `core`, `graphql`, ... (from `x-ratelimit-resource`). */
  readonly resource: string | undefined;

  constructor(message: string, details: GitHubErrorDetails & { kind: 'primary' | 'secondary'; resetAt?: Date; retryAfterSec?: number; resource?: string }) {
    super(message, details);
    this.kind = details.kind;
    this.resetAt = details.resetAt;
    this.retryAfterSec = details.retryAfterSec;
    this.resource = details.resource;
  }
}

/** 401: the credentials are missing, wrong or expired (installation tokens last an hour). */
export class GitHubAuthError extends GitHubError {}

/** 403 that is not a rate limit: the token may not do this (missing app permission or role). */
export class GitHubForbidden extends GitHubError {}

/** 404 (REST) or NOT_FOUND (GraphQL): no such repo, issue, PR or comment, or it is invisible to this token. */
export class GitHubNotFound extends GitHubError {}

/** 422: GitHub understood the request and rejected its content. */
export class GitHubValidationFailed extends GitHubError {}

/** 5xx, timeouts, connection errors: GitHub could not be asked. Retries were already made. */
export class GitHubUnavailable extends GitHubError {}

/** A GraphQL query GitHub rejected as a whole (schema or argument errors): a bug on our side. */
export class GitHubQueryError extends GitHubError {}

type Headers = Record<string, string | number | undefined>;

interface OctokitLikeError {
  status?: number;
  message?: string;
  response?: { status?: number; headers?: Headers; data?: unknown };
  errors?: { type?: string; message?: string }[];
  headers?: Headers;
  code?: string;
}

function header(headers: Headers | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return value === undefined ? undefined : String(value);
}

function githubMessage(data: unknown): string | undefined {
  if (data && typeof data === 'object' && 'message' in data && typeof (data as { message: unknown }).message === 'string') return (data as { message: string }).message;
  return undefined;
}

function graphqlErrors(data: unknown): { type?: string; message?: string }[] {
  if (data && typeof data === 'object' && Array.isArray((data as { errors?: unknown }).errors)) return (data as { errors: { type?: string; message?: string }[] }).errors;
  return [];
}

/** GraphQL error types GitHub uses for the primary limit (RATE_LIMITED; RATE_LIMIT has been seen too). */
export function isGraphqlRateLimit(errors: readonly { type?: string }[] | undefined): boolean {
  return (errors ?? []).some((e) => e.type === 'RATE_LIMITED' || e.type === 'RATE_LIMIT');
}

/** A rate-limit error from response headers, or undefined when the response is not a rate limit. */
export function rateLimitFromResponse(status: number, headers: Headers | undefined, message: string, graphqlErrorList?: readonly { type?: string }[], cause?: unknown): GitHubRateLimited | undefined {
  const remaining = header(headers, 'x-ratelimit-remaining');
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  const retryAfter = Number(header(headers, 'retry-after'));
  const resetAt = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
  const requestId = header(headers, 'x-github-request-id');
  const resource = header(headers, 'x-ratelimit-resource');
  const secondary = /secondary rate limit/i.test(message) || ((status === 403 || status === 429) && Number.isFinite(retryAfter) && retryAfter > 0 && remaining !== '0');
  if (secondary) {
    return new GitHubRateLimited(message, { status, requestId, cause, kind: 'secondary', retryAfterSec: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 60, resetAt, resource });
  }
  if (((status === 403 || status === 429) && remaining === '0') || isGraphqlRateLimit(graphqlErrorList) || (status === 429)) {
    const wait = resetAt ? Math.max(Math.ceil((resetAt.getTime() - Date.now()) / 1000), 0) : Number.isFinite(retryAfter) ? retryAfter : undefined;
    return new GitHubRateLimited(message, { status, requestId, cause, kind: 'primary', resetAt, retryAfterSec: wait, resource });
  }
  return undefined;
}

/**
 * Turns whatever Octokit or fetch threw into a GitHubError. `what` names the
 * operation ("get issue acme/web#12") and starts the message.
 */
export function toGitHubError(error: unknown, what: string): GitHubError {
  if (error instanceof GitHubError) return error;
  const e = (error ?? {}) as OctokitLikeError;
  const response = e.response;
  const status = typeof e.status === 'number' ? e.status : typeof response?.status === 'number' ? response.status : undefined;
  const headers = response?.headers ?? e.headers;
  const data = response?.data;
  const gqlErrors = e.errors ?? graphqlErrors(data);
  const requestId = header(headers, 'x-github-request-id');
  const documentationUrl = data && typeof data === 'object' ? ((data as { documentation_url?: string }).documentation_url ?? undefined) : undefined;
  const upstream = githubMessage(data) ?? gqlErrors[0]?.message ?? (error instanceof Error ? error.message : String(error));
  const message = `${what}: ${status ? `${status} ` : ''}${upstream}`;
  const details = { status, requestId, documentationUrl, cause: error };

  const limited = rateLimitFromResponse(status ?? 200, headers, message, gqlErrors, error);
  if (limited && (status === 403 || status === 429 || isGraphqlRateLimit(gqlErrors))) return limited;
  if (status === 401) return new GitHubAuthError(message, details);
  if (status === 403) return new GitHubForbidden(message, details);
  if (status === 404 || gqlErrors.some((g) => g.type === 'NOT_FOUND')) return new GitHubNotFound(message, details);
  if (status === 422) return new GitHubValidationFailed(message, details);
  if (status !== undefined && status >= 500) return new GitHubUnavailable(message, details);
  if (gqlErrors.length > 0) return new GitHubQueryError(message, details);
  if (status === undefined) return new GitHubUnavailable(message, details); // network, DNS, timeout
  return new GitHubError(message, details);
}
