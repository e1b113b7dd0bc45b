import { describe, expect, it } from 'vitest';
import { CHECK_ACTIONS, isCheckAction, isSessionCheck, SESSION_CHECK_PREFIX, sessionCheckRun, type SessionCheckRun } from '../../src/core/check-run.js';
import { SESSION_STATUSES, type SessionStatus } from '../../src/core/model.js';
import type { StatusCommentSession } from '../../src/core/status-comment.js';

const session = (over: Partial<StatusCommentSession> = {}): StatusCommentSession => ({
  id: 'web-1',
  host: 'runner1',
  hostReachable: true,
  status: 'working',
  statusReason: null,
  activity: 'active',
  prNumber: 12,
  pr: 'https://github.com/acme/web/pull/12',
  ci: 'pending',
  review: 'none',
  unresolvedThreads: 0,
  agent: 'claude-code',
  branch: 'ao/web-1-issue-3-fix',
  createdAt: '2026-11-29T10:00:05.000Z',
  killedAt: null,
  question: null,
  ...over,
});

type Row = [conclusion: SessionCheckRun['conclusion'], label: string, actions: ('Stop' | 'Restore')[]];

/**
 * Every session status: the run's conclusion, the words it shows, the buttons
 * it offers. Stop while the session holds a runtime (anything but killed or
 * merged, errored included: its tmux may still be there); Restore for a
 * killed or errored (crashed, exited) session; a merged one offers nothing.
 */
const TABLE: Record<SessionStatus, Row> = {
  spawning: ['neutral', 'starting', ['Stop']],
  working: ['neutral', 'working', ['Stop']],
  pr_open: ['neutral', 'PR open, waiting for CI and review', ['Stop']],
  ci_failed: ['neutral', 'CI failed; the agent is on it', ['Stop']],
  review_pending: ['neutral', 'waiting for review', ['Stop']],
  changes_requested: ['neutral', 'changes requested; the agent is on it', ['Stop']],
  approved: ['neutral', 'approved', ['Stop']],
  mergeable: ['neutral', 'ready to merge', ['Stop']],
  merged: ['success', 'merged', []],
  needs_input: ['action_required', 'waiting for an answer', ['Stop']],
  stuck: ['action_required', 'stuck: needs a human', ['Stop']],
  errored: ['action_required', 'errored: needs a human', ['Stop', 'Restore']],
  killed: ['neutral', 'ended', ['Restore']],
};

