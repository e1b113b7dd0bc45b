import { describe, expect, it } from 'vitest';
import { planCycle } from '../../src/core/cycle.js';
import { viewPullRequest, type PullRequestFacts, type ReviewCommentFact } from '../../src/core/evidence.js';
import type { ObservedSession } from '../../src/core/plan.js';
import { planReactions, readMarks, resolveReactions, writeMarks, type ReactionEvidence, type ReactionMarks } from '../../src/core/reactions.js';

const NOW = Date.parse('2026-11-29T12:00:00.000Z');
const session = { id: 'web-1', host: 'h1', project: 'web' };

function facts(over: Partial<PullRequestFacts> = {}): PullRequestFacts {
  return {
    number: 7,
    url: 'https://github.com/acme/web/pull/7',
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
  };
}

const failing = (name: string, sha = 'a'): Partial<PullRequestFacts> => ({
  headSha: sha.repeat(40),
  checks: [{ kind: 'check_run', id: 1, name, status: 'COMPLETED', conclusion: 'FAILURE', url: `https://ci/${name}`, app: 'github-actions', output: { title: `${name} failed`, summary: 'expected 1, got 2', text: 'at line 3' } }],
});

const comment = (id: number, author: string): ReviewCommentFact => ({ id, nodeId: `n${id}`, author, authorAssociation: 'COLLABORATOR', body: `please fix ${id}`, url: `https://github.com/acme/web/pull/7#discussion_r${id}`, path: 'src/a.ts', line: id, createdAt: null });

const noMarks = (): ReactionMarks => ({ ciAttempts: 0, notified: new Set() });

function evidence(over: Partial<ReactionEvidence> & { facts?: Partial<PullRequestFacts> | null } = {}): ReactionEvidence {
  const { facts: f, ...rest } = over;
  return {
    session,
    status: 'pr_open',
    activity: 'ready',
    question: null,
    ...(f === null ? {} : { pr: viewPullRequest(facts(f ?? {})) }),
    writerComments: [],
    otherComments: [],
    issueClosed: false,
    prMerged: false,
    marks: noMarks(),
    now: NOW,
    ...rest,
  };
}

const policies = resolveReactions();
const kinds = (e: ReactionEvidence, p = policies) => planReactions(e, p).steps.map((s) => `${s.kind}:${s.reaction}`);

describe('resolveReactions', () => {
  it('a partial override keeps the other defaults, and later overrides win', () => {
    const resolved = resolveReactions({ 'ci-failed': { retries: 1 } }, { 'ci-failed': { message: 'fix {{checks}}' }, 'approved-and-green': { action: 'auto-merge' } });
    expect(resolved['ci-failed']).toEqual({ auto: true, action: 'send-to-agent', retries: 1, message: 'fix {{checks}}', mergeMethod: 'squash' });
    expect(resolved['approved-and-green']).toMatchObject({ action: 'auto-merge', mergeMethod: 'squash', auto: true });
    expect(resolved['merge-conflicts']).toEqual(policies['merge-conflicts']);
  });
});

describe('marks', () => {
  it('round-trip through the record\'s extra keys', () => {
    const marks: ReactionMarks = { ciFingerprint: 'abc:build', ciAttempts: 2, reviewFingerprint: '1,2', othersFingerprint: '3', notified: new Set(['stuck', 'conflict']), endSeenAt: '2026-11-29T12:00:00.000Z' };
    const extra = Object.fromEntries(Object.entries(writeMarks(marks)).filter(([, v]) => v !== undefined)) as Record<string, string>;
    expect(extra['reaction.notified']).toBe('conflict stuck');
    expect(readMarks(extra)).toEqual(marks);
    expect(readMarks({})).toEqual(noMarks());
  });
});

