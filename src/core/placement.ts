import type { HostConfig, ProjectConfig } from './config.js';
import { AoError } from './errors.js';

/** What placement needs to know of a host right now. */
export interface HostLoad {
  name: string;
  reachable: boolean;
  /** Live sessions on it (killed and merged do not count). */
  active: number;
  error?: string;
}

/** Pick a host for a new session: reachable, with the project's labels, under capacity; the least loaded (by ratio) wins. */
export function chooseHost(hosts: readonly HostConfig[], loads: readonly HostLoad[], project: ProjectConfig, requested?: string): string {
  const load = (name: string) => loads.find((l) => l.name === name)?.active ?? 0;
  const reachable = (name: string) => loads.find((l) => l.name === name)?.reachable ?? false;
  if (requested) {
    const host = hosts.find((h) => h.name === requested);
    if (!host) throw new AoError('usage', `unknown host "${requested}"`, `configured hosts: ${hosts.map((h) => h.name).join(', ')}`);
    if (!reachable(requested)) {
      const error = loads.find((l) => l.name === requested)?.error;
      throw new AoError('host', `host "${requested}" is unreachable${error ? `: ${error}` : ''}`, 'check it with `ao doctor`');
    }
    if (load(requested) >= host.capacity) throw new AoError('conflict', `host "${requested}" is at capacity (${host.capacity} active sessions)`);
    return requested;
  }
  const candidates = hosts
    .filter((h) => project.hostLabels.every((l) => h.labels.includes(l)))
    .filter((h) => reachable(h.name) && load(h.name) < h.capacity)
    .sort((a, b) => load(a.name) / a.capacity - load(b.name) / b.capacity || a.name.localeCompare(b.name));
  if (candidates.length === 0) {
    const down = loads.filter((l) => !l.reachable).map((l) => l.name);
    throw new AoError(
      'host',
      `no runner host can take a session for ${project.name}${project.hostLabels.length ? ` (labels: ${project.hostLabels.join(', ')})` : ''}`,
      down.length ? `unreachable: ${down.join(', ')}; check them with \`ao doctor\`` : 'all matching hosts are at capacity; raise hosts[].capacity or wait for sessions to end',
    );
  }
  return candidates[0]!.name;
}
