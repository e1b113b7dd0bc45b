import type { ApplicationFunction } from 'probot';
import { loadConfig } from '../config/load.js';
import { HostPool } from '../hosts/pool.js';
import { InstallationTokenCredentials } from '../sessions/credentials.js';
import { Installations } from './installations.js';
import { appRoutes } from './routes.js';
import { AppRuntime } from './runtime.js';

/**
 * The Probot app: a thin surface. Every webhook goes to the runtime, which
 * answers at once and does the work in its queues; the deployment's own
 * settings (hosts, keys, projects) come from the same file as the CLI's
 * (`AO_CONFIG`, `agent-orchestrator.yaml`), never from a repository.
 */

let current: AppRuntime | undefined;

/** The runtime of the app loaded in this process (for a graceful stop, and tests). */
export function appRuntime(): AppRuntime | undefined {
  return current;
}

export function createApp(options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ApplicationFunction {
  return (app, { addHandler }) => {
    const env = options.env ?? process.env;
    const { config, source } = loadConfig(undefined, env, options.cwd ?? process.cwd());
    const pool = new HostPool(config);
    const installations = new Installations(app, app.log);
    // Sessions the app starts push and open PRs with the installation's token for their repo.
    const credentials = new InstallationTokenCredentials({ tokenFor: (repo) => installations.token(repo) });
    const runtime = new AppRuntime({ config, pool, github: installations, log: app.log, credentials });
    current = runtime;
    app.log.info({ config: source, hosts: pool.names(), projects: config.projects.map((p) => p.repo), repos: config.app.repos }, 'agent orchestrator app loaded');
    app.onAny(async (context) => {
      // Acknowledged at once; never an exception (Probot would answer 500).
      try {
        runtime.accept(context.name, context.id, context.payload);
      } catch (error) {
        app.log.error({ err: String(error), deliveryId: context.id }, 'webhook could not be taken');
      }
    });
    addHandler(appRoutes(runtime, { host: env.HOST ?? 'localhost', token: env.AO_SESSIONS_TOKEN }));
    if (env.AO_RECONCILE !== 'off') runtime.start();
  };
}

export default createApp();
