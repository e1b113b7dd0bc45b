import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tmp.js';

/** `npm run model-server`: the tests' scripted model server, run on its own for a real agent in the sandbox. */
const temp = makeTempDir('ao-model-server');
afterAll(() => temp.cleanup());

describe('npm run model-server', () => {
  it('answers a conversation turn from the script file and prints each request', async () => {
    const script = path.join(temp.dir, 'turns.json');
    writeFileSync(script, JSON.stringify([{ type: 'text', text: 'scripted hello' }]));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../../src/sandbox/model-server-main.ts'), '--script', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 30_000);
        child.stdout.on('data', () => {
          const m = /model server on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      expect(out).toContain(`ANTHROPIC_BASE_URL=${url}`);
      // A conversation turn as Claude Code sends it (it carries tools), not streamed.
      const res = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'any', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'Bash', description: 'run', input_schema: { type: 'object' } }] }),
      });
      const body = (await res.json()) as { content?: { type: string; text?: string }[] };
      expect(body.content?.find((c) => c.type === 'text')?.text).toBe('scripted hello');
      await new Promise((r) => setTimeout(r, 500));
      expect(out).toMatch(/POST \/v1\/messages \(anthropic, a conversation turn\)/);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses a script that is not a list of turns, saying which file', async () => {
    const bad = path.join(temp.dir, 'bad.json');
    writeFileSync(bad, '{"type":"text"}');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../../src/sandbox/model-server-main.ts'), '--script', bad], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain(`cannot use ${bad} as a script: it is not a JSON array of turns`);
  });
});
