import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AppRuntime } from './runtime.js';

/**
 * The app's own pages beside Probot's webhook route: `/healthz`, and the
 * sessions as JSON (`/sessions`) and as a read-only page (`/sessions.html`).
 * They show no secrets (session views carry none). Bound to loopback they
 * are open; bound beyond it, the session pages need AO_SESSIONS_TOKEN (as a
 * bearer token or `?token=`) and are off without one.
 */

export interface RoutesOptions {
  /** The address the server listens on (Probot's HOST). */
  host: string;
  /** AO_SESSIONS_TOKEN. */
  token?: string;
}

export function isLoopback(host: string): boolean {
  return ['localhost', '127.0.0.1', '::1', '[::1]'].includes(host) || /^127\./.test(host);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function appRoutes(runtime: AppRuntime, options: RoutesOptions) {
  const open = isLoopback(options.host);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://app.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (url.pathname === '/healthz') {
      send(res, 200, 'application/json', JSON.stringify({ ok: true, queued: runtime.queue.size }));
      return true;
    }
    if (url.pathname !== '/sessions' && url.pathname !== '/sessions.html') return false;
    if (!open) {
      if (!options.token) {
        send(res, 404, 'text/plain; charset=utf-8', 'the sessions pages are off: the app listens beyond loopback and AO_SESSIONS_TOKEN is not set\n');
        return true;
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? url.searchParams.get('token') ?? '';
      if (!sameSecret(bearer, options.token)) {
        send(res, 401, 'text/plain; charset=utf-8', 'a valid AO_SESSIONS_TOKEN is needed (Authorization: Bearer <token>)\n');
        return true;
      }
    }
    const sessions = runtime.sessions();
    if (url.pathname === '/sessions') {
      send(res, 200, 'application/json', JSON.stringify({ sessions, stats: runtime.stats }, null, 2));
      return true;
    }
    const rows = sessions
      .map((s) => `<tr><td>${escapeHtml(s.id)}</td><td>${escapeHtml(s.repo)}${s.issue ? ` #${s.issue}` : ''}</td><td>${escapeHtml(s.status)}</td><td>${escapeHtml(s.activity ?? '')}</td><td>${s.prNumber && s.pr ? `<a href="${escapeHtml(s.pr)}">#${s.prNumber}</a>` : ''}</td><td>${escapeHtml(s.ci ?? '')}</td><td>${escapeHtml(s.review ?? '')}</td><td>${escapeHtml(s.host)}${s.hostReachable ? '' : ' (unreachable)'}</td><td>${escapeHtml(s.lastActivityAt ?? '')}</td></tr>`)
      .join('\n');
    send(
      res,
      200,
      'text/html; charset=utf-8',
      `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="15"><title>Agent Orchestrator sessions</title><style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .8rem;text-align:left}</style></head><body><h1>Sessions</h1><p>${sessions.length} session(s), as the app last saw them. Read-only.</p><table><tr><th>session</th><th>issue</th><th>status</th><th>activity</th><th>PR</th><th>CI</th><th>review</th><th>host</th><th>last activity</th></tr>\n${rows}\n</table></body></html>\n`,
    );
    return true;
  };
}
