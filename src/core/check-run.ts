import type { StatusCommentSession } from './status-comment.js';

/**
 * The check run the app keeps on a session's PR head (SPEC section 4),
 * pure: `agent-orchestrator / <id>`, its conclusion following the session,
 * with the buttons a maintainer may press (Stop, Restore). Its own runs are
 * never CI evidence for the session (`isSessionCheck`), or a session asking
 * for input would read as failing CI and be told about itself.
 */

export const SESSION_CHECK_PREFIX = 'agent-orchestrator / ';

export const CHECK_ACTIONS = {
  stop: { label: 'Stop', description: 'Kill the session (its work is saved)', identifier: 'stop' },
  restore: { label: 'Restore', description: 'Bring the session back', identifier: 'restore' },
} as const;

export type CheckAction = keyof typeof CHECK_ACTIONS;

export function isCheckAction(value: string): value is CheckAction {
  return Object.hasOwn(CHECK_ACTIONS, value);
}

export function isSessionCheck(name: string): boolean {
  return name.startsWith(SESSION_CHECK_PREFIX);
}

export interface SessionCheckRun {
  name: string;
  externalId: string;
  status: 'completed';
  conclusion: 'neutral' | 'success' | 'action_required';
  output: { title: string; summary: string };
  actions: { label: string; description: string; identifier: string }[];
}

const LABEL: Record<string, string> = {
  spawning: 'starting',
  working: 'working',
  pr_open: 'PR open, waiting for CI and review',
  ci_failed: 'CI failed; the agent is on it',
  review_pending: 'waiting for review',
  changes_requested: 'changes requested; the agent is on it',
  approved: 'approved',
  mergeable: 'ready to merge',
  merged: 'merged',
  needs_input: 'waiting for an answer',
  stuck: 'stuck: needs a human',
  errored: 'errored: needs a human',
  killed: 'ended',
};

export function sessionCheckRun(s: StatusCommentSession): SessionCheckRun {
  const needsHuman = s.status === 'needs_input' || s.status === 'stuck' || s.status === 'errored';
  const conclusion = s.status === 'merged' ? 'success' : needsHuman ? 'action_required' : 'neutral';
  const live = s.status !== 'killed' && s.status !== 'merged';
  const actions = [...(live ? [CHECK_ACTIONS.stop] : []), ...(s.status === 'killed' || s.status === 'errored' ? [CHECK_ACTIONS.restore] : [])];
  const lines = [
    `Session \`${s.id}\` on host \`${s.host}\`${s.hostReachable ? '' : ' (unreachable)'}: **${LABEL[s.status] ?? s.status}**${s.statusReason ? ` (${s.statusReason})` : ''}.`,
    '',
    `Agent ${s.agent}, branch \`${s.branch}\`, activity ${s.activity ?? 'none'}.`,
  ];
  if (s.question) lines.push('', 'The agent asks:', '', '```text', s.question.replace(/```/g, "'''"), '```', '', 'Answer with `/ao answer <text>` in the issue or PR.');
  if (actions.length > 0) lines.push('', `${actions.map((a) => `**${a.label}**`).join(' and ')} above act on the session (write access needed). \`ao open ${s.id}\` attaches to it.`);
  return {
    name: `${SESSION_CHECK_PREFIX}${s.id}`,
    externalId: s.id,
    status: 'completed',
    conclusion,
    output: { title: `${s.id}: ${LABEL[s.status] ?? s.status}`, summary: lines.join('\n') },
    actions: [...actions],
  };
}
