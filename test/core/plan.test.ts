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
    ['a merged PR', [s({ status: 'merged' })], ['would kill web-1 (PR merged)']],
    ['an open PR with a live agent, issue closed', [s({ status: 'pr_open', prState: 'open', issueClosed: true })], []],
    ['an issue closed without a PR', [s({ issueClosed: true, activity: 'idle' })], ['would kill web-1 (issue closed)']],
    ['a spawn in progress', [s({ status: 'spawning', activity: null })], []],
  ])('%s', (_name, sessions, lines) => {
    expect(planCleanup(sessions).map((a) => describeAction(a))).toEqual(lines);
  });

  it('says what was done once applied', () => {
    const [action] = planCleanup([s({ status: 'errored', activity: 'exited' })]);
    expect(describeAction(action!, 'done')).toBe('killed web-1 (runtime dead)');
  });
});