describe('planReactions: CI', () => {
  it('sends a failure once per head SHA and set of failing checks, naming the check, its output and URL', () => {
    const first = planReactions(evidence({ status: 'ci_failed', facts: failing('build') }), policies);
    expect(first.steps).toHaveLength(1);
    const step = first.steps[0]!;
    expect(step.kind).toBe('send_to_agent');
    if (step.kind === 'send_to_agent') {
      expect(step.message).toContain('- build: failure (https://ci/build)');
      expect(step.message).toContain('build failed');
      expect(step.message).toContain('expected 1, got 2');
      expect(step.message).toContain('at line 3');
    }
    expect(first.marks.ciAttempts).toBe(1);
    // The same failure again (another cycle, a re-run, a restart): nothing.
    expect(kinds(evidence({ status: 'ci_failed', facts: failing('build'), marks: first.marks }))).toEqual([]);
    // A new SHA: sent again.
    const again = planReactions(evidence({ status: 'ci_failed', facts: failing('build', 'b'), marks: first.marks }), policies);
    expect(again.steps.map((s) => s.kind)).toEqual(['send_to_agent']);
    expect(again.marks.ciAttempts).toBe(2);
  });

  it('after `retries` messages a human is notified instead, once', () => {
    const p = resolveReactions({ 'ci-failed': { retries: 2 } });
    let marks = noMarks();
    const seen: string[][] = [];
    for (const sha of ['a', 'b', 'c', 'c', 'd']) {
      const plan = planReactions(evidence({ status: 'ci_failed', facts: failing('build', sha), marks }), p);
      seen.push(plan.steps.map((s) => s.kind));
      marks = plan.marks;
    }
    expect(seen).toEqual([['send_to_agent'], ['send_to_agent'], ['notify'], [], ['notify']]);
  });

  it('passing CI ends the episode: attempts start again', () => {
    const after = planReactions(evidence({ facts: { checks: [{ kind: 'status', name: 'ci', state: 'SUCCESS', url: null, description: null }] }, marks: { ...noMarks(), ciAttempts: 3, ciFingerprint: 'x' } }), policies);
    expect(after.marks.ciAttempts).toBe(0);
    expect(after.marks.ciFingerprint).toBeUndefined();
  });

  it('never sends to an agent that cannot listen (exited); the episode notification covers it', () => {
    expect(kinds(evidence({ status: 'errored', activity: 'exited', facts: failing('build') }))).toEqual(['notify:agent-exited']);
  });

  it('uses a configured message template', () => {
    const p = resolveReactions({ 'ci-failed': { message: 'CI broke on {{pr}}:\n{{checks}}' } });
    const [step] = planReactions(evidence({ status: 'ci_failed', facts: failing('lint') }), p).steps;
    expect(step?.kind === 'send_to_agent' && step.message).toMatch(/^CI broke on #7:\n- lint: failure/);
  });

  it('off means off', () => {
    expect(kinds(evidence({ status: 'ci_failed', facts: failing('build') }), resolveReactions({ 'ci-failed': { auto: false } }))).toEqual([]);
  });
});

describe('planReactions: reviews', () => {
  it('sends writers\' comments once per set of comment IDs; others\' are listed for a maintainer, never sent', () => {
    const base = { status: 'changes_requested' as const, facts: { reviewDecision: 'CHANGES_REQUESTED' as const } };
    const first = planReactions(evidence({ ...base, writerComments: [comment(11, 'writer')], otherComments: [comment(12, 'outsider')] }), policies);
    expect(first.steps.map((s) => `${s.kind}:${s.reaction}`)).toEqual(['send_to_agent:changes-requested', 'notify:changes-requested']);
    const sent = first.steps[0]!;
    expect(sent.kind === 'send_to_agent' && sent.message).toContain('please fix 11');
    expect(sent.kind === 'send_to_agent' && sent.message).not.toContain('please fix 12');
    expect(sent.kind === 'send_to_agent' && sent.message).toContain('src/a.ts:11 by @writer (https://github.com/acme/web/pull/7#discussion_r11)');
    expect(kinds(evidence({ ...base, writerComments: [comment(11, 'writer')], otherComments: [comment(12, 'outsider')], marks: first.marks }))).toEqual([]);
    // A new writer comment: the set changed, sent again.
    expect(kinds(evidence({ ...base, writerComments: [comment(11, 'writer'), comment(13, 'writer')], marks: first.marks }))).toEqual(['send_to_agent:changes-requested']);
  });
});

describe('planReactions: conflicts, green, episodes', () => {
  it('merge conflicts: once per episode', () => {
    const conflicted = { facts: { mergeable: 'CONFLICTING' as const, mergeStateStatus: 'DIRTY' as const } };
    const first = planReactions(evidence(conflicted), policies);
    expect(first.steps.map((s) => s.reaction)).toEqual(['merge-conflicts']);
    expect(kinds(evidence({ ...conflicted, marks: first.marks }))).toEqual([]);
    const resolved = planReactions(evidence({ marks: first.marks }), policies);
    expect(resolved.marks.notified.has('conflict')).toBe(false);
    expect(kinds(evidence({ ...conflicted, marks: resolved.marks }))).toEqual(['send_to_agent:merge-conflicts']);
  });

  it('approved and green: notify once per head, or merge with the configured method', () => {
    const green = { status: 'mergeable' as const, facts: { reviewDecision: 'APPROVED' as const } };
    const first = planReactions(evidence(green), policies);
    expect(first.steps.map((s) => `${s.kind}:${s.reaction}`)).toEqual(['notify:approved-and-green']);
    expect(kinds(evidence({ ...green, marks: first.marks }))).toEqual([]);
    const merge = planReactions(evidence(green), resolveReactions({ 'approved-and-green': { action: 'auto-merge', mergeMethod: 'rebase' } }));
    expect(merge.steps).toEqual([{ kind: 'auto_merge', reaction: 'approved-and-green', session, prNumber: 7, headSha: 'a'.repeat(40), method: 'rebase' }]);
  });

  it.each<[string, Partial<ReactionEvidence> & { facts?: Partial<PullRequestFacts> | null }, string]>([
    ['stuck', { status: 'stuck', facts: null }, 'notify:agent-stuck'],
    ['needs input, with the question', { status: 'needs_input', question: 'Allow rm? [y/n]', facts: null }, 'notify:agent-needs-input'],
    ['agent exited', { status: 'errored', activity: 'exited', facts: null }, 'notify:agent-exited'],
    ['PR closed unmerged', { status: 'working', facts: { state: 'CLOSED' } }, 'notify:pr-closed'],
  ])('%s: notified once per episode', (_name, over, kind) => {
    const first = planReactions(evidence(over), policies);
    expect(first.steps.map((s) => `${s.kind}:${s.reaction}`)).toEqual([kind]);
    if (over.question) expect(first.steps[0]!.kind === 'notify' && first.steps[0]!.text).toContain('Allow rm? [y/n]');
    expect(kinds(evidence({ ...over, marks: first.marks }))).toEqual([]);
    // The condition ends, then comes back: a new episode.
    const ended = planReactions(evidence({ status: 'working', facts: null, marks: first.marks }), policies);
    expect(kinds(evidence({ ...over, marks: ended.marks }))).toEqual([kind]);
  });

  it('remembers when the end (merge, issue closed) was first seen', () => {
    const seen = planReactions(evidence({ status: 'merged', prMerged: true, facts: null }), policies);
    expect(seen.marks.endSeenAt).toBe(new Date(NOW).toISOString());
    expect(planReactions(evidence({ status: 'merged', prMerged: true, facts: null, marks: seen.marks, now: NOW + 60_000 }), policies).marksChanged).toBe(false);
  });
});

describe('planCycle', () => {
  const observed = (over: Partial<ObservedSession>): ObservedSession => ({ ...session, recorded: 'working', status: 'working', statusReason: null, activity: 'active', hostReachable: true, runtime: 'alive', ...over });

  it('records, reacts, then cleans up; a session being cleaned up gets no reaction; an unreachable host gets nothing', () => {
    const actions = planCycle(
      [
        { observed: observed({ status: 'ci_failed', evidence: { prNumber: 7, ci: 'failing' } }), reactions: { evidence: evidence({ status: 'ci_failed', facts: failing('build') }), policies } },
        { observed: observed({ id: 'web-2', status: 'errored', activity: 'exited', runtime: 'gone' }), reactions: { evidence: evidence({ session: { ...session, id: 'web-2' }, status: 'errored', activity: 'exited', facts: null }), policies } },
        { observed: observed({ id: 'web-3', hostReachable: false, activity: null, runtime: 'unknown' }), reactions: { evidence: evidence({ session: { ...session, id: 'web-3' }, status: 'stuck', facts: null }), policies } },
      ],
      { cleanup: { now: NOW, endGraceMs: 0 } },
    );
    expect(actions.map((a) => `${a.kind}:${a.session.id}`)).toEqual(['record_status:web-1', 'record_status:web-2', 'react:web-1', 'kill:web-2']);
  });
});
