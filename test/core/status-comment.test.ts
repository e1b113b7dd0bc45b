import { describe, expect, it } from 'vitest';
import { renderStatusComment, STATUS_MARKER, type StatusCommentSession } from '../../src/core/status-comment.js';

const session = (over: Partial<StatusCommentSession> = {}): StatusCommentSession => ({
  id: 'web-1',
  host: 'runner1',
  hostReachable: true,
  status: 'working',
  statusReason: null,
  activity: 'active',
  prNumber: null,
  pr: null,
  ci: null,
  review: null,
  unresolvedThreads: null,
  agent: 'claude-code',
  branch: 'ao/web-1-issue-3-fix',
  createdAt: '2026-11-29T10:00:05.000Z',
  killedAt: null,
  question: null,
  ...over,
});

describe('renderStatusComment', () => {
  it('starts with the hidden marker and shows each session with its PR, CI, review, threads, host and start', () => {
    const body = renderStatusComment({ sessions: [session({ status: 'ci_failed', prNumber: 12, pr: 'https://github.com/acme/web/pull/12', ci: 'failing', review: 'pending', unresolvedThreads: 2 })], notes: [] });
    expect(body.startsWith(STATUS_MARKER)).toBe(true);
    expect(body).toContain('| `web-1` | ❌ CI failed | active | [#12](https://github.com/acme/web/pull/12) | ❌ failing | ⏳ pending | 2 | runner1 | 2026-11-29 10:00 UTC |');
    expect(body).toContain('`ao open web-1`');
  });

  it('is the same text for the same facts, whatever the time: a cycle with no change makes no edit', () => {
    const input = { sessions: [session()], notes: [] };
    expect(renderStatusComment(input)).toBe(renderStatusComment(structuredClone(input)));
  });

  it('shows the agent\'s question and how to answer it, in a block its text cannot close', () => {
    const body = renderStatusComment({ sessions: [session({ status: 'needs_input', activity: 'waiting_input', question: 'Run `rm`?\n```\n[y/n]' })], notes: [] });
    expect(body).toContain('is waiting for an answer');
    expect(body).toContain('````text\nRun `rm`?\n```\n[y/n]\n````');
    expect(body).toContain('/ao answer');
  });

  it('keeps table cells from breaking the table or opening HTML', () => {
    const body = renderStatusComment({ sessions: [session({ status: 'errored', statusReason: 'pane | gone <script>', host: 'a|b' })], notes: [] });
    expect(body).toContain('pane \\| gone &lt;script>');
    expect(body).toContain('a\\|b');
  });

  it('lists notifications for a human, marks an unreachable host, a pause and a problem', () => {
    const body = renderStatusComment({
      sessions: [session({ hostReachable: false }), session({ id: 'web-2', status: 'killed', activity: null })],
      notes: [{ session: 'web-1', reaction: 'ci-failed', text: 'web-1: CI is failing on PR #12:\n- unit: failure' }],
      paused: 'by @maria',
      problem: 'the repo config is not valid',
    });
    expect(body).toContain('runner1 (unreachable)');
    expect(body).toContain('⏹️ ended');
    expect(body).toContain('**Needs a human:**');
    expect(body).toContain('- `web-1` ci-failed: web-1: CI is failing on PR #12:');
    expect(body).toContain('- unit: failure');
    expect(body).toContain('Paused: by @maria');
    expect(body).toContain('> the repo config is not valid');
    // An ended session has nothing to attach to.
    expect(body).not.toContain('ao open web-2');
  });
});
