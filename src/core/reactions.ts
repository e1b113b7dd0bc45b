import type { FailingCheck, PullRequestView, ReviewCommentFact } from './evidence.js';
import { sanitizeUntrustedText } from './prompt.js';
import type { Activity, SessionStatus } from './model.js';
import type { SessionRef } from './plan.js';

/**
 * Reactions (SPEC section 5): what the orchestrator does by itself when a
 * session's evidence changes. Pure: from a session's evidence, its marks
 * (what was already done, kept in its record) and the policy, to actions as
 * data. The marks make every reaction happen once per fact, whichever
 * process (CLI loop, app webhook, a second app copy) meets it, and however
 * often.
 */

export const REACTION_NAMES = ['ci-failed', 'changes-requested', 'merge-conflicts', 'approved-and-green', 'agent-stuck', 'agent-needs-input', 'agent-exited', 'pr-closed'] as const;
export type ReactionName = (typeof REACTION_NAMES)[number];
export type ReactionAction = 'send-to-agent' | 'notify' | 'auto-merge';
export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface ReactionPolicy {
  /** Off: the reaction never fires. */
  auto: boolean;
  action: ReactionAction;
  /** A template replacing the default message; `{{name}}` placeholders as listed in the README. */
  message?: string;
  /** ci-failed: messages to the agent about failing CI before a human is called instead. */
  retries: number;
  /** For auto-merge. */
  mergeMethod: MergeMethod;
}

export type ReactionPolicies = Record<ReactionName, ReactionPolicy>;
export type ReactionOverrides = Partial<Record<ReactionName, Partial<ReactionPolicy>>>;

export const DEFAULT_REACTIONS: ReactionPolicies = {
  'ci-failed': { auto: true, action: 'send-to-agent', retries: 3, mergeMethod: 'squash' },
  'changes-requested': { auto: true, action: 'send-to-agent', retries: 0, mergeMethod: 'squash' },
  'merge-conflicts': { auto: true, action: 'send-to-agent', retries: 0, mergeMethod: 'squash' },
  'approved-and-green': { auto: true, action: 'notify', retries: 0, mergeMethod: 'squash' },
  'agent-stuck': { auto: true, action: 'notify', retries: 0, mergeMethod: 'squash' },
  'agent-needs-input': { auto: true, action: 'notify', retries: 0, mergeMethod: 'squash' },
  'agent-exited': { auto: true, action: 'notify', retries: 0, mergeMethod: 'squash' },
  'pr-closed': { auto: true, action: 'notify', retries: 0, mergeMethod: 'squash' },
};

/** Defaults, then each override in order, field by field: a partial override keeps the other fields. */
export function resolveReactions(...overrides: (ReactionOverrides | undefined)[]): ReactionPolicies {
  const out = { ...DEFAULT_REACTIONS };
  for (const override of overrides) {
    if (!override) continue;
    for (const name of REACTION_NAMES) if (override[name]) out[name] = { ...out[name], ...override[name] };
  }
  return out;
}

// ---- marks: what was already done, kept in the session's record -------------------------

export interface ReactionMarks {
  /** The CI failure (head SHA + failing checks) last told to the agent or a human. */
  ciFingerprint?: string;
  /** Messages about failing CI sent to the agent since CI last passed. */
  ciAttempts: number;
  /** The writers' unresolved review comments last sent. */
  reviewFingerprint?: string;
  /** Review comments by people without write access last listed for a maintainer. */
  othersFingerprint?: string;
  /** Conditions already reported in the episode that is still going on. */
  notified: Set<string>;
  /** When the PR was first seen merged or the issue closed (for the grace period before cleanup). */
  endSeenAt?: string;
}

const MARK_PREFIX = 'reaction.';

/** Marks from a record's extra keys (`reaction.*`). */
export function readMarks(extra: Readonly<Record<string, string>>): ReactionMarks {
  const get = (key: string) => extra[`${MARK_PREFIX}${key}`] || undefined;
  return {
    ciFingerprint: get('ci.fingerprint'),
    ciAttempts: Number(get('ci.attempts') ?? 0) || 0,
    reviewFingerprint: get('review.fingerprint'),
    othersFingerprint: get('review.others'),
    notified: new Set((get('notified') ?? '').split(' ').filter(Boolean)),
    endSeenAt: get('end.seenAt'),
  };
}

/** The extra keys for marks, to merge into a record (undefined values remove a key). */
export function writeMarks(marks: ReactionMarks): Record<string, string | undefined> {
  return {
    [`${MARK_PREFIX}ci.fingerprint`]: marks.ciFingerprint,
    [`${MARK_PREFIX}ci.attempts`]: marks.ciAttempts ? String(marks.ciAttempts) : undefined,
    [`${MARK_PREFIX}review.fingerprint`]: marks.reviewFingerprint,
    [`${MARK_PREFIX}review.others`]: marks.othersFingerprint,
    [`${MARK_PREFIX}notified`]: marks.notified.size ? [...marks.notified].sort().join(' ') : undefined,
    [`${MARK_PREFIX}end.seenAt`]: marks.endSeenAt,
  };
}

