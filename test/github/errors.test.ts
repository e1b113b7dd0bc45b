// How Octokit's failures become typed errors, including the shapes the
// simulator does not produce (secondary limits, 429, 5xx, network errors):
// built with Octokit's own error classes, as Octokit throws them.

import { GraphqlResponseError } from '@octokit/graphql';
import { RequestError } from '@octokit/request-error';
import { describe, expect, it } from 'vitest';
import {
  GitHubAuthError,
  GitHubError,
  GitHubForbidden,
  GitHubNotFound,
  GitHubQueryError,
  GitHubRateLimited,
  GitHubUnavailable,
  GitHubValidationFailed,
  toGitHubError,
} from '../../src/github/errors.js';
import { choosePullRequest } from '../../src/github/scm.js';

const request = { method: 'GET' as const, url: 'https://api.github.com/repos/acme/web', headers: { authorization: 'token [REDACTED]' } };
const inAnHour = Math.floor(Date.now() / 1000) + 3600;

function requestError(status: number, message: string, headers: Record<string, string> = {}, data: unknown = { message }) {
  return new RequestError(message, status, { request, response: { status, url: request.url, headers, data } });
}

describe('toGitHubError', () => {
  it.each<[string, unknown, new (...args: never[]) => GitHubError, Record<string, unknown>]>([
    ['403 with no budget left: primary limit', requestError(403, 'API rate limit exceeded for user ID 1.', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(inAnHour), 'x-ratelimit-resource': 'core' }), GitHubRateLimited, { kind: 'primary', resource: 'core', status: 403 }],
    ['429 with no budget left: primary limit', requestError(429, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(inAnHour) }), GitHubRateLimited, { kind: 'primary' }],
    ['403 "secondary rate limit" with retry-after', requestError(403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', { 'retry-after': '60', 'x-ratelimit-remaining': '4000' }), GitHubRateLimited, { kind: 'secondary', retryAfterSec: 60 }],
    ['429 with retry-after and budget left: secondary', requestError(429, 'Too Many Requests', { 'retry-after': '30', 'x-ratelimit-remaining': '10' }), GitHubRateLimited, { kind: 'secondary', retryAfterSec: 30 }],
    ['secondary limit without retry-after waits a minute', requestError(403, 'You have exceeded a secondary rate limit.'), GitHubRateLimited, { kind: 'secondary', retryAfterSec: 60 }],
    ['403 otherwise: not allowed', requestError(403, 'Resource not accessible by integration', { 'x-ratelimit-remaining': '4999' }), GitHubForbidden, { status: 403 }],
    ['401: credentials', requestError(401, 'Bad credentials'), GitHubAuthError, { status: 401 }],
    ['404', requestError(404, 'Not Found'), GitHubNotFound, { status: 404 }],
    ['422', requestError(422, 'Validation Failed'), GitHubValidationFailed, { status: 422 }],
    ['502 after retries', requestError(502, 'Bad Gateway', {}, 'upstream error'), GitHubUnavailable, { status: 502 }],
    ['a network failure', new TypeError('fetch failed'), GitHubUnavailable, { status: undefined }],
    ['GraphQL RATE_LIMITED', new GraphqlResponseError({ method: 'POST', url: '/graphql' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(inAnHour) } as never, { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }] } as never), GitHubRateLimited, { kind: 'primary' }],
    ['GraphQL NOT_FOUND', new GraphqlResponseError({ method: 'POST', url: '/graphql' }, {} as never, { data: { repository: null }, errors: [{ type: 'NOT_FOUND', message: "Could not resolve to a Repository with the name 'acme/x'." }] } as never), GitHubNotFound, {}],
    ['GraphQL schema error', new GraphqlResponseError({ method: 'POST', url: '/graphql' }, {} as never, { errors: [{ message: "Field 'x' doesn't exist on type 'Query'" }] } as never), GitHubQueryError, {}],
  ])('%s', (_name, error, type, fields) => {
    const mapped = toGitHubError(error, 'get repo acme/web');
    expect(mapped).toBeInstanceOf(type);
    expect(mapped).toMatchObject(fields);
    expect(mapped.message.startsWith('get repo acme/web: ')).toBe(true);
    expect(mapped.cause).toBe(error);
  });

  it('gives the reset time of a primary limit and keeps GitHub\'s words', () => {
    const mapped = toGitHubError(requestError(403, 'API rate limit exceeded for user ID 1.', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(inAnHour), 'x-github-request-id': 'ABC:123' }), 'list issues') as GitHubRateLimited;
    expect(mapped.resetAt?.getTime()).toBe(inAnHour * 1000);
    expect(mapped.retryAfterSec).toBeGreaterThan(3500);
    expect(mapped).toMatchObject({ message: 'list issues: 403 API rate limit exceeded for user ID 1.', requestId: 'ABC:123' });
  });

  it('passes a GitHubError through unchanged', () => {
    const original = new GitHubNotFound('x');
    expect(toGitHubError(original, 'y')).toBe(original);
  });
});

describe('choosePullRequest', () => {
  const pr = (number: number, isCrossRepository: boolean) => ({ number, isCrossRepository }) as never;

  it.each<[string, unknown, { prNumber?: number }, { pr?: number; rejected?: RegExp }]>([
    ['no PR for the branch', { nodes: [] }, {}, {}],
    ['the newest PR of the branch', { nodes: [pr(7, false)] }, {}, { pr: 7 }],
    ['a PR read by number', pr(9, false), { prNumber: 9 }, { pr: 9 }],
    ['a missing PR number (NOT_FOUND gives null)', null, { prNumber: 9 }, {}],
    ['a fork\'s PR with the session\'s branch name is never the session\'s', { nodes: [pr(8, true)] }, {}, { rejected: /newest PR with head branch ao\/web-1 \(#8\) comes from a fork/ }],
    ['a claimed PR from a fork', pr(10, true), { prNumber: 10 }, { rejected: /PR #10 comes from a fork/ }],
  ])('%s', (_name, raw, session, expected) => {
    const chosen = choosePullRequest(raw, { branch: 'ao/web-1', ...session });
    expect(chosen.pr?.number).toBe(expected.pr);
    if (expected.rejected) expect(chosen.rejected).toMatch(expected.rejected);
    else expect(chosen.rejected).toBeUndefined();
  });
});
