import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { appRoutes, isLoopback } from '../../src/app/routes.js';
import type { AppRuntime } from '../../src/app/runtime.js';

const view = { id: 'web-1', repo: 'acme/web', issue: 3, status: 'pr_open', activity: 'idle', prNumber: 12, pr: 'https://github.com/acme/web/pull/12', ci: 'passing', review: 'none', host: 'runner1', hostReachable: true, lastActivityAt: null };
const runtime = { sessions: () => [view, { ...view, id: 'web-2', pr: 'javascript:alert(1)"><script>', status: '<b>x</b>' }], stats: { webhooks: 3 }, queue: { size: 0 } } as unknown as AppRuntime;

let server: Server | undefined;
afterEach(() => server?.close());

async function serve(options: { host: string; token?: string }): Promise<string> {
  const handle = appRoutes(runtime, options);
  server = createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(404).end('not ours');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as { port: number }).port}`;
}

describe('the app\'s own routes', () => {
  it('on loopback: health, the sessions as JSON and as a page, escaped', async () => {
    const url = await serve({ host: '127.0.0.1' });
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true, queued: 0 });
    const json = (await (await fetch(`${url}/sessions`)).json()) as { sessions: { id: string }[] };
    expect(json.sessions.map((s) => s.id)).toEqual(['web-1', 'web-2']);
    const page = await (await fetch(`${url}/sessions.html`)).text();
    expect(page).toContain('<td>web-1</td>');
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect((await fetch(`${url}/other`)).status).toBe(404);
  });

  it('beyond loopback: off without AO_SESSIONS_TOKEN, and only with the token when it is set', async () => {
    const off = await serve({ host: '0.0.0.0' });
    expect((await fetch(`${off}/healthz`)).status).toBe(200);
    const refused = await fetch(`${off}/sessions`);
    expect(refused.status).toBe(404);
    expect(await refused.text()).toMatch(/AO_SESSIONS_TOKEN is not set/);
    server!.close();
    const guarded = await serve({ host: '0.0.0.0', token: 's3cret-token' });
    expect((await fetch(`${guarded}/sessions`)).status).toBe(401);
    expect((await fetch(`${guarded}/sessions`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${guarded}/sessions`, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
    expect((await fetch(`${guarded}/sessions.html?token=s3cret-token`)).status).toBe(200);
  });

  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['0.0.0.0', false],
    ['10.0.0.5', false],
    ['app.example.com', false],
  ])('%s is loopback: %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