describe('sessionCheckRun', () => {
  it('the table covers exactly the 13 session statuses', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...SESSION_STATUSES].sort());
    expect(SESSION_STATUSES).toHaveLength(13);
  });

  it.each(SESSION_STATUSES.map((status) => [status, ...TABLE[status]] as const))('%s: %s, "%s", actions %j', (status, conclusion, label, actions) => {
    const run = sessionCheckRun(session({ status }));
    expect(run.name).toBe('agent-orchestrator / web-1');
    expect(run.externalId).toBe('web-1');
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe(conclusion);
    expect(run.output.title).toBe(`web-1: ${label}`);
    expect(run.actions.map((a) => a.label)).toEqual(actions);
    expect(run.actions).toEqual(actions.map((a) => (a === 'Stop' ? CHECK_ACTIONS.stop : CHECK_ACTIONS.restore)));
    // The summary's first line names the session, its host and the same words as the title.
    expect(run.output.summary.split('\n')[0]).toBe(`Session \`web-1\` on host \`runner1\`: **${label}**.`);
    // The buttons are explained only where there are any.
    const explained = actions.length === 0 ? null : `${actions.map((a) => `**${a}**`).join(' and ')} above act on the session (write access needed). \`ao open web-1\` attaches to it.`;
    expect(run.output.summary.split('\n').at(-1)).toBe(explained ?? 'Agent claude-code, branch `ao/web-1-issue-3-fix`, activity active.');
  });

  it('the whole summary of a working session', () => {
    expect(sessionCheckRun(session()).output.summary).toBe(
      [
        'Session `web-1` on host `runner1`: **working**.',
        '',
        'Agent claude-code, branch `ao/web-1-issue-3-fix`, activity active.',
        '',
        '**Stop** above act on the session (write access needed). `ao open web-1` attaches to it.',
      ].join('\n'),
    );
  });

  it('the whole summary of an errored session on an unreachable host, with its reason and no activity', () => {
    const run = sessionCheckRun(session({ status: 'errored', hostReachable: false, statusReason: 'agent process exited', activity: null }));
    expect(run.output).toEqual({
      title: 'web-1: errored: needs a human',
      summary: [
        'Session `web-1` on host `runner1` (unreachable): **errored: needs a human** (agent process exited).',
        '',
        'Agent claude-code, branch `ao/web-1-issue-3-fix`, activity none.',
        '',
        '**Stop** and **Restore** above act on the session (write access needed). `ao open web-1` attaches to it.',
      ].join('\n'),
    });
  });

  it('a merged session: success, no buttons, no word about them', () => {
    const run = sessionCheckRun(session({ status: 'merged', activity: 'idle' }));
    expect(run.output.summary).toBe(['Session `web-1` on host `runner1`: **merged**.', '', 'Agent claude-code, branch `ao/web-1-issue-3-fix`, activity idle.'].join('\n'));
    expect(run.actions).toEqual([]);
  });

  it("shows the agent's question and how to answer it, its fences unable to close the block", () => {
    const run = sessionCheckRun(session({ status: 'needs_input', activity: 'waiting_input', question: 'Run `rm -rf build`?\n```\n1. Yes\n2. No' }));
    expect(run.conclusion).toBe('action_required');
    expect(run.output.summary).toBe(
      [
        'Session `web-1` on host `runner1`: **waiting for an answer**.',
        '',
        'Agent claude-code, branch `ao/web-1-issue-3-fix`, activity waiting_input.',
        '',
        'The agent asks:',
        '',
        '```text',
        "Run `rm -rf build`?\n'''\n1. Yes\n2. No",
        '```',
        '',
        'Answer with `/ao answer <text>` in the issue or PR.',
        '',
        '**Stop** above act on the session (write access needed). `ao open web-1` attaches to it.',
      ].join('\n'),
    );
    // Exactly one fenced block: the opening and the closing fence.
    expect(run.output.summary.match(/```/g)).toHaveLength(2);
  });

  it('a status this version does not know is shown as it is, and counts as neither success nor a need for a human', () => {
    const run = sessionCheckRun(session({ status: 'hibernating' }));
    expect(run.output.title).toBe('web-1: hibernating');
    expect(run.output.summary.split('\n')[0]).toBe('Session `web-1` on host `runner1`: **hibernating**.');
    expect(run.conclusion).toBe('neutral');
    expect(run.actions.map((a) => a.label)).toEqual(['Stop']);
  });

  it('is the same run for the same facts: the app writes it only when it changed', () => {
    const s = session({ status: 'needs_input', question: 'Proceed?' });
    expect(JSON.stringify(sessionCheckRun(s))).toBe(JSON.stringify(sessionCheckRun(structuredClone(s))));
  });

  // No redaction here: the question reaches this function already redacted (questionText in
  // src/sessions/view.ts), so a token test belongs to that function, not to this one.
});

describe('check run names and actions', () => {
  it("the app's own runs are told apart from CI by their name", () => {
    expect(SESSION_CHECK_PREFIX).toBe('agent-orchestrator / ');
    expect(isSessionCheck(sessionCheckRun(session()).name)).toBe(true);
    expect(isSessionCheck('agent-orchestrator/web-1')).toBe(false);
    expect(isSessionCheck('ci / test')).toBe(false);
  });

  it('the buttons the app answers to', () => {
    expect(CHECK_ACTIONS.stop.identifier).toBe('stop');
    expect(CHECK_ACTIONS.restore.identifier).toBe('restore');
    expect(isCheckAction('stop')).toBe(true);
    expect(isCheckAction('restore')).toBe(true);
    expect(isCheckAction('kill')).toBe(false);
    expect(isCheckAction('Stop')).toBe(false);
    expect(isCheckAction('')).toBe(false);
    // A button id from a payload is data: inherited names of the lookup object are no action.
    expect(isCheckAction('toString')).toBe(false);
    expect(isCheckAction('constructor')).toBe(false);
  });
});
