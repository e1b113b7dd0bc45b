// The HTTP face of the simulator: authentication, rate limits, routing by
// GitHub's path templates, pagination, ETags and 304s, error shapes, and the
// request recorder. Route logic lives in rest.ts and graphql.ts.

import { createHash, randomUUID } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { isFailure, type AuthRegistry, type Identity } from './auth.js';
import { ApiError } from './errors.js';
import { executeGraphql } from './graphql.js';
import type { RouteRecorder } from './recorder.js';
import { RouteContext, restRoutes, type Handler, type RouteResult } from './rest.js';
import { TemplateTable } from './route-match.js';
import type { World } from './world.js';

type Resource = 'core' | 'graphql';

interface Bucket {
  limit: number;
  used: number;
  reset: number;
}

/** Per-caller rate limits with GitHub's numbers (5000/h authenticated, 60/h anonymous). */
export class RateLimits {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number) {}

  bucket(key: string, resource: Resource, anonymous: boolean): Bucket {
    const id = `${resource}:${key}`;
    let bucket = this.buckets.get(id);
    const nowSeconds = Math.floor(this.now() / 1000);
    if (!bucket || bucket.reset <= nowSeconds) {
      const limit = anonymous ? 60 : 5000;
      const used = this.remainingForNew === undefined ? 0 : Math.max(limit - this.remainingForNew, 0);
      bucket = { limit, used, reset: nowSeconds + 3600 };
      this.buckets.set(id, bucket);
    }
    return bucket;
  }

  /** Sets every caller's remaining requests (e.g. 0 to test rate-limit handling); undefined restores full limits. */
  setRemaining(remaining: number | undefined): void {
    this.remainingForNew = remaining;
    for (const bucket of this.buckets.values()) bucket.used = remaining === undefined ? 0 : Math.max(bucket.limit - remaining, 0);
  }

  private remainingForNew: number | undefined;

  headers(bucket: Bucket, resource: Resource): Record<string, string> {
    return {
      'x-ratelimit-limit': String(bucket.limit),
      'x-ratelimit-remaining': String(Math.max(bucket.limit - bucket.used, 0)),
      'x-ratelimit-reset': String(bucket.reset),
      'x-ratelimit-used': String(bucket.used),
      'x-ratelimit-resource': resource,
    };
  }
}

