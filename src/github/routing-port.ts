import type { GitHubPort, RepoRef } from './port.js';

/**
 * One GitHubPort over several: each call goes to the port for its repo (the
 * app has one per installation). Every method of the port names its repo
 * first, so routing needs nothing else.
 */
export function routingGitHubPort(portFor: (repo: RepoRef) => Promise<GitHubPort>): GitHubPort {
  const route =
    <K extends keyof GitHubPort>(method: K) =>
    async (repo: RepoRef, ...rest: unknown[]) => {
      const port = await portFor(repo);
      return (port[method] as (repo: RepoRef, ...args: unknown[]) => unknown)(repo, ...rest);
    };
  return {
    fetchEvidence: route('fetchEvidence'),
    collaboratorPermission: route('collaboratorPermission'),
    getIssue: route('getIssue'),
    getRepo: route('getRepo'),
    upsertComment: route('upsertComment'),
    addReaction: route('addReaction'),
    comment: route('comment'),
    upsertCheckRun: route('upsertCheckRun'),
    mergePullRequest: route('mergePullRequest'),
  } as GitHubPort;
}
