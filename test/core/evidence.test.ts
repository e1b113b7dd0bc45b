import { describe, expect, it } from 'vitest';
import {
  checkVerdict,
  ciFailureFingerprint,
  ciState,
  excerpt,
  failingChecks,
  mergeability,
  reviewCommentsFingerprint,
  reviewState,
  toPullRequestEvidence,
  unresolvedCommentIds,
  viewPullRequest,
  type CheckFact,
  type CheckRunFact,
  type PullRequestFacts,
  type ReviewCommentFact,
  type ReviewThreadFact,
  type StatusContextFact,
} from '../../src/core/evidence.js';
import type { CiState, ReviewState } from '../../src/core/status.js';

const run = (name: string, status: string, conclusion: string | null = null, over: Partial<CheckRunFact> = {}): CheckRunFact =>
  ({ kind: 'check_run', id: 1, name, status, conclusion, url: `https://ci.example/${name}`, app: 'github-actions', ...over }) as CheckRunFact;
const status = (name: string, state: string, over: Partial<StatusContextFact> = {}): StatusContextFact => ({ kind: 'status', name, state, url: `https://ci.example/s/${name}`, description: null, ...over }) as StatusContextFact;

const comment = (id: number, author: string | null = 'rita', over: Partial<ReviewCommentFact> = {}): ReviewCommentFact => ({
  id,
  nodeId: `PRRC_${id}`,
  author,
  authorAssociation: 'COLLABORATOR',
  body: `comment ${id}`,
  url: `https://github.example/pr/1#discussion_r${id}`,
  path: 'src/a.ts',
  line: 3,
  createdAt: '2026-01-01T00:00:00Z',
  ...over,
});
const thread = (id: string, comments: ReviewCommentFact[]): ReviewThreadFact => ({ id, path: 'src/a.ts', line: 3, isOutdated: false, comments, totalComments: comments.length });

const facts = (over: Partial<PullRequestFacts> = {}): PullRequestFacts => ({
  number: 7,
  url: 'https://github.example/acme/web/pull/7',
  state: 'OPEN',
  isDraft: false,
  headRef: 'ao/web-1',
  baseRef: 'main',
  headSha: 'a'.repeat(40),
  mergeable: 'MERGEABLE',
  mergeStateStatus: 'CLEAN',
  reviewDecision: null,
  latestReviews: [],
  reviewRequests: [],
  checks: [],
  unresolvedThreads: [],
  ...over,
});

describe('checkVerdict', () => {
  it.each<[string, CheckFact, 'passing' | 'failing' | 'pending']>([
    ['queued run', run('ci', 'QUEUED'), 'pending'],
    ['in-progress run', run('ci', 'IN_PROGRESS'), 'pending'],
    ['waiting run (environment approval)', run('ci', 'WAITING'), 'pending'],
    ['pending run', run('ci', 'PENDING'), 'pending'],
    ['requested run', run('ci', 'REQUESTED'), 'pending'],
    ['success', run('ci', 'COMPLETED', 'SUCCESS'), 'passing'],
    ['neutral counts as success', run('ci', 'COMPLETED', 'NEUTRAL'), 'passing'],
    ['skipped counts as success', run('ci', 'COMPLETED', 'SKIPPED'), 'passing'],
    ['failure', run('ci', 'COMPLETED', 'FAILURE'), 'failing'],
    ['timed out', run('ci', 'COMPLETED', 'TIMED_OUT'), 'failing'],
    ['startup failure', run('ci', 'COMPLETED', 'STARTUP_FAILURE'), 'failing'],
    ['cancelled: no verdict on the code', run('ci', 'COMPLETED', 'CANCELLED'), 'pending'],
    ['action required: waits for a person', run('ci', 'COMPLETED', 'ACTION_REQUIRED'), 'pending'],
    ['stale: needs a re-run, not a fix', run('ci', 'COMPLETED', 'STALE'), 'pending'],
    ['completed without conclusion', run('ci', 'COMPLETED', null), 'pending'],
    ['a conclusion GitHub adds later', run('ci', 'COMPLETED', 'SOMETHING_NEW'), 'pending'],
    ['a status GitHub adds later', run('ci', 'SOMETHING_NEW', 'FAILURE'), 'pending'],
    ['status success', status('lint', 'SUCCESS'), 'passing'],
    ['status failure', status('lint', 'FAILURE'), 'failing'],
    ['status error', status('lint', 'ERROR'), 'failing'],
    ['status pending', status('lint', 'PENDING'), 'pending'],
    ['status expected (required, not reported yet)', status('lint', 'EXPECTED'), 'pending'],
    ['a status state GitHub adds later', status('lint', 'SOMETHING_NEW'), 'pending'],
  ])('%s', (_name, check, verdict) => {
    expect(checkVerdict(check)).toBe(verdict);
  });
});

