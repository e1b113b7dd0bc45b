import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

/**
 * The GitHub App as it is deployed: `npm start` with nothing but Probot's
 * environment (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, PORT, HOST, GHE_HOST,
 * GHE_PROTOCOL) and the deployment's AO_CONFIG, in its own process group.
 */
export interface AppProcess {
  url: string;
  webhookUrl: string;
  port: number;
  /** The process group (npm's pid). */
  pid: number;
  /** Everything it logged (JSON lines), for assertions and for debugging a failure. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startAppProcess(options: { simUrl: string; appId: number; privateKeyPem: string; secret: string; configPath: string; env?: NodeJS.ProcessEnv; port?: number }): Promise<AppProcess> {
  const port = options.port ?? (await freePort());
  const sim = new URL(options.simUrl);
  const { GITHUB_TOKEN: _t, GH_TOKEN: _g, GITHUB_API_URL: _a, GITHUB_GRAPHQL_URL: _q, ...inherited } = process.env;
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    cwd: path.join(import.meta.dirname, '../..'),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...inherited,
      NODE_ENV: 'production',
      APP_ID: String(options.appId),
      PRIVATE_KEY: options.privateKeyPem,
      WEBHOOK_SECRET: options.secret,
      PORT: String(port),
      HOST: '127.0.0.1',
      GHE_HOST: sim.host,
      GHE_PROTOCOL: sim.protocol.replace(':', ''),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      AO_CONFIG: options.configPath,
      AO_GITHUB_PACING: 'off',
      ...options.env,
    },
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the app did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    pid: child.pid!,
    webhookUrl: `${url}/api/github/webhooks`,
    output: () => output,
    // Done when the whole process group is gone (npm exits before the app has let go of its port).
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const alive = () => {
        try {
          process.kill(-child.pid!, 0);
          return true;
        } catch {
          return false;
        }
      };
      if (!alive()) return;
      try {
        process.kill(-child.pid!, signal);
      } catch {
        return;
      }
      const deadline = Date.now() + 15_000;
      while (alive()) {
        if (Date.now() > deadline) {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
