/**
 * Where things live on a runner host (SPEC section 2). The only place that
 * names session, lock, claim, worktree, prompt and mirror paths, and the refs
 * ao writes into a project's repository: kill and rollback delete what these
 * names point at, so there must be one definition.
 *
 * Paths are relative to the data root (`dataDir`, which may start with `~`
 * and is expanded on the host); `resolve(root)` gives absolute ones once the
 * host has told us what `~` is.
 */

export type LockPurpose = 'record' | 'send' | 'runtime';

export interface HostPaths {
  instance: string;
  project(project: string): string;
  sessionsDir(project: string): string;
  session(project: string, id: string): string;
  /** `record` guards the metadata file; `send` serialises messages; `runtime` guards tmux and the worktree. */
  lock(project: string, id: string, purpose: LockPurpose): string;
  idsDir(project: string): string;
  idReservation(project: string, n: number): string;
  issueClaim(project: string, issue: number): string;
  /** The project's control file on the arbiter host: the kill switch and the spawn queue (core/control.ts). */
  control(project: string): string;
  controlLock(project: string): string;
  events(project: string): string;
  worktreesDir(project: string): string;
  worktree(project: string, id: string): string;
  prompt(project: string, id: string): string;
  /** Messages staged on their way to an agent, and the outcome of each delivery. */
  outbox(project: string): string;
  /** Private archive of what kill keeps on the host (ignored files, nested repositories). */
  savedArchive(project: string, id: string, stamp: string): string;
  /** What the agent's own hooks report (scripts/agent-hook.sh): its last events, its transcripts, its token counts. */
  agentState(project: string, id: string): string;
  mirror(repo: string): string;
  /** A repo's current installation token (the app's credentials for its agents), rewritten before it expires. */
  tokenFile(repo: string): string;
  /** The git credential helper that answers with that file's token. */
  credentialHelper(): string;
  /** Put first on agents' PATH: the `gh` shim that reads the current token. */
  agentBin(): string;
}

function paths(base: string): HostPaths {
  const p = (project: string) => `${base}/${project}`;
  return {
    instance: base,
    project: p,
    sessionsDir: (project) => `${p(project)}/sessions`,
    session: (project, id) => `${p(project)}/sessions/${id}`,
    // The record lock keeps the historical name (no suffix) so hosts upgraded mid-run agree on it.
    lock: (project, id, purpose) => `${p(project)}/locks/${id}${purpose === 'record' ? '' : `.${purpose}`}`,
    idsDir: (project) => `${p(project)}/ids`,
    idReservation: (project, n) => `${p(project)}/ids/${n}`,
    issueClaim: (project, issue) => `${p(project)}/issues/${issue}`,
    control: (project) => `${p(project)}/control`,
    // Session IDs never start with "_": no session's lock can be this one.
    controlLock: (project) => `${p(project)}/locks/_control`,
    events: (project) => `${p(project)}/events.jsonl`,
    worktreesDir: (project) => `${p(project)}/worktrees`,
    worktree: (project, id) => `${p(project)}/worktrees/${id}`,
    prompt: (project, id) => `${p(project)}/prompts/${id}.md`,
    outbox: (project) => `${p(project)}/outbox`,
    savedArchive: (project, id, stamp) => `${p(project)}/saved/${id}/${stamp}.tar`,
    agentState: (project, id) => `${p(project)}/agent-state/${id}`,
    mirror: (repo) => `${base}/repos/${repo}.git`,
    // Tokens under repos/, beside the helper and bin/: no owner name can collide with either.
    tokenFile: (repo) => `${base}/credentials/repos/${repo}.token`,
    credentialHelper: () => `${base}/credentials/git-credential-ao`,
    agentBin: () => `${base}/credentials/bin`,
  };
}

/** Paths relative to the data root, for host scripts that expand the root themselves. */
export function relativePaths(instance: string): HostPaths {
  return paths(instance);
}

/** Absolute paths on a host whose data root is `root` (already expanded). */
export function absolutePaths(root: string, instance: string): HostPaths {
  return paths(`${root.replace(/\/+$/, '')}/${instance}`);
}

/**
 * The ref in the project's origin where kill saves a session's unsaved work.
 * It names the deployment (`<instance>-<hash12>`), so two deployments that
 * both have a session `web-1` never write to the same ref.
 */
export function backupRef(deployment: string, id: string): string {
  return `refs/ao/backup/${deployment}/${id}`;
}

/** A deployment's name in refs and on shared hosts: its instance and the hash of (instance, dataDir). */
export function deploymentName(instance: string, hash12: string): string {
  return `${instance}-${hash12}`;
}
