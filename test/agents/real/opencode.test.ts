import { rmSync } from 'node:fs';
import path from 'node:path';
import { opencode } from './agents.js';
import { describeRealAgent } from './suite.js';

describeRealAgent(opencode, {
  firstRun: [
    {
      // No opencode.json: no first-run screen at all. It starts at its prompt with its own
      // hosted default model, which a host without that service cannot reach.
      label: 'no-provider',
      prepare: (layout) => {
        const env = opencode.prepare(layout);
        rmSync(path.join(layout.home, '.config', 'opencode', 'opencode.json'));
        return env;
      },
      shows: /ctrl\+p commands/,
      expected: 'ready',
    },
  ],
  permissionQuestion: /Permission required/,
  askTool: true,
  // OpenCode shows a provider error as the provider's own message in a red box: the words are all the pane has.
  error: { status: 401, message: 'Incorrect API key provided: scripted-test-token.', shows: /Incorrect API key provided/ },
});
