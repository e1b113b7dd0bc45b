import { AoError } from '../core/errors.js';
import { applyPatch } from '../core/record.js';
import { closingIssues } from '../core/pr-link.js';
import { repoRef } from '../lifecycle/evidence.js';
import type { Orchestrator } from './orchestrator.js';

export interface ClaimResult {
  id: string;
  host: string;
  prNumber: number;
  pr: string;
  /** The PR the session had before, if another. */
  previous: number | null;
}

/**
 * Attach a pull request to a session (SPEC section 4, "PR linking"): a PR
 * whose head is not the session's branch (opened by a person, or by the
 * agent under another name) becomes the session's PR, so its CI, reviews
 * and merge drive the session's status and reactions. The session is the
 * one named, else the live session of the issue the PR's description says
 * it closes. Never a PR from a fork: anyone can open one, and its CI or
 * review comments must not reach an agent.
 */
export async function claimPullRequest(orch: Orchestrator, project: string, prNumber: number, session?: string): Promise<ClaimResult> {
  const p = orch.project(project);
  const port = await orch.github();
  if (!port) throw new AoError('usage', `claiming PR #${prNumber} needs GitHub (to read it and see where it comes from)`, 'set GITHUB_TOKEN or GH_TOKEN (or log in with `gh auth login`)');
  const repo = repoRef(p.repo);
  const batch = await port.fetchEvidence(repo, [{ key: 'claim', branch: '', prNumber }]);
  if (batch.outcome !== 'fresh') throw new AoError('failed', `GitHub is rate limiting this deployment; PR #${prNumber} could not be read`, 'try again in a few minutes');
  const found = batch.sessions[0];
  if (!found || found.status !== 'pr') {
    const why = found?.status === 'unknown' ? found.reason : `there is no PR #${prNumber} in ${p.repo}`;
    throw new AoError('not_found', `PR #${prNumber} cannot be claimed: ${why}`, 'claim a pull request of this repository opened from one of its own branches');
  }
  const pr = found.pr;

  let target = session;
  if (!target) {
    const { body } = await port.getIssue(repo, prNumber);
    const issues = closingIssues(body, p.repo);
    if (issues.length === 0) throw new AoError('usage', `PR #${prNumber} does not say which issue it closes`, `name the session: \`/ao claim <session>\` (or \`ao session claim ${prNumber} <session>\`), or write "Fixes #<issue>" in its description`);
    const snapshots = await orch.snapshotAll();
    for (const issue of issues) {
      const live = await orch.locate({ project: p.name, issue }, snapshots).catch(() => undefined);
      if (live) {
        target = live.record.id;
        break;
      }
    }
    if (!target) throw new AoError('not_found', `no live session works on issue ${issues.map((n) => `#${n}`).join(' or ')}, which PR #${prNumber} closes`, '`/ao spawn` on the issue starts one; or name a session');
  }

  const { host, project: owner } = await orch.locate(target);
  if (owner.name !== p.name) throw new AoError('usage', `session ${target} belongs to project ${owner.name}, not to ${p.name}`);
  const store = orch.store(host);
  return store.withLocks(owner.name, target, ['record'], async (held) => {
    const record = await held.read();
    if (!record) throw new AoError('not_found', `session ${target} has no record any more`);
    if (record.status === 'killed' || record.status === 'merged') throw new AoError('conflict', `session ${target} is ${record.status}; a PR can be claimed for a live session only`, `restore it first: ao session restore ${target}`);
    const previous = record.prNumber && record.prNumber !== pr.number ? record.prNumber : null;
    const updated = applyPatch(record, { prNumber: pr.number, pr: pr.url, headSha: pr.headSha });
    await held.write(updated, [{ type: 'pr_claimed', session: target, actor: orch.actor, pr: pr.number, url: pr.url, ...(previous ? { previous } : {}) }]);
    return { id: target!, host, prNumber: pr.number, pr: pr.url, previous };
  });
}
