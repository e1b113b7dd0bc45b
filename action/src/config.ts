import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { locateConfig } from '../../src/config/load.js';
import { InputError } from './inputs.js';
import { parseKnownHosts, pinHosts } from './known-hosts.js';

/**
 * The configuration with the `known-hosts` input applied: a copy in the
 * step's private temp directory (JSON, which is YAML), with the pins filled
 * in and the paths that were relative to the original file made absolute.
 * ao validates it as it validates any configuration. Loaded only when the
 * input is given.
 */
export function applyKnownHosts(explicit: string | undefined, knownHosts: string, dir: string, env: NodeJS.ProcessEnv, cwd: string): { path: string; source: string; pinned: string[] } | undefined {
  const entries = parseKnownHosts(knownHosts);
  const source = locateConfig(explicit, env, cwd);
  if (!source) throw new InputError('known-hosts pins the hosts of a configuration, and there is none', 'set config to the path of agent-orchestrator.yaml');
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(source, 'utf8'));
  } catch {
    return undefined; // unreadable or not YAML: ao says so about the file itself.
  }
  if (!raw || typeof raw !== 'object') return undefined;
  const config = raw as Record<string, unknown>;
  const { hosts, pinned } = pinHosts(config.hosts, entries);
  const base = path.dirname(source);
  // As src/config/load.ts reads them: local project URLs and key paths are relative to the file.
  const projects = Array.isArray(config.projects)
    ? config.projects.map((p: Record<string, unknown>) =>
        p && typeof p.url === 'string' && /^(file:\/\/|\/|\.\/|\.\.\/)/.test(p.url) ? { ...p, url: path.resolve(base, p.url.replace(/^file:\/\//, '')) } : p,
      )
    : config.projects;
  const withKeys = Array.isArray(hosts)
    ? hosts.map((h: Record<string, unknown>) =>
        h && typeof h.privateKey === 'string' && !/^(~|\$)/.test(h.privateKey) ? { ...h, privateKey: path.resolve(base, h.privateKey) } : h,
      )
    : hosts;
  const file = path.join(dir, 'agent-orchestrator.json');
  writeFileSync(file, `${JSON.stringify({ ...config, hosts: withKeys, projects }, null, 2)}\n`, { mode: 0o600 });
  return { path: file, source, pinned };
}
