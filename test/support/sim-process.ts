import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { connectGitHubSimulator, type SimulatorClient } from '../../src/sandbox/github-sim/client.js';

/**
 * The GitHub simulator as its own process, as the tests of the lifecycle
 * engine, the app and the Action need it: talked to over HTTP only (REST,
 * GraphQL, git, and `/_sim` for the scenario), like GitHub.
 */
export interface SimulatorProcess {
  url: string;
  graphqlUrl: string;
  info: { url: string; graphqlUrl: string; appId: number; appSlug: string; botLogin: string; appPrivateKeyPem: string; webhookUrl?: string };
  sim: SimulatorClient;
  stop(): Promise<void>;
}

export async function startSimulatorProcess(options: { webhookUrl?: string; webhookSecret?: string } = {}): Promise<SimulatorProcess> {
  const args = ['--import', 'tsx', path.join(import.meta.dirname, '../../src/sandbox/github-sim/main.ts'), '--port', '0'];
  if (options.webhookUrl) args.push('--webhook-url', options.webhookUrl);
  if (options.webhookSecret) args.push('--webhook-secret', options.webhookSecret);
  const child: ChildProcess = spawn(process.execPath, args, { cwd: path.join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const info = await new Promise<SimulatorProcess['info']>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the simulator did not start: ${stderr}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as SimulatorProcess['info']);
      }
    });
    child.once('exit', (code) => reject(new Error(`the simulator exited with ${code}: ${stderr}`)));
  });
  return {
    url: info.url,
    graphqlUrl: info.graphqlUrl,
    info,
    sim: connectGitHubSimulator(info.url),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
