// Superseded (issue 13): action.yml runs dist/runner/main.mjs (source in
// action/src). This older runner, raw CLI words in AO_COMMAND/AO_ARGS, is
// kept only because test/faults/state.test.ts still drives it; remove it
// when that test moves to test/action's runner harness.
// Runs one `ao` command for the composite action: inputs arrive in the
// environment (never interpolated into a shell line), the command runs with
// --json, and its document and exit code become step outputs.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const command = (process.env.AO_COMMAND ?? '').trim().split(/\s+/).filter(Boolean);
const args = (process.env.AO_ARGS ?? '').split('\n').map((a) => a.trim()).filter(Boolean);
if (command.length === 0) {
  console.error('::error::input "command" is required (e.g. "status")');
  process.exit(2);
}
const env = { ...process.env };
let keyDir;
if (process.env.AO_SSH_KEY) {
  const dir = mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'ao-key-'));
  keyDir = dir;
  const keyFile = path.join(dir, 'id');
  writeFileSync(keyFile, `${process.env.AO_SSH_KEY.trim()}\n`, { mode: 0o600 });
  env.AO_SSH_KEY_FILE = keyFile;
  console.log('::add-mask::' + keyFile);
}
delete env.AO_SSH_KEY;
const ao = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'bin', 'ao.js');
const wantsJson = !['open'].includes(command[0]);
let result;
try {
  result = spawnSync(process.execPath, [ao, ...command, ...args, ...(wantsJson ? ['--json'] : [])], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
} finally {
  // The key never outlives the step, whatever ao did.
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
}
process.stdout.write(result.stdout ?? '');
const output = process.env.GITHUB_OUTPUT;
if (output) {
  const delimiter = `ao_${Date.now()}_${Math.random().toString(36).slice(2)}`;
  appendFileSync(output, `json<<${delimiter}\n${(result.stdout ?? '').trim()}\n${delimiter}\nexit-code=${result.status ?? 1}\n`);
}
process.exit(result.status ?? 1);
