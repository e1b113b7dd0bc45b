import { describe, expect, it } from 'vitest';
import { describeAction, planCleanup, planStatusRecords, type ObservedSession } from '../../src/core/plan.js';

const s = (over: Partial<ObservedSession>): ObservedSession => ({
  id: 'web-1',
  host: 'h1',
  project: 'web',
  recorded: 'working',
  status: 'working',
  statusReason: null,
  activity: 'active',
  hostReachable: true,
  ...over,
});

const NOW = Date.parse('2026-11-29T12:00:00.000Z');

describe('planStatusRecords', () => {
  it.each<[string, ObservedSession[], string[]]>([
    ['nothing changed', [s({})], []],
    ['tmux died', [s({ status: 'errored', statusReason: 'tmux session is gone', activity: 'exited' })], ['web-1: working -> errored (tmux session is gone)']],
    ['a host that could not be asked records nothing', [s({ status: 'errored', hostReachable: false })], []],
    ['several, in order', [s({ id: 'web-1', status: 'stuck' }), s({ id: 'web-2' }), s({ id: 'web-3', recorded: 'errored', status: 'working' })], ['web-1: working -> stuck', 'web-3: errored -> working']],
  ])('%s', (_name, sessions, lines) => {
    expect(planStatusRecords(sessions).map((a) => describeAction(a))).toEqual(lines);
  });
});

describe('planCleanup', () => {
  it.each<[string, ObservedSession[], string[]]>([
    ['a dead runtime', [s({ status: 'errored', activity: 'exited' })], ['would kill web-1 (runtime dead)']],
    ['a live session', [s({})], []],
    ['an unreachable host', [s({ status: 'errored', activity: null, hostReachable: false })], []],
    ['a merged PR, agent ready', [s({ status: 'merged', activity: 'ready' })], ['would kill web-1 (PR merged)']],
    ['a merged PR, agent exited', [s({ status: 'merged', activity: 'exited' })], ['would kill web-1 (PR merged)']],
    ['a merged PR, agent still working, end just seen: grace', [s({ status: 'merged', activity: 'active', endSeenAt: new Date(NOW - 60_000).toISOString() })], []],
    ['a merged PR, agent still working, grace over', [s({ status: 'merged', activity: 'active', endSeenAt: new Date(NOW - 11 * 60_000).toISOString() })], ['would kill web-1 (PR merged)']],
    ['an issue closed, agent still working, grace over', [s({ issueClosed: true, endSeenAt: new Date(NOW - 11 * 60_000).toISOString() })], ['would kill web-1 (issue closed)']],
    ['an issue closed, agent still working, in grace', [s({ issueClosed: true, endSeenAt: new Date(NOW - 9 * 60_000).toISOString() })], []],
    ['tmux silent, agent process alive: never', [s({ status: 'errored', activity: null, runtime: 'unknown' })], []],
    ['a spawn interrupted', [s({ status: 'errored', activity: 'ready', spawnAbandoned: true })], ['would kill web-1 (spawn interrupted)']],
    ['an open PR with a live agent, issue closed', [s({ status: 'pr_open', prState: 'open', issueClosed: true })], []],
    ['an issue closed without a PR, agent idle', [s({ issueClosed: true, activity: 'idle' })], ['would kill web-1 (issue closed)']],
    ['a spawn in progress', [s({ status: 'spawning', activity: null })], []],
  ])('%s', (_name, sessions, lines) => {
    expect(planCleanup(sessions, { now: NOW, endGraceMs: 10 * 60_000 }).map((a) => describeAction(a))).toEqual(lines);
  });

  it('says what was done once applied', () => {
    const [action] = planCleanup([s({ status: 'errored', activity: 'exited' })], { now: NOW, endGraceMs: 0 });
    expect(describeAction(action!, 'done')).toBe('killed web-1 (runtime dead)');
  });
});
