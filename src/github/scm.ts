// SCM evidence, batched: every live session of a repo in ONE GraphQL request
// per cycle. Each session is an alias (`s0`, `s1`, ...) that finds its PR by
// head branch (or reads it by number when known) with everything the status
// derivation and the reactions need; the session's issue state is another
// alias in the same request. More requests only when:
//   - there are more than EVIDENCE_BATCH_SIZE sessions (one request per 100), or
//   - a PR has more review threads, or its head commit more checks, than one
//     page holds: one follow-up request per round collects every such page.
//
// The caller passes only sessions whose evidence can still change (not
// killed, not merged): nothing is fetched for the others.
//
// A rate limit (403/429 with x-ratelimit-remaining: 0, a secondary limit, or
// GraphQL's RATE_LIMITED) is returned as `outcome: 'rate_limited'`: nothing
// was learnt, the caller keeps the last evidence. It is never read as "no PR".
//
// Cost (GitHub's GraphQL points: one per hundred connection pages the query
// could need): about 0.25 point per session, i.e. ~26 for 100 sessions,
// because review threads are asked 20 at a time (each thread's comments is a
// page of its own) and check runs' output (title, summary, text) comes inline
// with the rollup's contexts, which costs no extra page.

import type { CheckConclusionFact, CheckFact, CheckStatusFact, IssueFacts, MergeableFact, MergeStateStatusFact, PullRequestFacts, PullRequestStateFact, ReviewCommentFact, ReviewDecisionFact, ReviewStateFact, ReviewThreadFact, StatusStateFact } from '../core/evidence.js';
import type { GitHubClient, GraphqlFieldError } from './client.js';
import { GitHubNotFound, GitHubRateLimited } from './errors.js';
import type { EvidenceBatch, EvidenceRequest, RateLimitInfo, RepoRef, SessionEvidence } from './port.js';

/** Sessions per request (GitHub's node and cost limits allow it comfortably: ~35k nodes, ~26 points). */
export const EVIDENCE_BATCH_SIZE = 100;
/** Review threads per page; each thread's comments count as a page of cost, so this drives the query's cost. */
export const THREADS_PER_PAGE = 20;
export const COMMENTS_PER_THREAD = 10;
export const CONTEXTS_PER_PAGE = 100;

// ---- the query -------------------------------------------------------------------------------

const ACCOUNT = '__typename login';

export const REVIEW_THREAD_FRAGMENT = `fragment AoReviewThread on PullRequestReviewThread {
  id
  isResolved
  isOutdated
  path
  line
  comments(first: ${COMMENTS_PER_THREAD}) {
    totalCount
    nodes { id databaseId author { ${ACCOUNT} } authorAssociation body url path line createdAt }
  }
}`;

export const CHECK_CONTEXT_FRAGMENT = `fragment AoCheckContext on StatusCheckRollupContext {
  __typename
  ... on CheckRun { databaseId name status conclusion detailsUrl url title summary text checkSuite { app { slug } } }
  ... on StatusContext { context state targetUrl description }
}`;

const CONTEXTS_PAGE = `totalCount pageInfo { hasNextPage endCursor } nodes { ...AoCheckContext }`;
const THREADS_PAGE = `totalCount pageInfo { hasNextPage endCursor } nodes { ...AoReviewThread }`;

export const PULL_REQUEST_FRAGMENT = `fragment AoPullRequest on PullRequest {
  number
  url
  state
  isDraft
  isCrossRepository
  headRefName
  baseRefName
  headRefOid
  mergeable
  mergeStateStatus
  reviewDecision
  reviewRequests(first: 10) {
    totalCount
    nodes { requestedReviewer { __typename ... on User { login } ... on Bot { login } ... on Mannequin { login } ... on Team { slug } } }
  }
  latestOpinionatedReviews(first: 20, writersOnly: true) { nodes { state author { ${ACCOUNT} } } }
  reviewThreads(first: ${THREADS_PER_PAGE}) { ${THREADS_PAGE} }
  commits(last: 1) {
    nodes { commit { oid statusCheckRollup { state contexts(first: ${CONTEXTS_PER_PAGE}) { ${CONTEXTS_PAGE} } } } }
  }
}`;