export interface HttpDeps {
  readonly world: World;
  readonly auth: AuthRegistry;
  readonly recorder: RouteRecorder;
  readonly rateLimits: RateLimits;
  readonly autoSyncRefs: boolean;
  /** Mounted before the API (the `/_sim` control routes). */
  readonly control: express.Router;
  /** Git smart HTTP (`/<owner>/<repo>.git/...`), mounted before body parsing: it streams. */
  readonly git?: express.RequestHandler;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** What the simulator says it is when asked the GitHub Enterprise Server way (under /api/v3, /api/graphql). */
export const GHES_VERSION = '3.14.0';

function headerValue(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function createHttpApp(deps: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag'); // ETags are computed here, the way GitHub sends them.
  app.set('query parser', 'simple');
  app.use('/_sim', express.json({ limit: '50mb' }), deps.control);
  if (deps.git) app.use(deps.git);

  const table = new TemplateTable<Map<string, Handler>>();
  const byTemplate = new Map<string, Map<string, Handler>>();
  for (const route of restRoutes()) {
    let methods = byTemplate.get(route.template);
    if (!methods) {
      methods = new Map();
      byTemplate.set(route.template, methods);
      table.add(route.template, methods);
    }
    methods.set(route.method, route.handler);
  }

  // GitHub takes JSON whatever the content type says.
  app.use(express.raw({ type: () => true, limit: '50mb' }));

  app.use(async (req: Request, res: Response) => {
    const started = new URL(req.originalUrl, `http://${req.headers.host ?? '127.0.0.1'}`);
    // GitHub Enterprise Server serves REST under /api/v3 and GraphQL at /api/graphql;
    // the simulator answers there as well as at the root (api.github.com's layout).
    const mount = started.pathname === '/api/v3' || started.pathname.startsWith('/api/v3/') ? '/api/v3' : started.pathname === '/api/graphql' ? '/api' : '';
    const path = started.pathname.slice(mount.length) || '/';
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const requestId = randomUUID().replace(/-/g, '').slice(0, 20).toUpperCase();
    const isGraphql = path === '/graphql' && mount !== '/api/v3';
    const resource: Resource = isGraphql ? 'graphql' : 'core';
    const baseHeaders: Record<string, string> = {
      'x-github-request-id': requestId,
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
      'access-control-expose-headers':
        'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset',
    };
    if (mount) baseHeaders['x-github-enterprise-version'] = GHES_VERSION;
    let simTemplate: string | undefined;
    let graphqlErrors: string[] | undefined;

    const finish = (result: RouteResult, extraHeaders: Record<string, string> = {}) => {
      const headers = { ...baseHeaders, ...extraHeaders, ...(result.headers ?? {}) };
      let status = result.status;
      let payload: Buffer | undefined;
      let contentType: string | undefined;
      if (result.body !== undefined && status !== 204) {
        if (result.rawContentType) {
          payload = Buffer.isBuffer(result.body) ? result.body : Buffer.from(String(result.body));
          contentType = result.rawContentType;
        } else {
          payload = Buffer.from(JSON.stringify(result.body));
          contentType = JSON_TYPE;
        }
      }
      if (payload && method === 'GET' && status === 200) {
        // Weak ETag over the body, varied by caller as GitHub's are.
        const etag = `W/"${createHash('sha256').update(payload).update(headerValue(req, 'authorization') ?? '').digest('hex').slice(0, 32)}"`;
        headers.etag = etag;
        const ifNoneMatch = headerValue(req, 'if-none-match');
        if (ifNoneMatch && ifNoneMatch.split(',').map((t) => t.trim()).includes(etag)) {
          status = 304;
          payload = undefined;
        }
      }
      res.status(status);
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      if (payload) {
        res.setHeader('content-type', contentType!);
        res.end(req.method === 'HEAD' ? undefined : payload);
      } else res.end();
      deps.recorder.record({
        method,
        path,
        ...(mount ? { mount } : {}),
        query: started.search.replace(/^\?/, ''),
        simTemplate,
        status,
        contentType,
        responseBody: status === 304 || !payload ? undefined : result.rawContentType ? payload.toString('utf8') : result.body,
        ...(graphqlErrors ? { graphqlErrors } : {}),
      });
      return status;
    };

    const fail = (error: unknown, extraHeaders: Record<string, string> = {}) => {
      if (error instanceof ApiError) return finish({ status: error.status, body: error.body() }, extraHeaders);
      const message = error instanceof Error ? error.message : String(error);
      return finish({ status: 500, body: { message: `GitHub simulator error: ${message}`, documentation_url: 'https://docs.github.com/rest' } }, extraHeaders);
    };

    let body: Record<string, unknown> = {};
    const raw = req.body as Buffer | undefined;
    if (raw && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        return fail(new ApiError(400, 'Problems parsing JSON'));
      }
    }

    const identityOrFailure = deps.auth.authenticate(headerValue(req, 'authorization'), req.socket.remoteAddress ?? 'local');
    if (isFailure(identityOrFailure)) return fail(new ApiError(identityOrFailure.status, identityOrFailure.message));
    const identity: Identity = identityOrFailure;

    const bucket = deps.rateLimits.bucket(identity.rateKey, resource, identity.kind === 'anonymous');
    const exempt = path === '/rate_limit';
    const who = identity.kind === 'installation' ? `installation ID ${identity.installationId}` : identity.kind === 'user' ? `user ID ${deps.world.state.account(identity.login)?.id ?? 0}` : `${req.socket.remoteAddress ?? 'local'}`;
    if (!exempt && bucket.used >= bucket.limit) {
      if (isGraphql && method === 'POST' && identity.kind !== 'anonymous' && identity.kind !== 'app') {
        // GraphQL answers a spent budget with HTTP 200 and a RATE_LIMITED error, no data.
        return finish({ status: 200, body: { errors: [{ type: 'RATE_LIMITED', message: `API rate limit exceeded for ${who}.` }] } }, deps.rateLimits.headers(bucket, resource));
      }
      return fail(new ApiError(403, `API rate limit exceeded for ${who}.`, undefined, 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api'), deps.rateLimits.headers(bucket, resource));
    }
    if (!exempt) bucket.used++;
    const rateHeaders = () => deps.rateLimits.headers(bucket, resource);
    const refundIfNotModified = (status: number) => {
      // Conditional requests answered with 304 do not count against the limit.
      if (status === 304 && !exempt) bucket.used--;
    };

    try {
      if (isGraphql) {
        if (method !== 'POST') return finish({ status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/graphql' } }, rateHeaders());
        if (identity.kind === 'anonymous') return fail(new ApiError(401, 'This endpoint requires you to be authenticated.', undefined, 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql'), rateHeaders());
        if (identity.kind === 'app') return fail(new ApiError(403, 'A JSON web token cannot be used to access the GraphQL API; use an installation token.'), rateHeaders());
        const rateState = () => ({ limit: bucket.limit, remaining: Math.max(bucket.limit - bucket.used, 0), used: bucket.used, resetAt: new Date(bucket.reset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
        const result = await executeGraphql(
          {
            world: deps.world,
            identity,
            // The request counted one point already; a costlier query is charged the rest, or refused when the points are not there.
            charge: (cost) => {
              if (bucket.used - 1 + cost > bucket.limit) return { rate: rateState(), exceeded: true, who };
              bucket.used += cost - 1;
              return { rate: rateState(), exceeded: false, who };
            },
          },
          body,
        );
        if (result.body.errors && result.body.data === undefined) graphqlErrors = result.body.errors.map((e) => String(e.message));
        return finish({ status: result.status, body: result.body }, rateHeaders());
      }

      if (path === '/rate_limit' && method === 'GET') {
        const core = deps.rateLimits.headers(deps.rateLimits.bucket(identity.rateKey, 'core', identity.kind === 'anonymous'), 'core');
        const gql = deps.rateLimits.headers(deps.rateLimits.bucket(identity.rateKey, 'graphql', identity.kind === 'anonymous'), 'graphql');
        const toJson = (h: Record<string, string>) => ({ limit: Number(h['x-ratelimit-limit']), remaining: Number(h['x-ratelimit-remaining']), reset: Number(h['x-ratelimit-reset']), used: Number(h['x-ratelimit-used']) });
        simTemplate = '/rate_limit';
        // Only core and graphql are metered here; the other resources GitHub lists are reported full.
        const full = { limit: 30, remaining: 30, reset: Number(core['x-ratelimit-reset']), used: 0 };
        const resources = { core: toJson(core), graphql: toJson(gql), search: full, code_search: { ...full, limit: 10, remaining: 10 }, integration_manifest: { ...full, limit: 5000, remaining: 5000 } };
        return finish({ status: 200, body: { resources, rate: toJson(core) } }, rateHeaders());
      }

      const match = table.match(path).find((candidate) => candidate.value.has(method));
      if (!match) return finish({ status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } }, rateHeaders());
      simTemplate = match.template;
      const query: Record<string, string> = {};
      for (const [key, value] of started.searchParams) query[key] = value;
      const headers: Record<string, string | undefined> = { accept: headerValue(req, 'accept') };
      const ctx = new RouteContext(deps.world, deps.auth, identity, match.params, query, body, headers, started, deps.autoSyncRefs);
      const result = await match.value.get(method)!(ctx);
      refundIfNotModified(finish(result, rateHeaders()));
    } catch (error) {
      fail(error, rateHeaders());
    }
  });

  return app;
}
