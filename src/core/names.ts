import { createHash } from 'node:crypto';
import { AoError } from './errors.js';
import { sanitizeUntrustedText } from './prompt.js';

/**
 * Identifiers and names: session IDs, prefixes, branches, tmux names.
 * Everything here is validated so it is safe as a path segment, a git ref and
 * a tmux target even before it is quoted.
 */

export const PREFIX_PATTERN = /^[a-z][a-z0-9]{0,11}$/;
export const SESSION_ID_PATTERN = /^([a-z][a-z0-9]{0,11})-([1-9][0-9]{0,8})$/;
export const PROJECT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const REPO_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
export const INSTANCE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/**
 * Derive a session ID prefix from a repository name:
 * <=4 chars: as is; CamelCase: its capitals; kebab/snake: initials; else the first 3 letters.
 */
export function derivePrefix(repoName: string): string {
  const name = repoName.replace(/\.git$/, '');
  let prefix: string;
  const words = name.split(/[-_.\s]+/).filter(Boolean);
  const capitals = name.match(/[A-Z]/g) ?? [];
  if (name.length <= 4) prefix = name;
  else if (capitals.length >= 2 && /^[A-Za-z0-9]+$/.test(name)) prefix = capitals.join('');
  else if (words.length >= 2) prefix = words.map((w) => w[0]).join('');
  else prefix = name.slice(0, 3);
  prefix = prefix.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!/^[a-z]/.test(prefix)) prefix = `p${prefix}`;
  return prefix.slice(0, 12);
}

export interface ParsedSessionId {
  prefix: string;
  n: number;
}

export function parseSessionId(id: string): ParsedSessionId | undefined {
  const m = SESSION_ID_PATTERN.exec(id);
  if (!m) return undefined;
  return { prefix: m[1]!, n: Number(m[2]) };
}

export function formatSessionId(prefix: string, n: number): string {
  return `${prefix}-${n}`;
}

/** A 12-hex-digit tag for a deployment, so two instances never share tmux names on one host. */
export function instanceHash(instance: string, dataDir: string): string {
  return createHash('sha256').update(`${instance}\0${dataDir}`).digest('hex').slice(0, 12);
}

export function tmuxSessionName(hash12: string, id: string): string {
  return `${hash12}-${id}`;
}

export function slugify(text: string, maxLength = 40): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return slug;
}

/**
 * The branch of a new session. A deployment other than `default` names its
 * branches under its instance (`ao/<instance>/...`), so two deployments on
 * one repository, each with a session `web-1`, never push the same branch.
 */
export function defaultBranchName(id: string, issue?: { number: number; title?: string }, instance = 'default'): string {
  const base = instance === 'default' ? 'ao' : `ao/${instance}`;
  if (!issue) return `${base}/${id}`;
  // The title is untrusted text and the branch name reaches the agent: only what the prompt keeps of it.
  const slug = issue.title ? slugify(sanitizeUntrustedText(issue.title)) : '';
  return slug ? `${base}/${id}-issue-${issue.number}-${slug}` : `${base}/${id}-issue-${issue.number}`;
}

/**
 * Validate a branch name by git's check-ref-format rules, plus a stricter
 * character set so the name is also harmless on a command line.
 * Returns undefined when valid, else the reason.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 200) return 'is longer than 200 characters';
  if (!/^[A-Za-z0-9._/-]+$/.test(name)) return 'may only contain letters, digits, ".", "_", "-" and "/"';
  if (name.startsWith('-')) return 'must not start with "-"';
  if (name.startsWith('/') || name.endsWith('/')) return 'must not start or end with "/"';
  if (name.includes('//')) return 'must not contain "//"';
  if (name.includes('..')) return 'must not contain ".."';
  if (name.endsWith('.')) return 'must not end with "."';
  if (name.endsWith('.lock') || name.split('/').some((c) => c.startsWith('.') || c.endsWith('.lock')))
    return 'has a component that starts with "." or ends with ".lock"';
  if (name === 'HEAD' || name === '@') return `"${name}" is reserved`;
  return undefined;
}

export function assertBranchName(name: string): void {
  const problem = branchNameProblem(name);
  if (problem) throw new AoError('usage', `invalid branch name ${JSON.stringify(name)}: it ${problem}`, 'use letters, digits, "/", "-", "_" and ".", e.g. feat/add-login');
}
