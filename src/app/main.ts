import { ProbotOctokit, run } from 'probot';
import { throttleOptions } from '../github/client.js';
import { createLogger } from '../log.js';
import { appRuntime, createApp } from './index.js';

/**
 * `npm start`: the app as any Probot app starts, from Probot's environment
 * (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST,
 * LOG_LEVEL, WEBHOOK_PATH, GHE_HOST / GHE_PROTOCOL). Without APP_ID and a
 * key it serves Probot's setup page, which registers the app from app.yml.
 */

// GitHub's pacing advice (one write or GraphQL request per second per token) is kept unless a test or the sandbox turns it off.
const pacing = process.env.AO_GITHUB_PACING !== 'off';
// A function, not an object: Probot passes its own throttle options to every Octokit it makes, and an object default would be replaced whole.
const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({ ...options, throttle: { ...(options.throttle as object | undefined), enabled: pacing, ...throttleOptions() } }));
// Probot's LOG_LEVEL and LOG_FORMAT, through our logger: its redaction (keys, token-shaped text) covers everything the app and Probot log.
const log = createLogger(process.env.LOG_LEVEL ?? 'info', process.env.LOG_FORMAT === 'json' ? 'json' : process.env.LOG_FORMAT === 'pretty' ? 'pretty' : undefined);
const server = await run(createApp(), { Octokit, log });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    // Finish what was taken (a send half-way must not be cut), then close.
    void (async () => {
      await appRuntime()?.stop();
      await server.stop();
      process.exit(0);
    })();
  });
}