function sameMarks(a: ReactionMarks, b: ReactionMarks): boolean {
  return JSON.stringify(writeMarks(a)) === JSON.stringify(writeMarks(b));
}

// ---- the decision ---------------------------------------------------------------------------

/** What the reactions read of one session. */
export interface ReactionEvidence {
  session: SessionRef;
  status: SessionStatus;
  activity: Activity | null;
  /** The pane's question, when the agent waits for a human. */
  question: string | null;
  pr?: PullRequestView;
  /** Unresolved review comments by people with write, maintain or admin permission. */
  writerComments: readonly ReviewCommentFact[];
  /** Unresolved review comments by anyone else: never sent to an agent. */
  otherComments: readonly ReviewCommentFact[];
  issueClosed: boolean;
  /** The PR is merged (this cycle's evidence or the record's). */
  prMerged: boolean;
  marks: ReactionMarks;
  now: number;
}

export type ReactionStep =
  | { kind: 'send_to_agent'; reaction: ReactionName; session: SessionRef; message: string }
  | { kind: 'notify'; reaction: ReactionName; session: SessionRef; text: string }
  | { kind: 'auto_merge'; reaction: 'approved-and-green'; session: SessionRef; prNumber: number; headSha: string; method: MergeMethod };

export interface ReactionPlan {
  steps: ReactionStep[];
  /** The marks after the steps: written (under the record's lock, before anything is sent) only when they changed. */
  marks: ReactionMarks;
  marksChanged: boolean;
}

