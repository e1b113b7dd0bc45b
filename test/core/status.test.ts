import { describe, expect, it } from 'vitest';
import type { SessionStatus } from '../../src/core/model.js';
import { deriveStatus, type PullRequestEvidence, type StatusEvidence } from '../../src/core/status.js';

const base: StatusEvidence = { current: 'working', runtime: 'alive', activity: 'active', stuckAfterSec: 600 };
const pr = (over: Partial<PullRequestEvidence> = {}): PullRequestEvidence => ({ state: 'open', ci: 'none', review: 'none', ...over });

describe('deriveStatus', () => {
  it.each<[string, Partial<StatusEvidence>, SessionStatus, RegExp?]>([
    ['killed stays killed, whatever the pane says', { current: 'killed', activity: 'waiting_input' }, 'killed'],
    ['merged PR wins over a dead runtime', { runtime: 'gone', pr: pr({ state: 'merged' }) }, 'merged'],
    ['spawn failure stays errored while nothing runs', { current: 'errored', runtime: 'gone' }, 'errored'],
    ['host unreachable keeps the last status', { current: 'pr_open', runtime: 'unknown', activity: undefined }, 'pr_open'],
    ['host unreachable never means dead', { current: 'working', runtime: 'unknown', activity: undefined }, 'working'],
    ['tmux gone -> errored with reason', { runtime: 'gone' }, 'errored', /tmux session is gone/],
    ['agent exited -> errored with reason', { activity: 'exited' }, 'errored', /agent process exited/],
    ['a restored session is working again', { current: 'errored', runtime: 'alive', activity: 'active' }, 'working'],
    ['question -> needs_input, even with a PR', { activity: 'waiting_input', pr: pr({ ci: 'failing' }) }, 'needs_input'],
    ['CI failing first', { pr: pr({ ci: 'failing', review: 'approved' }) }, 'ci_failed'],
    ['changes requested', { pr: pr({ review: 'changes_requested', ci: 'passing' }) }, 'changes_requested'],
    ['approved + green + clean -> mergeable', { pr: pr({ review: 'approved', ci: 'passing' }) }, 'mergeable'],
    ['approved + no CI -> mergeable', { pr: pr({ review: 'approved', ci: 'none' }) }, 'mergeable'],
    ['approved but conflicts -> approved', { pr: pr({ review: 'approved', ci: 'passing', hasConflicts: true }) }, 'approved'],
    ['approved but draft -> approved', { pr: pr({ review: 'approved', ci: 'passing', draft: true }) }, 'approved'],
    ['approved, CI pending -> approved', { pr: pr({ review: 'approved', ci: 'pending' }) }, 'approved'],
    ['approved + green, mergeability still being computed -> approved', { pr: pr({ review: 'approved', ci: 'passing', mergeStateKnown: false }) }, 'approved'],
    ['review pending', { pr: pr({ review: 'pending' }) }, 'review_pending'],
    ['review requested', { pr: pr({ reviewRequested: true }) }, 'review_pending'],
    ['plain open PR', { pr: pr() }, 'pr_open'],
    ['PR evidence unknown this time keeps a PR status', { current: 'ci_failed', prUnknown: true }, 'ci_failed'],
    ['PR evidence unknown does not hide a dead runtime', { current: 'ci_failed', prUnknown: true, runtime: 'gone' }, 'errored'],
    ['PR evidence unknown does not hide a question', { current: 'approved', prUnknown: true, activity: 'waiting_input' }, 'needs_input'],
    ['closed unmerged PR falls back to the agent', { pr: pr({ state: 'closed' }) }, 'working'],
    ['spawning until the agent shows up', { current: 'spawning', activity: undefined }, 'spawning'],
    ['spawning with no tmux yet (cloning) is not dead', { current: 'spawning', runtime: 'gone', activity: undefined, spawnAbandoned: false }, 'spawning'],
    ['a spawn whose spawner stopped, before tmux -> errored', { current: 'spawning', runtime: 'gone', activity: undefined, spawnAbandoned: true }, 'errored', /spawn interrupted/],
    ['a spawn whose spawner stopped, with the agent up but never given its task -> errored', { current: 'spawning', runtime: 'alive', activity: 'ready', spawnAbandoned: true }, 'errored', /spawn interrupted/],
    ['a spawn whose spawner stopped, host unreachable -> kept', { current: 'spawning', runtime: 'unknown', activity: undefined, spawnAbandoned: true }, 'spawning'],
    ['idle past the stuck threshold -> stuck', { activity: 'idle', quietMs: 601_000 }, 'stuck', /no progress/],
    ['blocked past the threshold -> stuck', { activity: 'blocked', quietMs: 700_000 }, 'stuck'],
    ['idle but not long enough -> working', { activity: 'idle', quietMs: 400_000 }, 'working'],
    ['active for long -> still working', { activity: 'active', quietMs: 10_000_000 }, 'working'],
  ])('%s', (_name, over, status, reason) => {
    const derived = deriveStatus({ ...base, ...over });
    expect(derived.status).toBe(status);
    if (reason) expect(derived.reason).toMatch(reason);
  });

  it('does not flip back and forth on the same evidence', () => {
    let current: SessionStatus = 'working';
    const seen = new Set<SessionStatus>();
    for (let i = 0; i < 5; i++) {
      current = deriveStatus({ ...base, current, activity: 'idle', quietMs: 700_000 }).status;
      seen.add(current);
    }
    expect([...seen]).toEqual(['stuck']);
  });
});

describe('deriveStatus does not oscillate on noisy evidence', () => {
  it('changes only when the evidence really changed', () => {
    // A real sequence of looks: probes that fail, a pane that flickers between busy and
    // ready, GitHub not asked, CI with one check failing while another is still pending.
    const steps: [string, Partial<StatusEvidence>][] = [
      ['PR opened, CI pending, agent busy', { activity: 'active', pr: pr({ ci: 'pending' }) }],
      ['probe failed', { runtime: 'unknown', activity: undefined, pr: pr({ ci: 'pending' }) }],
      ['pane shows the prompt', { activity: 'ready', pr: pr({ ci: 'pending' }) }],
      ['pane busy again', { activity: 'active', pr: pr({ ci: 'pending' }) }],
      ['GitHub not asked this time', { activity: 'ready', prUnknown: true }],
      ['one check failed, another still pending', { activity: 'active', pr: pr({ ci: 'failing' }) }],
      ['probe failed', { runtime: 'unknown', activity: undefined, pr: pr({ ci: 'failing' }) }],
      ['pane flickers', { activity: 'ready', pr: pr({ ci: 'failing' }) }],
      ['GitHub rate limited', { activity: 'active', prUnknown: true }],
      ['pane flickers', { activity: 'ready', pr: pr({ ci: 'failing' }) }],
      ['the agent pushed a fix: CI pending', { activity: 'ready', pr: pr({ ci: 'pending' }) }],
      ['probe failed', { runtime: 'unknown', activity: undefined, prUnknown: true }],
      ['CI passed', { activity: 'ready', pr: pr({ ci: 'passing' }) }],
    ];
    let current: SessionStatus = 'working';
    const transitions: string[] = [];
    for (const [what, evidence] of steps) {
      const next: SessionStatus = deriveStatus({ ...base, current, ...evidence }).status;
      if (next !== current) transitions.push(`${what}: ${current} -> ${next}`);
      current = next;
    }
    expect(transitions).toEqual([
      'PR opened, CI pending, agent busy: working -> pr_open',
      'one check failed, another still pending: pr_open -> ci_failed',
      'the agent pushed a fix: CI pending: ci_failed -> pr_open',
    ]);
  });
});
