import { z } from 'zod';
import { AoError } from './errors.js';
import { pinnedFingerprints } from './host-key.js';
import {
  derivePrefix,
  INSTANCE_PATTERN,
  PREFIX_PATTERN,
  PROJECT_NAME_PATTERN,
  REPO_PATTERN,
  branchNameProblem,
} from './names.js';

/** Schema of agent-orchestrator.yaml, the operator's (app-level) configuration. */

const hostName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be letters, digits, ".", "_" or "-"');

const localHostSchema = z
  .object({
    name: hostName.default('local'),
    local: z.literal(true),
    capacity: z.number().int().positive().default(20),
    labels: z.array(z.string()).default([]),
    dataDir: z.string().optional(),
  })
  .strict();

const sshHostSchema = z
  .object({
    name: hostName,
    local: z.literal(false).optional(),
    address: z.string().min(1, 'is required for an SSH host'),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().regex(/^[A-Za-z0-9._][A-Za-z0-9._-]*$/, 'must be a valid user name'),
    privateKey: z.string().min(1, 'must be the path of the private key file'),
    passphraseEnv: z.string().optional(),
    // Optional in the schema so that `ao doctor` can show the key a host presents;
    // connecting without a pin is still refused.
    hostKey: z.string().optional(),
    dataDir: z.string().optional(),
    capacity: z.number().int().positive().default(10),
    labels: z.array(z.string()).default([]),
    maxChannels: z.number().int().min(1).max(64).default(8),
    connectTimeoutMs: z.number().int().positive().default(10_000),
    keepaliveIntervalMs: z.number().int().positive().default(15_000),
  })
  .strict();

const projectSchema = z
  .object({
    repo: z.string().regex(REPO_PATTERN, 'must be "owner/name"'),
    name: z.string().regex(PROJECT_NAME_PATTERN, 'must be letters, digits, ".", "_" or "-"').optional(),
    url: z.string().min(1).optional(),
    prefix: z.string().regex(PREFIX_PATTERN, 'must be 1-12 lowercase letters/digits starting with a letter').optional(),
    baseBranch: z.string().default('main'),
    agent: z.string().optional(),
    agentCommand: z.string().optional(),
    postCreate: z.array(z.string()).default([]),
    rules: z.string().optional(),
    hostLabels: z.array(z.string()).default([]),
  })
  .strict();

const configSchema = z
  .object({
    instance: z.string().regex(INSTANCE_PATTERN, 'must be lowercase letters, digits, "_" or "-"').default('default'),
    dataDir: z.string().default('~/.agent-orchestrator'),
    tmuxSocket: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
    hosts: z.array(z.union([localHostSchema, sshHostSchema])).default([]),
    projects: z.array(projectSchema).default([]),
    defaults: z
      .object({
        agent: z.string().default('generic'),
        idleAfterSec: z.number().positive().default(300),
        stuckAfterSec: z.number().positive().default(600),
        settleSec: z.number().positive().default(2),
        sendTimeoutSec: z.number().positive().default(600),
      })
      .strict()
      .default({ agent: 'generic', idleAfterSec: 300, stuckAfterSec: 600, settleSec: 2, sendTimeoutSec: 600 }),
  })
  .strict();

export type LocalHostConfig = z.output<typeof localHostSchema>;
export type SshHostConfig = z.output<typeof sshHostSchema>;
export type HostConfig = LocalHostConfig | SshHostConfig;

export interface ProjectConfig extends Omit<z.output<typeof projectSchema>, 'name' | 'prefix' | 'url' | 'agent'> {
  name: string;
  prefix: string;
  url: string;
  /** The project's agent, or defaults.agent. */
  agent: string;
}

export interface Config extends Omit<z.output<typeof configSchema>, 'projects' | 'hosts'> {
  hosts: HostConfig[];
  projects: ProjectConfig[];
}

export function isLocalHostConfig(host: HostConfig): host is LocalHostConfig {
  return host.local === true;
}

function formatPath(path: readonly PropertyKey[], raw: unknown): string {
  let out = '';
  let node: unknown = raw;
  for (const part of path) {
    if (typeof part === 'number') {
      const named = node && Array.isArray(node) ? (node[part] as { name?: unknown; repo?: unknown }) : undefined;
      const label = typeof named?.name === 'string' ? named.name : typeof named?.repo === 'string' ? named.repo : undefined;
      out += label ? `[${part}] (${label})` : `[${part}]`;
    } else out += out ? `.${String(part)}` : String(part);
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[part] : undefined;
  }
  return out || '(top level)';
}

export interface ParseOptions {
  /**
   * Agent names (and aliases) this build knows; when given, every project's
   * agent must be one of them. src/config/load.ts passes the registered adapters.
   */
  knownAgents?: readonly string[];
  /** Only `ao doctor`, which shows the key a host presents, may load SSH hosts without a pinned key. */
  allowMissingHostKeys?: boolean;
}

