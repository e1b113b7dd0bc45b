import type { ProjectConfig } from '../core/config.js';
import { isSessionCheck } from '../core/check-run.js';
import { viewPullRequest, type IssueFacts, type PullRequestView, type ReviewCommentFact } from '../core/evidence.js';
import { TERMINAL_STATUSES } from '../core/model.js';
import type { RecordedEvidence } from '../core/plan.js';
import type { SessionRecord } from '../core/record.js';
import type { EvidenceRequest, GitHubPort, RepoPermission, RepoRef } from '../github/port.js';

/**
 * What GitHub says about sessions, gathered for a cycle: one batched
 * GraphQL request per repo (GitHubPort.fetchEvidence), then the permission
 * of each review-comment author (cached by the port), so the reactions can
 * tell a writer's comments from anyone else's. Nothing is asked for a
 * session whose evidence cannot change (killed, merged). A repo that could
 * not be asked (rate limited, GitHub unavailable) gives no evidence for its
 * sessions: they keep what was last recorded, and the cycle says why.
 */

export interface SessionGitHub {
  /** Undefined: GitHub has no PR for the session's branch. */
  pr?: PullRequestView;
  issue?: IssueFacts;
  /** Unresolved review comments by people with write, maintain or admin permission. */
  writerComments: ReviewCommentFact[];
  /** Everyone else's: listed for a maintainer, never sent to an agent. */
  otherComments: ReviewCommentFact[];
  /** The fields the record keeps. */
  recorded: RecordedEvidence;
}

export interface GitHubEvidence {
  /** Per session ID. A session that is missing was not asked, or GitHub could not say. */
  sessions: Map<string, SessionGitHub>;
  /** Repos that could not be asked this time, and why. */
  notes: string[];
  /** HTTP requests made (evidence and permissions). */
  requests: number;
  rateLimited: string[];
}

const WRITER: ReadonlySet<RepoPermission> = new Set(['write', 'maintain', 'admin']);

export function repoRef(repo: string): RepoRef {
  const [owner = '', name = ''] = repo.split('/');
  return { owner, repo: name };
}

export async function gatherEvidence(port: GitHubPort, sessions: readonly { project: ProjectConfig; record: SessionRecord }[]): Promise<GitHubEvidence> {
  const result: GitHubEvidence = { sessions: new Map(), notes: [], requests: 0, rateLimited: [] };
  const byRepo = new Map<string, SessionRecord[]>();
  for (const { project, record } of sessions) {
    if (TERMINAL_STATUSES.has(record.status)) continue;
    const list = byRepo.get(project.repo) ?? [];
    list.push(record);
    byRepo.set(project.repo, list);
  }
  await Promise.all(
    [...byRepo].map(async ([repo, records]) => {
      const ref = repoRef(repo);
      const requests: EvidenceRequest[] = records.map((r) => ({ key: r.id, branch: r.branch, ...(r.prNumber ? { prNumber: r.prNumber } : {}), ...(r.issue ? { issueNumber: r.issue } : {}) }));
      let batch;
      try {
        batch = await port.fetchEvidence(ref, requests);
      } catch (error) {
        result.notes.push(`${repo}: GitHub could not be asked (${error instanceof Error ? error.message : String(error)}); its sessions keep their last PR status`);
        return;
      }
      result.requests += batch.requests;
      if (batch.outcome === 'rate_limited') {
        result.rateLimited.push(repo);
        result.notes.push(`${repo}: rate limited by GitHub${batch.resetAt ? ` until ${batch.resetAt}` : ''}; its sessions keep their last PR status`);
        return;
      }
      for (const evidence of batch.sessions) {
        if (evidence.status === 'unknown') continue;
        const issueState = evidence.issue ? (evidence.issue.state === 'CLOSED' ? 'closed' : 'open') : undefined;
        if (evidence.status === 'no_pr') {
          result.sessions.set(evidence.key, { issue: evidence.issue, writerComments: [], otherComments: [], recorded: { ...(issueState ? { issueState } : {}) } });
          continue;
        }
        // The app's own check run on the PR says how the session is; it is not CI the session must react to.
        const pr = viewPullRequest({ ...evidence.pr, checks: evidence.pr.checks.filter((c) => !isSessionCheck(c.name)) });
        const comments = evidence.pr.unresolvedThreads.flatMap((t) => t.comments);
        const writerComments: ReviewCommentFact[] = [];
        const otherComments: ReviewCommentFact[] = [];
        for (const comment of comments) {
          // Never trusted from what GitHub says of the author's association: the permission API decides.
          const permission = comment.author ? await port.collaboratorPermission(ref, comment.author).catch((): RepoPermission => 'none') : 'none';
          (WRITER.has(permission) ? writerComments : otherComments).push(comment);
        }
        result.sessions.set(evidence.key, {
          pr,
          issue: evidence.issue,
          writerComments,
          otherComments,
          recorded: {
            pr: pr.url,
            prNumber: pr.number,
            prState: pr.evidence.state,
            ci: pr.evidence.ci,
            review: pr.evidence.review,
            threads: pr.unresolvedThreads,
            headSha: pr.headSha,
            ...(issueState ? { issueState } : {}),
          },
        });
      }
    }),
  );
  return result;
}
