import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

const AO = path.join(import.meta.dirname, '../../bin/ao.js');

export interface AoResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the real `ao` executable as a separate process. */
export function runAo(args: string[], options: { configPath?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<AoResult> {
  // Hermetic: a developer's own GitHub token or endpoint never reaches a test's ao; a test that wants GitHub passes its own.
  const { GITHUB_TOKEN: _t, GH_TOKEN: _g, GITHUB_API_URL: _a, GITHUB_GRAPHQL_URL: _q, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = { ...inherited, AO_FROM_SOURCE: '1', ...options.env };
  if (options.configPath) env.AO_CONFIG = options.configPath;
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [AO, ...args], { env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

export function writeConfig(dir: string, config: unknown): string {
  const file = path.join(dir, 'agent-orchestrator.yaml');
  writeFileSync(file, stringify(config));
  return file;
}
