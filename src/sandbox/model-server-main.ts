import { readFileSync } from 'node:fs';
import { startModelServer, type ScriptStep } from './model-server.js';

/**
 * `npm run model-server -- [--port N] [--script turns.json]`: the scripted
 * model server the real-agent tests use, on its own, so a real agent in the
 * sandbox (or on any host) can be pointed at it the way a user points it at
 * a gateway, offline. A script file is a JSON array of turns:
 * `{ "type": "text", "text": "..." }`, or
 * `{ "type": "tool", "call": { "kind": "shell", "command": "git status" } }`
 * (kinds: shell, write, ask). Without a script every turn is a short text.
 */
const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const unknown = args.filter((a, i) => a.startsWith('--') && !['--port', '--script'].includes(a) && !['--port', '--script'].includes(args[i - 1] ?? ''));
if (unknown.length > 0 || args.includes('--help')) {
  process.stderr.write('usage: npm run model-server -- [--port N] [--script turns.json]\n');
  process.exit(unknown.length > 0 ? 2 : 0);
}
let script: ScriptStep[] = [];
const file = option('script');
if (file) {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(parsed)) throw new Error('it is not a JSON array of turns');
    script = parsed as ScriptStep[];
  } catch (error) {
    process.stderr.write(`model-server: cannot use ${file} as a script: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}
const server = await startModelServer({ script, ...(option('port') ? { port: Number(option('port')) } : {}) });
process.stdout.write(
  [
    `model server on ${server.url}`,
    `  Claude Code: ANTHROPIC_BASE_URL=${server.url} ANTHROPIC_AUTH_TOKEN=any`,
    `  Codex:       a model provider with base_url = "${server.url}/v1" and wire_api = "responses"`,
    `  Gemini CLI:  GOOGLE_GEMINI_BASE_URL=${server.url} GEMINI_API_KEY=any`,
    `  OpenCode:    an OpenAI-compatible provider with baseURL ${server.url}/v1`,
    'Ctrl-C stops it; every request is printed as it comes.',
    '',
  ].join('\n'),
);
let seen = 0;
const ticker = setInterval(() => {
  for (const request of server.requests.slice(seen)) process.stdout.write(`${request.method} ${request.url} (${request.api}${request.main ? ', a conversation turn' : ''})\n`);
  seen = server.requests.length;
}, 250);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    clearInterval(ticker);
    void server.close().then(() => process.exit(0));
  });
}
