import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/app-process.js';
import { waitFor } from '../support/rig.js';

describe('npm start without credentials', () => {
  it("serves Probot's setup page, which registers the app from app.yml", async () => {
    const port = await freePort();
    const { APP_ID: _a, PRIVATE_KEY: _k, PRIVATE_KEY_PATH: _p, WEBHOOK_SECRET: _w, NODE_ENV: _n, ...env } = process.env;
    // From the checkout, where app.yml is; NO_SMEE_SETUP: Probot would otherwise fetch a webhook proxy channel from the internet.
    const child = spawn('npm', ['start', '--silent'], { cwd: path.join(import.meta.dirname, '../..'), env: { ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NO_SMEE_SETUP: 'true' }, detached: true, stdio: 'ignore' });
    try {
      const page = await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/probot`).catch(() => undefined);
        return res?.ok ? res.text() : undefined;
      }, 60_000, 'the setup page');
      expect(page).toContain('Register GitHub App');
      // The manifest it posts to GitHub is ours.
      const manifest = JSON.parse(/name="manifest"[^>]*value='([^']*)'/.exec(page)?.[1] ?? '{}') as { name?: string; default_permissions?: Record<string, string>; default_events?: string[] };
      expect(manifest).toMatchObject({ name: 'Agent Orchestrator', default_permissions: { issues: 'write', checks: 'write', contents: 'write' } });
      expect(manifest.default_events).toEqual(expect.arrayContaining(['issues', 'issue_comment', 'pull_request', 'check_run', 'pull_request_review']));
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
});
