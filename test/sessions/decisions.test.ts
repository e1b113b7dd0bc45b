import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { chooseHost } from '../../src/core/placement.js';
import { cleanupReason } from '../../src/core/plan.js';
import type { SessionRecord } from '../../src/core/record.js';
import type { HostSnapshot } from '../../src/sessions/orchestrator.js';
import { hostLoads } from '../../src/sessions/spawn.js';

const config = parseConfig({
  hosts: [
    { name: 'a', local: true, capacity: 2, labels: ['gpu'] },
    { name: 'b', address: 'b', user: 'u', privateKey: '/k', hostKey: 'SHA256:x', capacity: 4, labels: [] },
    { name: 'c', address: 'c', user: 'u', privateKey: '/k', hostKey: 'SHA256:x', capacity: 4, labels: ['gpu'] },
  ],
  projects: [{ repo: 'acme/web', agent: 'codex' }, { repo: 'acme/ml', agent: 'codex', hostLabels: ['gpu'] }],
});

function record(id: string, status: SessionRecord['status']): { project: string; id: string; record: SessionRecord } {
  return { project: 'web', id, record: { id, project: 'web', repo: 'acme/web', branch: `ao/${id}`, agent: 'generic', status, extra: {} } };
}

function snap(host: string, active: number, reachable = true, killed = 0): HostSnapshot {
  const records = [
    ...Array.from({ length: active }, (_, i) => record(`web-${i + 1}`, 'working')),
    ...Array.from({ length: killed }, (_, i) => record(`web-${i + 100}`, 'killed')),
  ];
  return { host, reachable, records, warnings: [], controls: new Map(), tmuxServer: 'up', panes: new Map(), processes: new Map(), logs: new Map(), error: reachable ? undefined : 'connect ECONNREFUSED' };
}

describe('chooseHost', () => {
  const [web, ml] = config.projects as [(typeof config.projects)[0], (typeof config.projects)[0]];
  it.each([
    ['least loaded by ratio', web, [snap('a', 1), snap('b', 1), snap('c', 3)], undefined, 'b'],
    ['killed sessions do not count as load', web, [snap('a', 0, true, 9), snap('b', 1), snap('c', 1)], undefined, 'a'],
    ['labels filter hosts', ml, [snap('a', 1), snap('b', 0), snap('c', 1)], undefined, 'c'],
    ['full hosts are skipped', ml, [snap('a', 2), snap('b', 0), snap('c', 3)], undefined, 'c'],
    ['unreachable hosts are skipped', web, [snap('a', 0, false), snap('b', 2), snap('c', 1)], undefined, 'c'],
    ['a requested host is used', web, [snap('a', 0), snap('b', 3), snap('c', 0)], 'b', 'b'],
  ])('%s', (_name, project, snapshots, requested, expected) => {
    expect(chooseHost(config.hosts, hostLoads(snapshots), project, requested)).toBe(expected);
  });

  it.each([
    ['no host has room', ml, [snap('a', 2), snap('b', 0), snap('c', 4)], undefined, /no runner host can take a session for ml \(labels: gpu\)/],
    ['the requested host is down', web, [snap('a', 0), snap('b', 0, false), snap('c', 0)], 'b', /host "b" is unreachable: connect ECONNREFUSED/],
    ['the requested host is full', web, [snap('a', 0), snap('b', 4), snap('c', 0)], 'b', /at capacity/],
    ['the requested host is unknown', web, [snap('a', 0)], 'zz', /unknown host "zz"/],
  ])('refuses when %s', (_name, project, snapshots, requested, error) => {
    expect(() => chooseHost(config.hosts, hostLoads(snapshots), project, requested)).toThrow(error);
  });
});

describe('cleanupReason', () => {
  it.each([
    ['dead runtime', { status: 'errored', hostReachable: true, activity: 'exited' }, 'runtime dead'],
    ['merged', { status: 'merged', hostReachable: true, activity: 'ready' }, 'PR merged'],
    ['merged PR evidence, agent idle', { status: 'working', hostReachable: true, activity: 'idle', prState: 'merged' as const }, 'PR merged'],
    ['issue closed, no PR', { status: 'working', hostReachable: true, activity: 'idle', issueClosed: true }, 'issue closed'],
    ['live with an open PR, even if the issue closed', { status: 'pr_open', hostReachable: true, activity: 'active', prState: 'open' as const, issueClosed: true }, undefined],
    ['unreachable host', { status: 'errored', hostReachable: false, activity: null }, undefined],
    ['already killed', { status: 'killed', hostReachable: true, activity: null }, undefined],
    ['working', { status: 'working', hostReachable: true, activity: 'active' }, undefined],
    ['stuck but alive', { status: 'stuck', hostReachable: true, activity: 'idle' }, undefined],
  ])('%s -> %s', (_name, view, reason) => {
    expect(cleanupReason(view)).toBe(reason);
  });
});
