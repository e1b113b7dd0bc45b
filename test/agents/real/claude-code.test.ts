import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { claudeCode } from './agents.js';
import { describeRealAgent } from './suite.js';

describeRealAgent(claudeCode, {
  firstRun: [
    {
      // No ~/.claude.json: onboarding starts with the theme picker.
      label: 'theme',
      prepare: (layout) => {
        const env = claudeCode.prepare(layout);
        rmSync(path.join(layout.home, '.claude.json'));
        return env;
      },
      shows: /Choose the text style that looks best with your terminal/,
    },
    {
      // Onboarding done, but this worktree was never trusted.
      label: 'trust',
      prepare: (layout) => {
        const env = claudeCode.prepare(layout);
        writeFileSync(path.join(layout.home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true }));
        return env;
      },
      shows: /Yes, I trust this folder/,
    },
    {
      // A key in ANTHROPIC_API_KEY (instead of a bearer token) has to be approved once.
      label: 'api-key',
      prepare: (layout) => {
        const { ANTHROPIC_AUTH_TOKEN, ...env } = claudeCode.prepare(layout);
        return { ...env, ANTHROPIC_API_KEY: `${ANTHROPIC_AUTH_TOKEN}-as-api-key` };
      },
      shows: /Do you want to use this API key\?/,
    },
  ],
  permissionQuestion: /^Do you want to proceed\?$/m,
  askTool: true,
  error: { status: 400, message: 'Scripted invalid request', shows: /API Error: 400/ },
});