describe('ciState', () => {
  it.each<[string, CheckFact[], CiState]>([
    ['no checks at all', [], 'none'],
    ['all green', [run('build', 'COMPLETED', 'SUCCESS'), status('lint', 'SUCCESS')], 'passing'],
    ['only skipped and neutral', [run('deploy', 'COMPLETED', 'SKIPPED'), run('docs', 'COMPLETED', 'NEUTRAL')], 'passing'],
    ['one still running', [run('build', 'COMPLETED', 'SUCCESS'), run('e2e', 'IN_PROGRESS')], 'pending'],
    ['a status still pending', [run('build', 'COMPLETED', 'SUCCESS'), status('lint', 'PENDING')], 'pending'],
    ['failure beats pending', [run('build', 'COMPLETED', 'FAILURE'), run('e2e', 'IN_PROGRESS')], 'failing'],
    ['a failing status among passing runs', [run('build', 'COMPLETED', 'SUCCESS'), status('lint', 'ERROR')], 'failing'],
    ['cancelled next to green: no verdict yet', [run('build', 'COMPLETED', 'SUCCESS'), run('e2e', 'COMPLETED', 'CANCELLED')], 'pending'],
  ])('%s', (_name, checks, expected) => {
    expect(ciState(checks)).toBe(expected);
  });
});

describe('failingChecks and the CI fingerprint', () => {
  const sha = 'b'.repeat(40);
  const failing = [
    run('test', 'COMPLETED', 'FAILURE', { output: { title: '2 failing', summary: 'sum() adds', text: 'expected 3, got 2' } }),
    status('lint', 'ERROR', { description: 'eslint crashed' }),
    run('build', 'COMPLETED', 'TIMED_OUT'),
    run('docs', 'COMPLETED', 'SUCCESS', { output: { title: 'ok', summary: 'fine', text: null } }),
    run('e2e', 'IN_PROGRESS'),
  ];

  it('lists the failing checks sorted, with what the agent needs', () => {
    expect(failingChecks(failing)).toEqual([
      { kind: 'check_run', name: 'build', conclusion: 'timed_out', url: 'https://ci.example/build', title: null, summary: null, excerpt: null },
      { kind: 'status', name: 'lint', conclusion: 'error', url: 'https://ci.example/s/lint', title: null, summary: 'eslint crashed', excerpt: null },
      { kind: 'check_run', name: 'test', conclusion: 'failure', url: 'https://ci.example/test', title: '2 failing', summary: 'sum() adds', excerpt: 'expected 3, got 2' },
    ]);
  });

  it('is head SHA + sorted, de-duplicated failing names; none when CI is not failing', () => {
    expect(ciFailureFingerprint({ headSha: sha, checks: failing })).toBe(`${sha}:build,lint,test`);
    // Order of checks does not matter; a check run and a status with one name count once.
    expect(ciFailureFingerprint({ headSha: sha, checks: [...failing].reverse() })).toBe(`${sha}:build,lint,test`);
    expect(ciFailureFingerprint({ headSha: sha, checks: [status('test', 'FAILURE'), run('test', 'COMPLETED', 'FAILURE')] })).toBe(`${sha}:test`);
    expect(ciFailureFingerprint({ headSha: sha, checks: [run('build', 'COMPLETED', 'SUCCESS'), run('e2e', 'IN_PROGRESS')] })).toBeUndefined();
    expect(ciFailureFingerprint({ headSha: sha, checks: [] })).toBeUndefined();
  });

  it('changes with the SHA and with the set of failing checks, not with a re-run of the same failure', () => {
    const once = ciFailureFingerprint({ headSha: sha, checks: [run('test', 'COMPLETED', 'FAILURE', { id: 1 })] });
    const rerun = ciFailureFingerprint({ headSha: sha, checks: [run('test', 'COMPLETED', 'FAILURE', { id: 2 })] });
    const newSha = ciFailureFingerprint({ headSha: 'c'.repeat(40), checks: [run('test', 'COMPLETED', 'FAILURE')] });
    const more = ciFailureFingerprint({ headSha: sha, checks: [run('test', 'COMPLETED', 'FAILURE'), run('lint', 'COMPLETED', 'FAILURE')] });
    expect(rerun).toBe(once);
    expect(new Set([once, newSha, more]).size).toBe(3);
  });

  it('cannot be fooled by separators in check names', () => {
    const a = ciFailureFingerprint({ headSha: sha, checks: [run('a,b', 'COMPLETED', 'FAILURE')] });
    const b = ciFailureFingerprint({ headSha: sha, checks: [run('a', 'COMPLETED', 'FAILURE'), run('b', 'COMPLETED', 'FAILURE')] });
    expect(a).not.toBe(b);
  });

  it('keeps the head and the tail of a long output text, within the limit', () => {
    expect(excerpt(null)).toBeNull();
    expect(excerpt('   ')).toBeNull();
    expect(excerpt(' short ')).toBe('short');
    const long = `HEADER ${'x'.repeat(5000)} FINAL ERROR`;
    const cut = excerpt(long, 200)!;
    expect(cut.length).toBe(200);
    expect(cut.startsWith('HEADER')).toBe(true);
    expect(cut.endsWith('FINAL ERROR')).toBe(true);
    expect(cut).toContain('[...]');
  });
});

