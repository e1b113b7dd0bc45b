import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { knownAgentNames } from '../agents/index.js';
import { parseConfig, type Config, type ParseOptions } from '../core/config.js';
import { AoError } from '../core/errors.js';

export const CONFIG_FILE_NAME = 'agent-orchestrator.yaml';

/** Where the configuration comes from: --config, then AO_CONFIG, then ./agent-orchestrator.yaml, then ~/.config. */
export function locateConfig(explicit?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  if (explicit) return path.resolve(cwd, explicit);
  if (env.AO_CONFIG) return path.resolve(cwd, env.AO_CONFIG);
  const candidates = [path.join(cwd, CONFIG_FILE_NAME), path.join(os.homedir(), '.config', 'agent-orchestrator', 'config.yaml')];
  return candidates.find((c) => existsSync(c));
}

/** Load and validate the configuration; with no file anywhere, the embedded default (local host, no projects). */
export function loadConfig(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  options: Omit<ParseOptions, 'knownAgents'> = {},
): { config: Config; source: string } {
  const parseOptions: ParseOptions = { ...options, knownAgents: knownAgentNames() };
  const file = locateConfig(explicit, env, cwd);
  if (!file) return { config: parseConfig({}, '(defaults)', parseOptions), source: '(defaults)' };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AoError('config', `cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'pass an existing file with --config or AO_CONFIG');
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    throw new AoError('config', `config file ${file} is not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`);
  }
  // Relative paths in the file are relative to the file, not to wherever ao runs.
  const config = parseConfig(raw, file, parseOptions);
  const base = path.dirname(file);
  for (const project of config.projects) {
    if (isLocalPath(project.url)) project.url = path.resolve(base, project.url.replace(/^file:\/\//, ''));
  }
  for (const host of config.hosts) {
    if (!('privateKey' in host)) continue;
    // "$NAME" takes the key's path from the environment (the Action writes the key to a temp file).
    const fromEnv = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(host.privateKey);
    if (fromEnv) {
      const value = env[fromEnv[1]!];
      if (!value) throw new AoError('config', `hosts (${host.name}).privateKey refers to $${fromEnv[1]}, which is not set`, `set ${fromEnv[1]} to the path of the private key file`);
      host.privateKey = value;
    } else if (!host.privateKey.startsWith('~')) host.privateKey = path.resolve(base, host.privateKey);
  }
  return { config, source: file };
}

function isLocalPath(url: string): boolean {
  return url.startsWith('file://') || url.startsWith('/') || url.startsWith('./') || url.startsWith('../');
}