export interface BuiltQuery {
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

/**
 * The evidence query for up to EVIDENCE_BATCH_SIZE sessions of one repo.
 * Values travel as variables, never spliced into the text.
 */
export function buildEvidenceQuery(repo: RepoRef, sessions: readonly EvidenceRequest[]): BuiltQuery {
  const declarations = ['$owner: String!', '$name: String!'];
  const fields: string[] = [];
  const variables: Record<string, unknown> = { owner: repo.owner, name: repo.repo };
  sessions.forEach((session, i) => {
    if (session.prNumber !== undefined) {
      declarations.push(`$n${i}: Int!`);
      variables[`n${i}`] = session.prNumber;
      fields.push(`s${i}: pullRequest(number: $n${i}) { ...AoPullRequest }`);
    } else {
      declarations.push(`$b${i}: String!`);
      variables[`b${i}`] = session.branch;
      // The newest PR of the branch: a session's new PR replaces its closed one.
      fields.push(`s${i}: pullRequests(headRefName: $b${i}, first: 1, orderBy: { field: CREATED_AT, direction: DESC }) { nodes { ...AoPullRequest } }`);
    }
    if (session.issueNumber !== undefined) {
      declarations.push(`$i${i}: Int!`);
      variables[`i${i}`] = session.issueNumber;
      fields.push(`i${i}: issueOrPullRequest(number: $i${i}) { __typename ... on Issue { number issueState: state stateReason } ... on PullRequest { number prState: state } }`);
    }
  });
  const query = `query AoEvidence(${declarations.join(', ')}) {
  rateLimit { cost limit remaining resetAt }
  repository(owner: $owner, name: $name) {
    ${fields.join('\n    ')}
  }
}
${PULL_REQUEST_FRAGMENT}
${REVIEW_THREAD_FRAGMENT}
${CHECK_CONTEXT_FRAGMENT}`;
  return { query, variables };
}

/** A page still to read: more review threads, or more checks of the head commit, of PR `number`. */
export interface PageRequest {
  readonly number: number;
  readonly connection: 'reviewThreads' | 'contexts';
  readonly after: string;
}

/** One request for the next page of every connection that has one. */
export function buildPagesQuery(repo: RepoRef, pages: readonly PageRequest[]): BuiltQuery {
  const declarations = ['$owner: String!', '$name: String!'];
  const fields: string[] = [];
  const variables: Record<string, unknown> = { owner: repo.owner, name: repo.repo };
  let usesThreads = false;
  let usesContexts = false;
  pages.forEach((page, i) => {
    declarations.push(`$n${i}: Int!`, `$a${i}: String!`);
    variables[`n${i}`] = page.number;
    variables[`a${i}`] = page.after;
    if (page.connection === 'reviewThreads') {
      usesThreads = true;
      fields.push(`p${i}: pullRequest(number: $n${i}) { reviewThreads(first: 100, after: $a${i}) { ${THREADS_PAGE} } }`);
    } else {
      usesContexts = true;
      fields.push(`p${i}: pullRequest(number: $n${i}) { commits(last: 1) { nodes { commit { statusCheckRollup { contexts(first: ${CONTEXTS_PER_PAGE}, after: $a${i}) { ${CONTEXTS_PAGE} } } } } } }`);
    }
  });
  const fragments = [usesThreads ? REVIEW_THREAD_FRAGMENT : '', usesContexts ? CHECK_CONTEXT_FRAGMENT : ''].filter(Boolean).join('\n');
  const query = `query AoEvidencePages(${declarations.join(', ')}) {
  rateLimit { cost limit remaining resetAt }
  repository(owner: $owner, name: $name) {
    ${fields.join('\n    ')}
  }
}
${fragments}`;
  return { query, variables };
}

// ---- reading the answer ------------------------------------------------------------------------

interface RawAccount {
  __typename?: string;
  login?: string;
}
interface RawComment {
  id: string;
  databaseId: number | null;
  author: RawAccount | null;
  authorAssociation: string | null;
  body: string;
  url: string;
  path: string | null;
  line: number | null;
  createdAt: string | null;
}
interface RawThread {
  id: string;
  isResolved: boolean;
  isOutdated: boolean;
  path: string | null;
  line: number | null;
  comments: { totalCount: number; nodes: (RawComment | null)[] | null } | null;
}
interface RawPage<T> {
  totalCount?: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: (T | null)[] | null;
}
type RawContext =
  | {
      __typename: 'CheckRun';
      databaseId: number | null;
      name: string;
      status: string;
      conclusion: string | null;
      detailsUrl: string | null;
      url: string | null;
      title: string | null;
      summary: string | null;
      text: string | null;
      checkSuite: { app: { slug: string } | null } | null;
    }
  | { __typename: 'StatusContext'; context: string; state: string; targetUrl: string | null; description: string | null };
export interface RawPullRequest {
  number: number;
  url: string;
  state: string;
  isDraft: boolean;
  isCrossRepository?: boolean;
  headRefName: string;
  baseRefName: string;
  headRefOid: string;
  mergeable: string;
  mergeStateStatus: string | null;
  reviewDecision: string | null;
  reviewRequests: { totalCount: number; nodes: ({ requestedReviewer: (RawAccount & { slug?: string }) | null } | null)[] | null } | null;
  latestOpinionatedReviews: { nodes: ({ state: string; author: RawAccount | null } | null)[] | null } | null;
  reviewThreads: RawPage<RawThread> | null;
  commits: { nodes: ({ commit: { oid: string; statusCheckRollup: { state: string; contexts: RawPage<RawContext> } | null } } | null)[] | null } | null;
}
type RawIssueOrPull = { __typename: 'Issue' | 'PullRequest'; number: number; issueState?: string; prState?: string; stateReason?: string | null } | null;
interface RawRateLimit {
  cost: number;
  limit: number;
  remaining: number;
  resetAt: string;
}

/** REST spells a bot `name[bot]`; GraphQL gives the bare slug. Keep the REST spelling everywhere. */
export function restLogin(account: RawAccount | null | undefined): string | null {
  if (!account?.login) return null;
  return account.__typename === 'Bot' && !account.login.endsWith('[bot]') ? `${account.login}[bot]` : account.login;
}

function present<T>(list: (T | null)[] | null | undefined): T[] {
  return (list ?? []).filter((item): item is T => item !== null && item !== undefined);
}

function toComment(raw: RawComment): ReviewCommentFact | undefined {
  if (raw.databaseId === null || raw.databaseId === undefined) return undefined;
  return {
    id: raw.databaseId,
    nodeId: raw.id,
    author: restLogin(raw.author),
    authorAssociation: raw.authorAssociation ?? null,
    body: raw.body,
    url: raw.url,
    path: raw.path ?? null,
    line: raw.line ?? null,
    createdAt: raw.createdAt ?? null,
  };
}

function toThread(raw: RawThread): ReviewThreadFact {
  const comments = present(raw.comments?.nodes).map(toComment).filter((c): c is ReviewCommentFact => c !== undefined);
  return { id: raw.id, path: raw.path ?? null, line: raw.line ?? null, isOutdated: raw.isOutdated, comments, totalComments: raw.comments?.totalCount ?? comments.length };
}

function toCheck(raw: RawContext): CheckFact {
  if (raw.__typename === 'StatusContext') {
    return { kind: 'status', name: raw.context, state: raw.state as StatusStateFact, url: raw.targetUrl ?? null, description: raw.description ?? null };
  }
  const output = raw.title !== null || raw.summary !== null || raw.text !== null ? { title: raw.title ?? null, summary: raw.summary ?? null, text: raw.text ?? null } : undefined;
  return {
    kind: 'check_run',
    id: raw.databaseId ?? null,
    name: raw.name,
    status: raw.status as CheckStatusFact,
    conclusion: (raw.conclusion ?? null) as CheckConclusionFact | null,
    url: raw.detailsUrl ?? raw.url ?? null,
    app: raw.checkSuite?.app?.slug ?? null,
    ...(output ? { output } : {}),
  };
}

interface Collected {
  facts: Omit<PullRequestFacts, 'checks' | 'unresolvedThreads'>;
  threads: RawThread[];
  contexts: RawContext[];
  pendingThreads?: string;
  pendingContexts?: string;
}

function collect(raw: RawPullRequest): Collected {
  const commit = present(raw.commits?.nodes)[0]?.commit;
  const rollup = commit?.statusCheckRollup ?? null;
  const threadsPage = raw.reviewThreads;
  return {
    facts: {
      number: raw.number,
      url: raw.url,
      state: raw.state as PullRequestStateFact,
      isDraft: raw.isDraft,
      headRef: raw.headRefName,
      baseRef: raw.baseRefName,
      headSha: raw.headRefOid,
      mergeable: raw.mergeable as MergeableFact,
      mergeStateStatus: (raw.mergeStateStatus ?? null) as MergeStateStatusFact | null,
      reviewDecision: (raw.reviewDecision ?? null) as ReviewDecisionFact | null,
      latestReviews: present(raw.latestOpinionatedReviews?.nodes).map((r) => ({ author: restLogin(r.author), state: r.state as ReviewStateFact })),
      reviewRequests: present(raw.reviewRequests?.nodes)
        .map((r) => r.requestedReviewer)
        .map((who) => (who ? (who.__typename === 'Team' ? (who.slug ?? null) : restLogin(who)) : null))
        .filter((who): who is string => who !== null),
    },
    threads: present(threadsPage?.nodes),
    contexts: present(rollup?.contexts.nodes),
    ...(threadsPage?.pageInfo.hasNextPage && threadsPage.pageInfo.endCursor ? { pendingThreads: threadsPage.pageInfo.endCursor } : {}),
    ...(rollup?.contexts.pageInfo.hasNextPage && rollup.contexts.pageInfo.endCursor ? { pendingContexts: rollup.contexts.pageInfo.endCursor } : {}),
  };
}

function finish(collected: Collected): PullRequestFacts {
  return {
    ...collected.facts,
    checks: collected.contexts.map(toCheck),
    unresolvedThreads: collected.threads.filter((t) => !t.isResolved).map(toThread),
  };
}

function toIssue(raw: RawIssueOrPull): IssueFacts | undefined {
  if (!raw) return undefined;
  // A PR number given as the issue: merged or closed both end it.
  const rawState = raw.issueState ?? raw.prState;
  const state = rawState === 'OPEN' ? 'OPEN' : 'CLOSED';
  return { number: raw.number, state, stateReason: raw.__typename === 'Issue' ? (raw.stateReason ?? null) : rawState === 'MERGED' ? 'MERGED' : null };
}

/**
 * The session's PR from its alias: the node of `pullRequest(number)`, or the
 * newest of `pullRequests(headRefName)`. A PR whose head lives in a fork is
 * never a session's, even with the same branch name: anyone can open one,
 * and its CI, review comments or an auto-merge must not reach the session.
 * Such a PR makes the session's evidence unknown (the last evidence stays).
 */
export function choosePullRequest(raw: unknown, session: Pick<EvidenceRequest, 'branch' | 'prNumber'>): { pr?: RawPullRequest; rejected?: string } {
  const value = raw as RawPullRequest | { nodes: (RawPullRequest | null)[] | null } | null | undefined;
  const pr = value && 'nodes' in value ? present(value.nodes)[0] : (value as RawPullRequest | null | undefined);
  if (!pr) return {};
  if (pr.isCrossRepository) {
    return { rejected: session.prNumber !== undefined ? `PR #${pr.number} comes from a fork` : `the newest PR with head branch ${session.branch} (#${pr.number}) comes from a fork, not from this session` };
  }
  return { pr };
}

/** The alias (`s3`, `i3`, `p0`) a field error is about, when it is about one. */
function aliasOf(error: GraphqlFieldError): string | undefined {
  const path = error.path ?? [];
  return path[0] === 'repository' && typeof path[1] === 'string' ? path[1] : undefined;
}

function addRate(total: RateLimitInfo | undefined, raw: RawRateLimit | null | undefined): RateLimitInfo | undefined {
  if (!raw) return total;
  return { remaining: raw.remaining, limit: raw.limit, resetAt: raw.resetAt, cost: (total?.cost ?? 0) + raw.cost };
}

function rateLimitedBatch(repo: RepoRef, error: GitHubRateLimited, requests: number): EvidenceBatch {
  return {
    outcome: 'rate_limited',
    repo,
    kind: error.kind,
    resetAt: error.resetAt?.toISOString(),
    retryAfterSec: error.retryAfterSec,
    message: error.message,
    requests,
  };
}

/** Fetches evidence for the sessions of one repo. See GitHubPort.fetchEvidence for what it throws. */
export async function fetchEvidence(client: GitHubClient, repo: RepoRef, sessions: readonly EvidenceRequest[]): Promise<EvidenceBatch> {
  const what = `evidence for ${repo.owner}/${repo.repo}`;
  const results: SessionEvidence[] = [];
  let requests = 0;
  let rate: RateLimitInfo | undefined;
  try {
    for (let start = 0; start < sessions.length; start += EVIDENCE_BATCH_SIZE) {
      const chunk = sessions.slice(start, start + EVIDENCE_BATCH_SIZE);
      const { query, variables } = buildEvidenceQuery(repo, chunk);
      requests++;
      const answer = await client.graphql<{ rateLimit: RawRateLimit | null; repository: Record<string, unknown> | null }>(query, variables, what);
      rate = addRate(rate, answer.data?.rateLimit);
      const repository = answer.data?.repository;
      if (!repository) {
        const notFound = answer.errors.find((e) => e.type === 'NOT_FOUND');
        throw new GitHubNotFound(`${what}: ${notFound?.message ?? answer.errors[0]?.message ?? 'no repository in the answer'}`);
      }
      const failed = new Map<string, string>();
      for (const error of answer.errors) {
        const alias = aliasOf(error);
        if (alias) failed.set(alias, error.message);
      }

      const collected = new Map<number, Collected>();
      chunk.forEach((session, i) => {
        if (failed.has(`s${i}`)) return;
        const chosen = choosePullRequest(repository[`s${i}`], session);
        if (chosen.rejected) failed.set(`s${i}`, chosen.rejected);
        else if (chosen.pr) collected.set(i, collect(chosen.pr));
      });

      // Follow pages (more threads, more checks) until every connection is complete, one request per round.
      for (;;) {
        const pages: { index: number; page: PageRequest }[] = [];
        for (const [index, c] of collected) {
          if (c.pendingThreads) pages.push({ index, page: { number: c.facts.number, connection: 'reviewThreads', after: c.pendingThreads } });
          if (c.pendingContexts) pages.push({ index, page: { number: c.facts.number, connection: 'contexts', after: c.pendingContexts } });
        }
        if (pages.length === 0) break;
        const more = buildPagesQuery(repo, pages.map((p) => p.page));
        requests++;
        const answerMore = await client.graphql<{ rateLimit: RawRateLimit | null; repository: Record<string, unknown> | null }>(more.query, more.variables, `${what} (more pages)`);
        rate = addRate(rate, answerMore.data?.rateLimit);
        const moreFailed = new Set(answerMore.errors.map(aliasOf).filter((a): a is string => a !== undefined));
        pages.forEach(({ index, page }, p) => {
          const c = collected.get(index)!;
          const raw = answerMore.data?.repository?.[`p${p}`] as RawPullRequest | null | undefined;
          if (page.connection === 'reviewThreads') delete c.pendingThreads;
          else delete c.pendingContexts;
          if (moreFailed.has(`p${p}`) || !raw) {
            failed.set(`s${index}`, answerMore.errors.find((e) => aliasOf(e) === `p${p}`)?.message ?? 'a page of the PR could not be read');
            return;
          }
          if (page.connection === 'reviewThreads' && raw.reviewThreads) {
            c.threads.push(...present(raw.reviewThreads.nodes));
            if (raw.reviewThreads.pageInfo.hasNextPage && raw.reviewThreads.pageInfo.endCursor) c.pendingThreads = raw.reviewThreads.pageInfo.endCursor;
          }
          const contexts = present(raw.commits?.nodes)[0]?.commit.statusCheckRollup?.contexts;
          if (page.connection === 'contexts' && contexts) {
            c.contexts.push(...present(contexts.nodes));
            if (contexts.pageInfo.hasNextPage && contexts.pageInfo.endCursor) c.pendingContexts = contexts.pageInfo.endCursor;
          }
        });
        for (const [index] of collected) if (failed.has(`s${index}`)) collected.delete(index);
      }

      chunk.forEach((session, i) => {
        const issue = session.issueNumber !== undefined && !failed.has(`i${i}`) ? toIssue(repository[`i${i}`] as RawIssueOrPull) : undefined;
        const withIssue = issue ? { issue } : {};
        if (failed.has(`s${i}`)) {
          results.push({ key: session.key, status: 'unknown', reason: failed.get(`s${i}`)! });
          return;
        }
        const c = collected.get(i);
        results.push(c ? { key: session.key, status: 'pr', pr: finish(c), ...withIssue } : { key: session.key, status: 'no_pr', ...withIssue });
      });
    }
  } catch (error) {
    if (error instanceof GitHubRateLimited) return rateLimitedBatch(repo, error, requests);
    throw error;
  }
  return { outcome: 'fresh', repo, sessions: results, requests, rateLimit: rate };
}
