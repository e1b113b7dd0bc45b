import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gemini } from './agents.js';
import { describeRealAgent } from './suite.js';

describeRealAgent(gemini, {
  firstRun: [
    {
      // No trustedFolders.json: the folder trust question comes first.
      label: 'trust',
      prepare: (layout) => {
        const env = gemini.prepare(layout);
        rmSync(path.join(layout.home, '.gemini', 'trustedFolders.json'));
        return env;
      },
      shows: /Do you trust the files in this folder\?/,
    },
    {
      // Trusted, but no auth method chosen in settings.json.
      label: 'auth',
      prepare: (layout) => {
        const env = gemini.prepare(layout);
        writeFileSync(path.join(layout.home, '.gemini', 'settings.json'), JSON.stringify({ general: { disableAutoUpdate: true } }));
        return env;
      },
      shows: /How would you like to authenticate/,
    },
  ],
  permissionQuestion: /^Allow execution of \[Shell\]\?$/m,
  askTool: true,
  error: { status: 400, message: 'Scripted invalid request', shows: /API Error/ },
  startTimeoutMs: 60_000,
});
