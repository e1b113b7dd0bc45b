// Runs the GitHub simulator as its own process (for the offline sandbox or a
// test driving it from outside with connectGitHubSimulator):
//
//   tsx src/sandbox/github-sim/main.ts --port 3030 --webhook-url http://127.0.0.1:3000/api/github/webhooks --webhook-secret dev
//
// Prints one JSON line with the URLs and the app's id and private key, then
// serves until SIGINT/SIGTERM.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startGitHubSimulator } from './simulator.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string' },
    'webhook-url': { type: 'string' },
    'webhook-secret': { type: 'string' },
    'app-id': { type: 'string' },
    'app-slug': { type: 'string' },
    'private-key': { type: 'string' },
  },
});

const sim = await startGitHubSimulator({
  port: Number(values.port),
  ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
  ...(values['webhook-url'] ? { webhookUrl: values['webhook-url'] } : {}),
  ...(values['webhook-secret'] ? { webhookSecret: values['webhook-secret'] } : {}),
  ...(values['app-id'] ? { appId: Number(values['app-id']) } : {}),
  ...(values['app-slug'] ? { appSlug: values['app-slug'] } : {}),
  ...(values['private-key'] ? { appPrivateKeyPem: readFileSync(values['private-key'], 'utf8') } : {}),
});

process.stdout.write(`${JSON.stringify(sim.info())}\n`);

const stop = () => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