function render(template: string | undefined, fallback: string, values: Record<string, string>): string {
  if (!template) return fallback;
  return template.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

export function describeFailingChecks(checks: readonly FailingCheck[]): string {
  return checks
    .map((c) => {
      const lines = [`- ${c.name}: ${c.conclusion}${c.url ? ` (${c.url})` : ''}`];
      if (c.title) lines.push(`  ${c.title}`);
      if (c.summary) lines.push(indent(c.summary));
      if (c.excerpt) lines.push(`  Log excerpt:\n${indent(c.excerpt)}`);
      return lines.join('\n');
    })
    .join('\n');
}

export function describeComments(comments: readonly ReviewCommentFact[]): string {
  return comments
    .map((c) => `- ${c.path ?? '(general)'}${c.line ? `:${c.line}` : ''} by @${c.author ?? 'ghost'} (${c.url}):\n${indent(sanitizeUntrustedText(c.body))}`)
    .join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/** Episodes whose "reported" mark ends when the condition does. */
const EPISODES: readonly { mark: string; reaction: ReactionName; holds: (e: ReactionEvidence) => boolean; text: (e: ReactionEvidence) => string }[] = [
  {
    mark: 'stuck',
    reaction: 'agent-stuck',
    holds: (e) => e.status === 'stuck',
    text: (e) => `${e.session.id} is stuck: its agent has shown no progress for a while and there is no PR yet`,
  },
  {
    mark: 'needs-input',
    reaction: 'agent-needs-input',
    holds: (e) => e.status === 'needs_input',
    text: (e) => `${e.session.id} needs input: its agent is waiting for a human${e.question ? `:\n${e.question}` : ''}`,
  },
  {
    mark: 'exited',
    reaction: 'agent-exited',
    holds: (e) => e.status === 'errored' && e.activity === 'exited',
    text: (e) => `${e.session.id}: its agent has exited; \`ao session restore ${e.session.id}\` brings it back`,
  },
  {
    mark: 'pr-closed',
    reaction: 'pr-closed',
    holds: (e) => e.pr?.evidence.state === 'closed',
    text: (e) => `${e.session.id}: PR #${e.pr?.number} was closed without being merged`,
  },
];

export function planReactions(e: ReactionEvidence, policies: ReactionPolicies): ReactionPlan {
  const marks: ReactionMarks = { ...e.marks, notified: new Set(e.marks.notified) };
  const steps: ReactionStep[] = [];
  const act = (reaction: ReactionName, message: string) => {
    const policy = policies[reaction];
    if (!policy.auto) return;
    if (policy.action === 'send-to-agent') steps.push({ kind: 'send_to_agent', reaction, session: e.session, message });
    else steps.push({ kind: 'notify', reaction, session: e.session, text: message });
  };
  const pr = e.pr;
  const open = pr?.evidence.state === 'open';
  // An agent that cannot take a message (gone, exited, asking) is not sent one: the episode's notification covers it.
  const agentCanListen = e.activity !== null && e.activity !== 'exited' && e.status !== 'errored' && e.status !== 'killed';

  // CI failed: once per head SHA and set of failing checks; after `retries` messages, a human instead.
  if (open && pr.failingChecks.length > 0 && pr.ciFingerprint && pr.ciFingerprint !== marks.ciFingerprint) {
    const policy = policies['ci-failed'];
    const checks = describeFailingChecks(pr.failingChecks);
    if (policy.auto) {
      if (policy.action === 'send-to-agent' && marks.ciAttempts < policy.retries && agentCanListen) {
        const fallback = `CI failed on your PR #${pr.number} (${pr.url}) at ${pr.headSha.slice(0, 12)}:\n${checks}\n\nPlease fix it and push.`;
        steps.push({ kind: 'send_to_agent', reaction: 'ci-failed', session: e.session, message: render(policy.message, fallback, { pr: `#${pr.number}`, prUrl: pr.url, sha: pr.headSha, checks, session: e.session.id }) });
        marks.ciAttempts += 1;
        marks.ciFingerprint = pr.ciFingerprint;
      } else if (policy.action !== 'auto-merge' && (policy.action === 'notify' || marks.ciAttempts >= policy.retries)) {
        const why = policy.action === 'notify' ? '' : ` (the agent was told ${marks.ciAttempts} time(s); a human should look)`;
        steps.push({ kind: 'notify', reaction: 'ci-failed', session: e.session, text: `${e.session.id}: CI is failing on PR #${pr.number}${why}:\n${checks}` });
        marks.ciFingerprint = pr.ciFingerprint;
      }
    }
  }
  // CI passed: the failure episode is over.
  if (pr?.evidence.ci === 'passing' && (marks.ciAttempts > 0 || marks.ciFingerprint)) {
    marks.ciAttempts = 0;
    marks.ciFingerprint = undefined;
  }

  // Review comments from writers: once per set of comment IDs. Others' are listed for a maintainer, never sent.
  if (open) {
    const writerIds = e.writerComments.map((c) => c.id).sort((a, b) => a - b).join(',');
    if (writerIds && writerIds !== marks.reviewFingerprint && agentCanListen) {
      const comments = describeComments(e.writerComments);
      const fallback = `Review comments on your PR #${pr.number} (${pr.url}):\n${comments}\n\nPlease address them and push.`;
      act('changes-requested', render(policies['changes-requested'].message, fallback, { pr: `#${pr.number}`, prUrl: pr.url, comments, session: e.session.id }));
      if (policies['changes-requested'].auto) marks.reviewFingerprint = writerIds;
    } else if (!writerIds && pr.evidence.review === 'changes_requested' && marks.reviewFingerprint !== `review:${pr.headSha}` && agentCanListen) {
      // Changes requested in a review without inline comments: tell the agent once per head.
      act('changes-requested', `Changes were requested on your PR #${pr.number} (${pr.url}); read the review there and push a fix.`);
      if (policies['changes-requested'].auto) marks.reviewFingerprint = `review:${pr.headSha}`;
    }
    const otherIds = e.otherComments.map((c) => c.id).sort((a, b) => a - b).join(',');
    if (otherIds && otherIds !== marks.othersFingerprint) {
      steps.push({
        kind: 'notify',
        reaction: 'changes-requested',
        session: e.session,
        text: `${e.session.id}: review comments on PR #${pr.number} by people without write access were not sent to the agent; a maintainer may pass them on:\n${describeComments(e.otherComments)}`,
      });
      marks.othersFingerprint = otherIds;
    }
  }

  // Merge conflicts: once per episode.
  if (open && pr.mergeability === 'conflicting' && !marks.notified.has('conflict')) {
    if (agentCanListen || policies['merge-conflicts'].action === 'notify') {
      act('merge-conflicts', `Your PR #${pr.number} (${pr.url}) has merge conflicts with its base branch. Please merge or rebase onto the base branch, resolve them and push.`);
      if (policies['merge-conflicts'].auto) marks.notified.add('conflict');
    }
  } else if (!(open && pr.mergeability === 'conflicting')) marks.notified.delete('conflict');

  // Approved and green: notify once per head, or merge.
  if (open && e.status === 'mergeable' && !marks.notified.has(`green:${pr.headSha}`)) {
    const policy = policies['approved-and-green'];
    if (policy.auto) {
      if (policy.action === 'auto-merge') steps.push({ kind: 'auto_merge', reaction: 'approved-and-green', session: e.session, prNumber: pr.number, headSha: pr.headSha, method: policy.mergeMethod });
      else steps.push({ kind: 'notify', reaction: 'approved-and-green', session: e.session, text: `${e.session.id}: PR #${pr.number} is approved, green and mergeable at ${pr.headSha.slice(0, 7)} (${pr.url})` });
      marks.notified.add(`green:${pr.headSha}`);
    }
  }
  for (const mark of [...marks.notified]) if (mark.startsWith('green:') && (!open || mark !== `green:${pr.headSha}`)) marks.notified.delete(mark);

  // Conditions reported once per episode.
  for (const episode of EPISODES) {
    if (episode.holds(e)) {
      if (!marks.notified.has(episode.mark)) {
        act(episode.reaction, episode.text(e));
        if (policies[episode.reaction].auto) marks.notified.add(episode.mark);
      }
    } else marks.notified.delete(episode.mark);
  }

  // When the end (PR merged, issue closed) was first seen: the grace period counts from there.
  const ended = e.prMerged || pr?.evidence.state === 'merged' || e.issueClosed;
  if (ended && !marks.endSeenAt) marks.endSeenAt = new Date(e.now).toISOString();
  if (!ended) marks.endSeenAt = undefined;

  return { steps, marks, marksChanged: !sameMarks(marks, e.marks) };
}
