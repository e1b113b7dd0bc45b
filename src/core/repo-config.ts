import * as z from 'zod/mini';
import { reactionsSchema, type Config, type ProjectConfig } from './config.js';
import { branchNameProblem } from './names.js';
import type { ReactionName } from './reactions.js';

/**
 * `.github/agent-orchestrator.yml`: what a repository's writers decide
 * (SPEC section 4), read by the app from the default branch only (Probot's
 * `context.config`, so an org's `.github` repo can give defaults). What runs
 * on the hosts (agent commands, post-create commands) belongs to the
 * deployment; a repo sets it only where the deployment allows
 * (`app.repoMayRun`).
 */

export const REPO_CONFIG_PATH = '.github/agent-orchestrator.yml';

const repoConfigSchema = z.strictObject({
  /** The label that starts a session on an issue. */
  triggerLabel: z.optional(z.string().check(z.minLength(1))),
  /** An agent the deployment knows, by name. */
  agent: z.optional(z.string().check(z.minLength(1))),
  baseBranch: z.optional(z.string().check(z.minLength(1))),
  /** Told to every agent of this repo (e.g. "Run npm test before you push."). */
  rules: z.optional(z.string()),
  reactions: z.optional(reactionsSchema),
  /** Minutes a merged or closed session whose agent still works goes on. */
  endGraceMin: z.optional(z.number().check(z.gte(0))),
  /** Budgets: live sessions at most (more wait in a queue), and hours a session may live. */
  maxLiveSessions: z.optional(z.number().check(z.int(), z.positive())),
  maxSessionAgeHours: z.optional(z.number().check(z.positive())),
  /** Only where the deployment allows it (app.repoMayRun). */
  agentCommand: z.optional(z.string()),
  postCreate: z.optional(z.array(z.string())),
});

export type RepoConfig = z.output<typeof repoConfigSchema>;

export type RepoConfigResult = { ok: true; config: RepoConfig } | { ok: false; problems: string[] };

/** Validate what the repo's file holds (already parsed from YAML; null or undefined: no file). */
export function parseRepoConfig(raw: unknown, knownAgents: readonly string[]): RepoConfigResult {
  if (raw === null || raw === undefined) return { ok: true, config: {} };
  const result = repoConfigSchema.safeParse(raw);
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.map((issue) => {
        const where = issue.path.length ? issue.path.join('.') : '(the file)';
        if (issue.code === 'unrecognized_keys') return `${where}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or fix the spelling`;
        return `${where}: ${issue.message}`;
      }),
    };
  }
  const problems: string[] = [];
  const config = result.data;
  if (config.agent && !knownAgents.includes(config.agent)) problems.push(`agent: unknown agent "${config.agent}"; known agents: ${knownAgents.join(', ')}`);
  if (config.baseBranch) {
    const problem = branchNameProblem(config.baseBranch);
    if (problem) problems.push(`baseBranch: it ${problem}`);
  }
  return problems.length ? { ok: false, problems } : { ok: true, config };
}

/**
 * The project as this repo's config shapes it. Returns the project and
 * notes for what the repo asked but may not set.
 */
export function applyRepoConfig(project: ProjectConfig, repo: RepoConfig, deployment: Pick<Config, 'app'>): { project: ProjectConfig; notes: string[] } {
  const notes: string[] = [];
  const next: ProjectConfig = { ...project };
  if (repo.triggerLabel) next.triggerLabel = repo.triggerLabel;
  if (repo.agent) next.agent = repo.agent;
  if (repo.baseBranch) next.baseBranch = repo.baseBranch;
  if (repo.rules !== undefined) next.rules = repo.rules;
  if (repo.endGraceMin !== undefined) next.endGraceMin = repo.endGraceMin;
  // A repo may tighten its budgets, never loosen the deployment's.
  if (repo.maxLiveSessions !== undefined) next.maxLiveSessions = Math.min(repo.maxLiveSessions, project.maxLiveSessions ?? Infinity);
  if (repo.maxSessionAgeHours !== undefined) next.maxSessionAgeHours = Math.min(repo.maxSessionAgeHours, project.maxSessionAgeHours ?? Infinity);
  if (repo.reactions) {
    // A repo's partial override sits on the deployment's project override, each field on its own.
    const merged = { ...project.reactions } as NonNullable<ProjectConfig['reactions']>;
    for (const [name, override] of Object.entries(repo.reactions) as [ReactionName, NonNullable<RepoConfig['reactions']>[ReactionName]][]) {
      if (override) merged[name] = { ...merged[name], ...override };
    }
    next.reactions = merged;
  }
  for (const key of ['agentCommand', 'postCreate'] as const) {
    if (repo[key] === undefined) continue;
    if (!deployment.app.repoMayRun) {
      notes.push(`${key} in ${REPO_CONFIG_PATH} is ignored: what runs on the hosts is the deployment's to decide (it may allow it with app.repoMayRun)`);
      continue;
    }
    if (key === 'agentCommand') next.agentCommand = repo.agentCommand;
    else next.postCreate = repo.postCreate ?? [];
  }
  return { project: next, notes };
}

/** The trigger label in force for a project. */
export function triggerLabel(project: Pick<ProjectConfig, 'triggerLabel'>, deployment: Pick<Config, 'app'>): string {
  return project.triggerLabel ?? deployment.app.triggerLabel;
}