describe('reviewState', () => {
  it.each<[string, Partial<PullRequestFacts>, ReviewState]>([
    ['protection: approved', { reviewDecision: 'APPROVED' }, 'approved'],
    ['protection: changes requested', { reviewDecision: 'CHANGES_REQUESTED' }, 'changes_requested'],
    ['protection: review required', { reviewDecision: 'REVIEW_REQUIRED' }, 'pending'],
    ['protection decides over individual reviews', { reviewDecision: 'APPROVED', latestReviews: [{ author: 'old', state: 'CHANGES_REQUESTED' }] }, 'approved'],
    ['no protection, no reviews, no requests', {}, 'none'],
    ['no protection: a writer approved', { latestReviews: [{ author: 'rita', state: 'APPROVED' }] }, 'approved'],
    ['no protection: one writer requests changes, another approves', { latestReviews: [{ author: 'rita', state: 'APPROVED' }, { author: 'sam', state: 'CHANGES_REQUESTED' }] }, 'changes_requested'],
    ['no protection: a dismissed review has no opinion', { latestReviews: [{ author: 'rita', state: 'DISMISSED' }] }, 'none'],
    ['no protection: a comment-only review has no opinion', { latestReviews: [{ author: 'rita', state: 'COMMENTED' }], reviewRequests: ['sam'] }, 'pending'],
    ['no protection: a review was requested', { reviewRequests: ['rita'] }, 'pending'],
    ['an approval wins over a still pending request', { latestReviews: [{ author: 'rita', state: 'APPROVED' }], reviewRequests: ['sam'] }, 'approved'],
  ])('%s', (_name, over, expected) => {
    expect(reviewState(facts(over))).toBe(expected);
  });
});

describe('mergeability', () => {
  it.each<[string, Partial<PullRequestFacts>, 'mergeable' | 'conflicting' | 'unknown']>([
    ['clean', { mergeable: 'MERGEABLE', mergeStateStatus: 'CLEAN' }, 'mergeable'],
    ['conflicting', { mergeable: 'CONFLICTING', mergeStateStatus: 'DIRTY' }, 'conflicting'],
    ['DIRTY alone is a conflict', { mergeable: 'UNKNOWN', mergeStateStatus: 'DIRTY' }, 'conflicting'],
    ['CONFLICTING alone is a conflict', { mergeable: 'CONFLICTING', mergeStateStatus: null }, 'conflicting'],
    ['still being computed', { mergeable: 'UNKNOWN', mergeStateStatus: 'UNKNOWN' }, 'unknown'],
    ['blocked by protection is not a conflict', { mergeable: 'MERGEABLE', mergeStateStatus: 'BLOCKED' }, 'mergeable'],
    ['behind the base is not a conflict', { mergeable: 'MERGEABLE', mergeStateStatus: 'BEHIND' }, 'mergeable'],
  ])('%s', (_name, over, expected) => {
    expect(mergeability(facts(over))).toBe(expected);
  });
});

