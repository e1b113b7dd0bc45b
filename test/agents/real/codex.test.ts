import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { codex } from './agents.js';
import { describeRealAgent } from './suite.js';

describeRealAgent(codex, {
  firstRun: [
    {
      // No config.toml: no provider, so Codex wants a login.
      label: 'sign-in',
      prepare: (layout) => {
        const env = codex.prepare(layout);
        const empty = path.join(layout.home, 'empty-codex-home');
        mkdirSync(empty, { recursive: true });
        return { ...env, CODEX_HOME: empty };
      },
      shows: /Sign in with ChatGPT/,
    },
    {
      // The provider is configured but the worktree is not listed as trusted.
      label: 'trust',
      prepare: (layout) => {
        const env = codex.prepare(layout);
        const config = path.join(env.CODEX_HOME!, 'config.toml');
        writeFileSync(config, readFileSync(config, 'utf8').replace(/\[projects\.[^\]]*\]\ntrust_level = "trusted"\n/, ''));
        return env;
      },
      shows: /^\s*Trust this folder\?/,
    },
  ],
  permissionQuestion: /^Would you like to run the following command\?$/m,
  askTool: false,
  error: { status: 429, message: 'Rate limit reached for requests', shows: /429 Too Many Requests/ },
});
