import { describe, expect, it } from 'vitest';
import { dequeue, enqueue, queuePosition, readControl, spawnGate, startable, tooOld, writeControl, type ProjectControl } from '../../src/core/control.js';
import { planCycle } from '../../src/core/cycle.js';
import { describeAction, type ObservedSession } from '../../src/core/plan.js';

const NOW = Date.parse('2026-11-29T12:00:00.000Z');
const q = (issue: number, at: string, by = 'wendy') => ({ issue, at, by });
const none: ProjectControl = { queue: [] };
const paused: ProjectControl = { paused: { by: 'github:maria', at: '2026-11-29T11:00:00.000Z' }, queue: [] };

describe('the control file', () => {
  it('round-trips through its flat key=value form, the queue oldest first', () => {
    const control: ProjectControl = { paused: { by: 'github:maria', at: '2026-11-29T11:00:00.000Z' }, queue: [q(9, '2026-11-29T10:00:02.000Z'), q(4, '2026-11-29T10:00:01.000Z')] };
    const meta = writeControl(control);
    expect(meta).toMatchObject({ kind: 'control', 'paused.by': 'github:maria' });
    expect(readControl(meta)).toEqual({ paused: control.paused, queue: [control.queue[1], control.queue[0]] });
    expect(readControl({})).toEqual(none);
    expect(writeControl(none)).toEqual({ kind: 'control' });
  });

  it('drops queue entries it cannot read, and keeps a login from breaking the format', () => {
    expect(readControl({ queue: 'x@y 0@2026 -3@2026 5 7@2026-11-29T10:00:00.000Z@wendy' }).queue).toEqual([q(7, '2026-11-29T10:00:00.000Z')]);
    const meta = writeControl({ queue: [q(3, '2026-11-29T10:00:00.000Z', 'a@b c')] });
    expect(readControl(meta).queue).toEqual([q(3, '2026-11-29T10:00:00.000Z', 'abc')]);
  });
});

describe('spawnGate', () => {
  const cases: { name: string; control: ProjectControl; max?: number; live: number; allow: boolean; reason?: string; issue?: number; uncounted?: string[] }[] = [
    { name: 'no limits', control: none, live: 50, allow: true },
    { name: 'under the cap', control: none, max: 2, live: 1, allow: true },
    { name: 'at the cap', control: none, max: 2, live: 2, allow: false, reason: 'at_cap' },
    { name: 'over the cap (lowered meanwhile)', control: none, max: 2, live: 5, allow: false, reason: 'at_cap' },
    { name: 'paused, with room', control: paused, max: 5, live: 0, allow: false, reason: 'paused' },
    { name: 'paused and at the cap: the pause is what to lift first', control: paused, max: 1, live: 1, allow: false, reason: 'paused' },
    { name: 'room, but as much queued ahead: a newcomer waits its turn', control: { queue: [q(5, 'a')] }, max: 2, live: 1, allow: false, reason: 'at_cap' },
    { name: 'room for the head of the queue', control: { queue: [q(5, 'a'), q(6, 'b')] }, issue: 5, max: 2, live: 1, allow: true },
    { name: 'not for the second in line', control: { queue: [q(5, 'a'), q(6, 'b')] }, issue: 6, max: 2, live: 1, allow: false, reason: 'at_cap' },
    { name: 'room, with a queue, without a cap', control: { queue: [q(5, 'a')] }, live: 9, allow: true },
    { name: 'a host that cannot be counted, with a cap', control: none, max: 9, live: 0, uncounted: ['h2'], allow: false, reason: 'at_cap' },
    { name: 'a host that cannot be counted, without a cap', control: none, live: 0, uncounted: ['h2'], allow: true },
  ];
  it.each(cases)('$name', ({ control, max, live, allow, reason, issue, uncounted }) => {
    const gate = spawnGate(control, max === undefined ? {} : { maxLiveSessions: max }, live, { ...(issue ? { issue } : {}), ...(uncounted ? { uncounted } : {}) });
    expect(gate.allow).toBe(allow);
    if (!gate.allow) {
      expect(gate.reason).toBe(reason);
      expect(gate.hint).toMatch(reason === 'paused' ? /resume/ : uncounted ? /ao doctor/ : /maxLiveSessions/);
    }
  });
});

