import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AoError } from '../../src/core/errors.js';
import { reconcileOnce } from '../../src/lifecycle/reconcile.js';
import { pauseProject, projectControl, queueSpawn, resumeProject } from '../../src/sessions/control.js';
import { killSession } from '../../src/sessions/kill.js';
import { listSessions } from '../../src/sessions/list.js';
import { restoreSession } from '../../src/sessions/restore.js';
import { spawnSession } from '../../src/sessions/spawn.js';
import { git } from '../support/git.js';
import { startRig, waitFor, type SessionRig } from '../support/rig.js';

/**
 * The maintainers' switches as the CLI and the engine obey them (the app's
 * side is in test/app/control.test.ts): the state lives on the arbiter host,
 * so every surface and every copy sees the same pause and the same queue.
 */

let rig: SessionRig;

beforeAll(async () => {
  rig = await startRig({ ssh: true });
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

async function refusal(promise: Promise<unknown>): Promise<AoError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AoError);
  return error as AoError;
}

describe('pause, resume and the cap', () => {
  it('a paused project starts nothing, from any orchestrator, until resumed; pausing twice keeps who paused first', async () => {
    const project = rig.config.projects[0]!.name;
    const first = await pauseProject(rig.orch.withActor('cli:maria'), project);
    expect(first).toMatchObject({ paused: true, by: 'cli:maria' });
    expect(await pauseProject(rig.orch.withActor('cli:otto'), project)).toMatchObject({ by: 'cli:maria', at: first.at });
    // Another process (a fresh pool) sees the same switch.
    const other = rig.reopen();
    const error = await refusal(spawnSession(other, { project, prompt: 'fake:write x.txt 1' }));
    expect(error.message).toMatch(/not spawned: the project is paused \(pause-all by cli:maria/);
    expect(error.hint).toMatch(/resume/);
    expect((await listSessions(rig.orch)).sessions).toHaveLength(0);
    expect((await resumeProject(rig.orch, project)).paused).toBe(false);
    const started = await spawnSession(other, { project, prompt: 'fake:write x.txt 1' });
    expect((await listSessions(rig.orch)).sessions.map((s) => [s.id, s.project])).toEqual([[started.id, project]]);
    const events = await rig.orch.store(rig.pool.names()[0]!).readEvents(project);
    expect(events.filter((e) => e.type === 'paused' || e.type === 'resumed').map((e) => [e.type, e.actor])).toEqual([['paused', 'cli:maria'], ['resumed', rig.orch.actor]]);
    await killSession(rig.orch, started.id);
  });

  it('at its cap a project refuses a spawn with what to do; a queued spawn starts in the next full cycle once a slot frees', async () => {
    const project = rig.config.projects[0]!;
    project.maxLiveSessions = 1;
    try {
      const one = await spawnSession(rig.orch, { project: project.name, prompt: 'fake:write a.txt 1' });
      const error = await refusal(spawnSession(rig.orch, { project: project.name, prompt: 'fake:write b.txt 1' }));
      expect(error.message).toMatch(/1 live session\(s\), its cap \(maxLiveSessions: 1\)/);
      expect(error.details?.reason).toBe('at_cap');

      await queueSpawn(rig.orch, project.name, { issue: 77, at: new Date().toISOString(), by: 'wendy' });
      const planned = await reconcileOnce(rig.orch, { dryRun: true });
      expect(planned.actions.filter((a) => a.kind === 'spawn')).toEqual([]);
      expect(planned.controls[project.name]?.queue.map((q) => q.issue)).toEqual([77]);

      await killSession(rig.orch, one.id);
      const cycle = await reconcileOnce(rig.orch, { dryRun: true });
      expect(cycle.actions.filter((a) => a.kind === 'spawn').map((a) => a.session)).toEqual([`${project.name}#77`]);
      const applied = await reconcileOnce(rig.orch);
      const spawned = applied.actions.find((a) => a.kind === 'spawn');
      expect(spawned?.ok).toBe(true);
      expect(spawned?.spawned?.issue).toBe(77);
      expect((await projectControl(rig.orch, project.name)).queue).toEqual([]);
      await killSession(rig.orch, spawned!.spawned!.id);
    } finally {
      delete project.maxLiveSessions;
    }
  });

  it('a killed session is not brought back while paused or when it would break the cap; a newcomer waits behind the queue', async () => {
    const project = rig.config.projects[0]!;
    const s = await spawnSession(rig.orch, { project: project.name, prompt: 'fake:write r.txt 1' });
    await killSession(rig.orch, s.id);
    await pauseProject(rig.orch, project.name);
    try {
      const paused = await refusal(restoreSession(rig.orch, s.id));
      expect(paused.message).toMatch(new RegExp(`${s.id} not restored: the project is paused`));
      expect((await listSessions(rig.orch, { includeKilled: true })).sessions.find((x) => x.id === s.id)?.status).toBe('killed');
    } finally {
      await resumeProject(rig.orch, project.name);
    }
    project.maxLiveSessions = 1;
    try {
      // One slot, one queued issue ahead: neither a restore nor a new spawn takes the slot from it.
      await queueSpawn(rig.orch, project.name, { issue: 88, at: new Date().toISOString(), by: 'wendy' });
      expect((await refusal(restoreSession(rig.orch, s.id))).message).toMatch(/0 live session\(s\) and 1 queued spawn\(s\) ahead/);
      expect((await refusal(spawnSession(rig.orch, { project: project.name, issue: { number: 89 } }))).details?.reason).toBe('at_cap');
      const { unqueueSpawn } = await import('../../src/sessions/control.js');
      await unqueueSpawn(rig.orch, project.name, 88);
      const back = await restoreSession(rig.orch, s.id);
      expect(back.id).toBe(s.id);
      await killSession(rig.orch, s.id);
    } finally {
      delete project.maxLiveSessions;
    }
  });

  it('a session over its maximum age is stopped by the next cycle with its work saved, and a human is told; restored, it is not stopped again at once', async () => {
    const project = rig.config.projects[0]!;
    const s = await spawnSession(rig.orch, { project: project.name, prompt: 'fake:write aged.txt old\nfake:commit unpushed work' });
    await waitFor(async () => (await listSessions(rig.orch)).sessions.find((x) => x.id === s.id)?.activity === 'ready', 30_000, 'the commit made');
    project.maxSessionAgeHours = 1 / 3600; // one second
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const cycle = await reconcileOnce(rig.orch);
      expect(cycle.actions.find((a) => a.kind === 'kill' && a.session === s.id)?.ok).toBe(true);
      const killed = (await listSessions(rig.orch, { includeKilled: true })).sessions.find((x) => x.id === s.id)!;
      expect(killed.status).toBe('killed');
      const events = await rig.orch.store(s.host).readEvents(project.name, { session: s.id });
      expect(events.find((e) => e.type === 'notified' && e.reaction === 'session-too-old')?.text).toMatch(/older than .* h \(maxSessionAgeHours\); its work is saved/);
      // The work is on origin under the backup ref, as kill saves it.
      const record = (await rig.orch.locate(s.id)).record;
      expect(git(rig.origin.url, 'show', `${record.backupRef}:aged.txt`)).toBe('old\n');

      // Brought back by a human: its age counts from then, so the next cycle leaves it.
      project.maxSessionAgeHours = 1;
      await restoreSession(rig.orch, s.id);
      const back = (await rig.orch.locate(s.id)).record;
      const sinceSpawn = Date.now() - Date.parse(back.createdAt!);
      const sinceRestore = Date.now() - Date.parse(back.restoredAt!);
      expect(sinceSpawn - sinceRestore).toBeGreaterThan(2000);
      // A limit it has outlived since its spawn, not since its restore.
      project.maxSessionAgeHours = (sinceRestore + (sinceSpawn - sinceRestore) / 2 + 500) / 3_600_000;
      const after = await reconcileOnce(rig.orch);
      expect(after.actions.filter((a) => a.kind === 'kill')).toEqual([]);
      await killSession(rig.orch, s.id);
    } finally {
      delete project.maxSessionAgeHours;
    }
  });
});