describe('toPullRequestEvidence', () => {
  it.each<[string, Partial<PullRequestFacts>, ReturnType<typeof toPullRequestEvidence>]>([
    ['a plain open PR', {}, { state: 'open', ci: 'none', review: 'none', reviewRequested: false, hasConflicts: false, mergeStateKnown: true, draft: false }],
    ['a draft', { isDraft: true, mergeStateStatus: 'DRAFT' }, { state: 'open', ci: 'none', review: 'none', reviewRequested: false, hasConflicts: false, mergeStateKnown: true, draft: true }],
    ['merged', { state: 'MERGED', mergeable: 'UNKNOWN', mergeStateStatus: 'UNKNOWN' }, { state: 'merged', ci: 'none', review: 'none', reviewRequested: false, hasConflicts: false, mergeStateKnown: false, draft: false }],
    ['closed unmerged', { state: 'CLOSED' }, { state: 'closed', ci: 'none', review: 'none', reviewRequested: false, hasConflicts: false, mergeStateKnown: true, draft: false }],
    [
      'failing CI, changes requested, conflicts, a pending request',
      { checks: [run('t', 'COMPLETED', 'FAILURE')], latestReviews: [{ author: 'rita', state: 'CHANGES_REQUESTED' }], reviewRequests: ['sam'], mergeable: 'CONFLICTING', mergeStateStatus: 'DIRTY' },
      { state: 'open', ci: 'failing', review: 'changes_requested', reviewRequested: true, hasConflicts: true, mergeStateKnown: true, draft: false },
    ],
    [
      'approved and green',
      { checks: [run('t', 'COMPLETED', 'SUCCESS'), status('s', 'SUCCESS')], reviewDecision: 'APPROVED' },
      { state: 'open', ci: 'passing', review: 'approved', reviewRequested: false, hasConflicts: false, mergeStateKnown: true, draft: false },
    ],
    ['mergeability not known yet is not a conflict', { mergeable: 'UNKNOWN', mergeStateStatus: 'UNKNOWN' }, { state: 'open', ci: 'none', review: 'none', reviewRequested: false, hasConflicts: false, mergeStateKnown: false, draft: false }],
  ])('%s', (_name, over, expected) => {
    expect(toPullRequestEvidence(facts(over))).toEqual(expected);
  });
});

describe('review comment fingerprints', () => {
  const threads = [thread('T1', [comment(30, 'rita'), comment(12, 'mallory')]), thread('T2', [comment(21, 'sam')]), thread('T3', [comment(5, null)])];

  it('lists unresolved comment ids sorted, filtered by who may be heard', () => {
    expect(unresolvedCommentIds(threads)).toEqual([5, 12, 21, 30]);
    const writers = new Set(['rita', 'sam']);
    expect(unresolvedCommentIds(threads, (c) => c.author !== null && writers.has(c.author))).toEqual([21, 30]);
  });

  it('is stable under order, changes with a new comment, and is undefined when nothing is left', () => {
    const writers = (c: ReviewCommentFact) => c.author === 'rita' || c.author === 'sam';
    const same = reviewCommentsFingerprint([...threads].reverse(), writers);
    expect(reviewCommentsFingerprint(threads, writers)).toBe('21,30');
    expect(same).toBe('21,30');
    // A read-only user's new comment does not change what the agent is told.
    expect(reviewCommentsFingerprint([...threads, thread('T4', [comment(40, 'mallory')])], writers)).toBe('21,30');
    expect(reviewCommentsFingerprint([...threads, thread('T4', [comment(40, 'rita')])], writers)).toBe('21,30,40');
    expect(reviewCommentsFingerprint([thread('T5', [comment(1, 'mallory')])], writers)).toBeUndefined();
    expect(reviewCommentsFingerprint([])).toBeUndefined();
  });
});

describe('viewPullRequest', () => {
  it('decides everything once from the facts', () => {
    const view = viewPullRequest(
      facts({
        checks: [run('test', 'COMPLETED', 'FAILURE')],
        unresolvedThreads: [thread('T1', [comment(3), comment(4)])],
        mergeable: 'UNKNOWN',
        mergeStateStatus: 'UNKNOWN',
      }),
    );
    expect(view).toMatchObject({
      number: 7,
      headSha: 'a'.repeat(40),
      mergeability: 'unknown',
      unresolvedThreads: 1,
      ciFingerprint: `${'a'.repeat(40)}:test`,
      reviewCommentsFingerprint: '3,4',
      evidence: { state: 'open', ci: 'failing' },
    });
    expect(view.failingChecks.map((c) => c.name)).toEqual(['test']);
  });
});