describe('the queue', () => {
  it('is first come, first served, an issue at most once', () => {
    let c = enqueue(none, q(5, '2026-11-29T10:00:00.000Z'));
    c = enqueue(c, q(6, '2026-11-29T10:00:01.000Z'));
    c = enqueue(c, q(5, '2026-11-29T10:00:09.000Z'));
    expect(c.queue.map((x) => x.issue)).toEqual([5, 6]);
    expect(queuePosition(c, 6)).toBe(2);
    expect(queuePosition(c, 7)).toBeUndefined();
    expect(dequeue(c, 5).queue.map((x) => x.issue)).toEqual([6]);
  });

  const three: ProjectControl = { queue: [q(1, 'a'), q(2, 'b'), q(3, 'c')] };
  const cases: { name: string; control: ProjectControl; max?: number; live: number; start: number[] }[] = [
    { name: 'as many as the cap leaves free', control: three, max: 3, live: 1, start: [1, 2] },
    { name: 'none at the cap', control: three, max: 3, live: 3, start: [] },
    { name: 'none over the cap', control: three, max: 3, live: 4, start: [] },
    { name: 'all without a cap', control: three, live: 9, start: [1, 2, 3] },
    { name: 'none while paused', control: { ...three, paused: paused.paused }, max: 9, live: 0, start: [] },
    { name: 'none when nothing waits', control: none, max: 9, live: 0, start: [] },
  ];
  it.each(cases)('startable: $name', ({ control, max, live, start }) => {
    expect(startable(control, max === undefined ? {} : { maxLiveSessions: max }, live).map((s) => s.issue)).toEqual(start);
  });
});

describe('tooOld', () => {
  const cases: { name: string; createdAt: string | null; restoredAt?: string; hours?: number; old: boolean }[] = [
    { name: 'no limit', createdAt: '2020-01-01T00:00:00.000Z', old: false },
    { name: 'younger', createdAt: '2026-11-29T03:00:00.000Z', hours: 10, old: false },
    { name: 'exactly the age', createdAt: '2026-11-29T02:00:00.000Z', hours: 10, old: true },
    { name: 'older', createdAt: '2026-11-28T00:00:00.000Z', hours: 10, old: true },
    { name: 'fractional hours', createdAt: '2026-11-29T11:00:00.000Z', hours: 0.5, old: true },
    { name: 'no birth time: never on doubt', createdAt: null, hours: 1, old: false },
    { name: 'an unreadable birth time', createdAt: 'yesterday', hours: 1, old: false },
    { name: 'old, but restored a moment ago: its age counts from the restore', createdAt: '2026-11-20T00:00:00.000Z', restoredAt: '2026-11-29T11:59:00.000Z', hours: 10, old: false },
    { name: 'restored long ago', createdAt: '2026-11-20T00:00:00.000Z', restoredAt: '2026-11-29T01:00:00.000Z', hours: 10, old: true },
  ];
  it.each(cases)('$name', ({ createdAt, restoredAt, hours, old }) => {
    expect(tooOld({ createdAt, restoredAt }, hours === undefined ? {} : { maxSessionAgeHours: hours }, NOW)).toBe(old);
  });
});

describe('planCycle with budgets', () => {
  const observed = (over: Partial<ObservedSession>): ObservedSession => ({ id: 'web-1', host: 'h1', project: 'web', recorded: 'working', status: 'working', statusReason: null, activity: 'active', hostReachable: true, runtime: 'alive', ...over });

  it('stops a session over its age with its work saved and a human told, never on doubt, and never twice', () => {
    const actions = planCycle(
      [
        { observed: observed({}), overAgeHours: 24 },
        { observed: observed({ id: 'web-2', hostReachable: false, runtime: 'unknown', activity: null }), overAgeHours: 24 },
        { observed: observed({ id: 'web-3', runtime: 'unknown' }), overAgeHours: 24 },
        { observed: observed({ id: 'web-4', recorded: 'killed', status: 'killed', activity: 'exited', runtime: 'gone' }), overAgeHours: 24 },
        // Merged and idle past the grace: cleanup ends it; the age rule adds nothing.
        { observed: observed({ id: 'web-5', recorded: 'merged', status: 'merged', activity: 'idle', prState: 'merged', endSeenAt: '2026-11-29T00:00:00.000Z' }), overAgeHours: 24 },
      ],
      { cleanup: { now: NOW, endGraceMs: 0 } },
    );
    const kills = actions.filter((a) => a.kind === 'kill');
    expect(kills.map((a) => a.session.id)).toEqual(['web-5', 'web-1']);
    const aged = kills.find((a) => a.session.id === 'web-1')!;
    expect(aged.kind === 'kill' && aged.notify?.reaction).toBe('session-too-old');
    expect(aged.kind === 'kill' && aged.notify?.text).toMatch(/older than 24 h.*ao session restore web-1/);
  });

  it('starts the spawns that may start, after everything else, each described', () => {
    const actions = planCycle([{ observed: observed({}) }], { cleanup: false, startable: [{ project: 'web', spawns: [q(12, 'a', 'wendy'), q(13, 'b', 'maria')] }] });
    const spawns = actions.filter((a) => a.kind === 'spawn');
    expect(spawns.map((a) => a.kind === 'spawn' && [a.project, a.issue, a.by])).toEqual([['web', 12, 'wendy'], ['web', 13, 'maria']]);
    expect(actions.at(-1)?.kind).toBe('spawn');
    expect(describeAction(spawns[0]!, 'planned')).toMatch(/12/);
  });
});