/** Validate a parsed YAML document. Throws an AoError naming each bad key and the fix. */
export function parseConfig(raw: unknown, source = 'agent-orchestrator.yaml', options: ParseOptions = {}): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const where = formatPath(issue.path, raw);
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') message = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or fix the spelling`;
      if (issue.code === 'invalid_union') message = 'is neither a local host ({name, local: true}) nor an SSH host ({name, address, user, privateKey, hostKey}); check its keys';
      return `  ${where}: ${message}`;
    });
    throw new AoError('config', `invalid configuration in ${source}:\n${lines.join('\n')}`, 'fix the keys above; see README "Configuration"');
  }
  const parsed = result.data;
  const problems: string[] = [];

  const hostNames = new Set<string>();
  for (const host of parsed.hosts) {
    if (hostNames.has(host.name)) problems.push(`hosts: two hosts are named "${host.name}"; host names must be unique`);
    hostNames.add(host.name);
    if (isLocalHostConfig(host)) continue;
    if (!host.hostKey?.trim()) {
      if (!options.allowMissingHostKeys) {
        problems.push(
          `hosts (${host.name}).hostKey: is missing; every SSH host's key must be pinned. On the host, \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` prints it (SHA256:...); \`ao doctor\` shows the key the host presents`,
        );
      }
    } else {
      try {
        if (pinnedFingerprints(host.hostKey).length === 0) problems.push(`hosts (${host.name}).hostKey: holds no key; give "SHA256:..." or a known_hosts line`);
      } catch (error) {
        problems.push(`hosts (${host.name}).hostKey: ${(error as Error).message}`);
      }
    }
  }
  const known = options.knownAgents;
  const checkAgent = (where: string, agent: string, agentCommand: string | undefined) => {
    if (known && !known.includes(agent)) problems.push(`${where}: unknown agent "${agent}"; known agents: ${known.join(', ')}`);
    else if (agent === 'generic' && !agentCommand?.trim()) {
      problems.push(`${where}: agent "generic" needs agentCommand, the command line that starts your agent (e.g. agentCommand: "my-agent --flag"), or choose a known agent`);
    }
  };
  if (known && !known.includes(parsed.defaults.agent)) problems.push(`defaults.agent: unknown agent "${parsed.defaults.agent}"; known agents: ${known.join(', ')}`);

  const projects: ProjectConfig[] = parsed.projects.map((p) => {
    const repoName = p.repo.split('/')[1]!;
    if (!p.name && !PROJECT_NAME_PATTERN.test(repoName)) {
      problems.push(`projects (${p.repo}): the repo name "${repoName}" cannot be a project name (it must start with a letter or digit); set "name"`);
    }
    const problem = branchNameProblem(p.baseBranch);
    if (problem) problems.push(`projects (${p.repo}).baseBranch: it ${problem}`);
    const agent = p.agent ?? parsed.defaults.agent;
    checkAgent(`projects (${p.repo}).agent`, agent, p.agentCommand);
    return {
      ...p,
      agent,
      name: p.name ?? repoName,
      prefix: p.prefix ?? derivePrefix(repoName),
      url: p.url ?? `https://github.com/${p.repo}.git`,
    };
  });

  const byName = new Map<string, string>();
  const byPrefix = new Map<string, string>();
  for (const p of projects) {
    const other = byName.get(p.name);
    if (other) problems.push(`projects: "${other}" and "${p.repo}" are both named "${p.name}"; set a distinct "name" on one`);
    byName.set(p.name, p.repo);
    const clash = byPrefix.get(p.prefix);
    if (clash) problems.push(`projects: "${clash}" and "${p.repo}" share the session prefix "${p.prefix}"; set "prefix" on one of them`);
    byPrefix.set(p.prefix, p.repo);
  }
  if (problems.length > 0) {
    throw new AoError('config', `invalid configuration in ${source}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return { ...parsed, projects };
}

/** Find a project by its name or its owner/name. */
export function findProject(config: Config, nameOrRepo: string): ProjectConfig {
  const found = config.projects.find((p) => p.name === nameOrRepo || p.repo === nameOrRepo);
  if (!found) {
    const known = config.projects.map((p) => p.name).join(', ') || '(none configured)';
    throw new AoError('not_found', `unknown project "${nameOrRepo}"`, `known projects: ${known}; add it under "projects" in the config`);
  }
  return found;
}

/** The effective host list: with no hosts configured, the local machine is the one runner host. */
export function effectiveHosts(config: Config): HostConfig[] {
  if (config.hosts.length > 0) return config.hosts;
  return [{ name: 'local', local: true, capacity: 20, labels: [] }];
}
