import { effectiveHosts, isLocalHostConfig, type Config, type HostConfig } from '../core/config.js';
import { AoError } from '../core/errors.js';
import type { Host } from './host.js';
import { LocalHost } from './local.js';
import { SshHost } from './ssh.js';
import { SessionStore } from './store.js';

/** One Host (and its Store) per configured runner host, opened lazily and shared. */
export class HostPool {
  private readonly hosts = new Map<string, Host>();
  readonly configs: HostConfig[];

  constructor(
    readonly config: Config,
    /** Lock timing for the stores (tests shorten the wait to show that a lock was taken at once). */
    private readonly lockOptions: { staleLockSec?: number; lockWaitSec?: number } = {},
  ) {
    this.configs = effectiveHosts(config);
  }

  names(): string[] {
    return this.configs.map((h) => h.name);
  }

  hostConfig(name: string): HostConfig {
    const found = this.configs.find((h) => h.name === name);
    if (!found) {
      throw new AoError('not_found', `unknown host "${name}"`, `configured hosts: ${this.names().join(', ')}`);
    }
    return found;
  }

  host(name: string): Host {
    let host = this.hosts.get(name);
    if (!host) {
      const cfg = this.hostConfig(name);
      host = isLocalHostConfig(cfg) ? new LocalHost(cfg.name) : new SshHost(cfg);
      this.hosts.set(name, host);
    }
    return host;
  }

  dataDir(name: string): string {
    return this.hostConfig(name).dataDir ?? this.config.dataDir;
  }

  store(name: string): SessionStore {
    return new SessionStore(this.host(name), { dataDir: this.dataDir(name), instance: this.config.instance, ...this.lockOptions });
  }

  async close(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((h) => h.close()));
    this.hosts.clear();
  }
}
