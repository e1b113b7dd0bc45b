import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHost } from '../../src/hosts/local.js';
import type { Host } from '../../src/hosts/host.js';
import { SshHost } from '../../src/hosts/ssh.js';
import { SessionStore } from '../../src/hosts/store.js';
import { startSshd, type TestSshd } from '../support/sshd.js';
import { makeTempDir } from '../support/tmp.js';

const execFileAsync = promisify(execFile);

/** Counts exec calls, i.e. round trips to the host. */
class CountingHost implements Host {
  calls = 0;
  constructor(private readonly inner: Host) {}
  get name() {
    return this.inner.name;
  }
  get kind() {
    return this.inner.kind;
  }
  exec(...args: Parameters<Host['exec']>) {
    this.calls++;
    return this.inner.exec(...args);
  }
  close() {
    return this.inner.close();
  }
}

let sshd: TestSshd;
let ssh: SshHost;
let temp: ReturnType<typeof makeTempDir>;

beforeAll(async () => {
  sshd = await startSshd();
  ssh = new SshHost(sshd.hostConfig());
  temp = makeTempDir('ao-store');
});
afterAll(async () => {
  await ssh?.close();
  await sshd?.stop();
  temp?.cleanup();
});

function baseMeta(id: string, extra: Record<string, string> = {}) {
  return { id, project: 'demo', status: 'working', branch: `ao/${id}`, ...extra };
}

describe.each([
  ['local', () => new LocalHost()],
  ['ssh', () => ssh],
])('SessionStore on a %s host', (kind, makeHost) => {
  const dataDir = () => path.join(temp.dir, kind);
  const store = () => new SessionStore(makeHost(), { dataDir: dataDir(), instance: 'test' });

  it('creates a record exclusively and reads it back', async () => {
    await store().create('demo', 'dm-1', baseMeta('dm-1'));
    expect(await store().read('demo', 'dm-1')).toMatchObject({ id: 'dm-1', status: 'working' });
    await expect(store().create('demo', 'dm-1', baseMeta('dm-1'))).rejects.toThrow(/already has a record/);
  });

  it('round-trips values with newlines, "=", backslashes and unicode', async () => {
    const tricky = 'line 1\nline=2 \\n not an escape\r\n\ttab ünïcødé ✓ 🚀 $(whoami) `id` \'q\' "dq"\u0001';
    await store().create('demo', 'dm-2', baseMeta('dm-2', { note: tricky, 'key.with-dots_': '=x=' }));
    const back = await store().read('demo', 'dm-2');
    expect(back?.note).toBe(tricky);
    expect(back?.['key.with-dots_']).toBe('=x=');
  });

  it('allocates distinct numbers under concurrency and never reuses one', async () => {
    const numbers = await Promise.all(Array.from({ length: 10 }, () => store().allocateNumber('alloc')));
    expect(new Set(numbers).size).toBe(10);
    expect([...numbers].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await store().allocateNumber('alloc', 20)).toBe(21);
  });

  it('appends events and reads them back filtered by session', async () => {
    await store().appendEvents('demo', [
      { type: 'spawned', session: 'dm-1', actor: 'test' },
      { type: 'sent', session: 'dm-2', actor: 'test', text: 'multi\nline' },
    ]);
    const events = await store().readEvents('demo', { session: 'dm-2' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'sent', text: 'multi\nline' });
    expect(typeof events[0]!.at).toBe('string');
  });
});

describe('SessionStore concurrency and corruption (local host)', () => {
  it('50 concurrent writers across two processes lose no update', async () => {
    const dataDir = path.join(temp.dir, 'concurrency');
    const store = new SessionStore(new LocalHost(), { dataDir, instance: 'test' });
    await store.create('demo', 'dm-9', { id: 'dm-9', project: 'demo', status: 'working', count: '0' });
    const child = execFileAsync(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, '../support/bin/store-writer.ts'), dataDir, 'test', 'demo', 'dm-9', 'b', '25'],
      { cwd: path.join(import.meta.dirname, '../..') },
    );
    const local = Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        store.update('demo', 'dm-9', (meta) => ({ meta: { ...meta, [`a${i}`]: 'done', count: String(Number(meta.count) + 1) } })),
      ),
    );
    await Promise.all([child, local]);
    const final = (await store.read('demo', 'dm-9'))!;
    expect(final.count).toBe('50');
    for (let i = 0; i < 25; i++) {
      expect(final[`a${i}`]).toBe('done');
      expect(final[`b${i}`]).toBe('done');
    }
  });

  it('breaks a stale lock left by a dead process', async () => {
    const dataDir = path.join(temp.dir, 'stale');
    const store = new SessionStore(new LocalHost(), { dataDir, instance: 'test', staleLockSec: 1 });
    await store.create('demo', 'dm-3', baseMeta('dm-3'));
    const lockDir = path.join(dataDir, 'test/demo/locks/dm-3');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(path.join(lockDir, 'owner'), `deadbeef ${Math.floor(Date.now() / 1000) - 120}\n`);
    const updated = await store.patch('demo', 'dm-3', { status: 'stuck' });
    expect(updated.status).toBe('stuck');
  });

  it('reports a busy lock as a conflict when the wait runs out', async () => {
    const dataDir = path.join(temp.dir, 'busy');
    const store = new SessionStore(new LocalHost(), { dataDir, instance: 'test', lockWaitSec: 1 });
    await store.create('demo', 'dm-4', baseMeta('dm-4'));
    const lockDir = path.join(dataDir, 'test/demo/locks/dm-4');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(path.join(lockDir, 'owner'), `cafe ${Math.floor(Date.now() / 1000)}\n`);
    await expect(store.patch('demo', 'dm-4', { status: 'stuck' })).rejects.toThrow(/busy/);
    expect((await store.read('demo', 'dm-4'))?.status).toBe('working');
  });

  it('reports and skips a corrupt record, and refuses to overwrite it', async () => {
    const dataDir = path.join(temp.dir, 'corrupt');
    const store = new SessionStore(new LocalHost(), { dataDir, instance: 'test' });
    await store.create('demo', 'dm-1', baseMeta('dm-1'));
    const badFile = path.join(dataDir, 'test/demo/sessions/dm-2');
    writeFileSync(badFile, 'id=dm-2\nthis line has no equals sign\n');
    writeFileSync(path.join(dataDir, 'test/demo/sessions/dm-3'), 'id=someone-else\nstatus=working\n');
    const { sessions, warnings } = await store.readAll();
    expect(sessions.map((s) => s.id)).toEqual(['dm-1']);
    expect(warnings.map((w) => w.file).sort()).toEqual(['demo/sessions/dm-2', 'demo/sessions/dm-3']);
    expect(warnings.find((w) => w.file.endsWith('dm-2'))?.problem).toMatch(/line 2/);
    await expect(store.patch('demo', 'dm-2', { status: 'killed' })).rejects.toThrow(/corrupt.*left untouched/);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(badFile, 'utf8')).toBe('id=dm-2\nthis line has no equals sign\n');
  });

  it('updates many records in two round trips, skipping busy, missing and corrupt ones and touching nothing else', async () => {
    const dataDir = path.join(temp.dir, 'batch');
    const seeder = new SessionStore(new LocalHost(), { dataDir, instance: 'test' });
    const record = (project: string, id: string) => ({ id, project, repo: 'acme/x', branch: `ao/${id}`, agent: 'generic', status: 'working' as const, extra: {} });
    const items = [
      { project: 'alpha', id: 'al-1' },
      { project: 'beta', id: 'be-2' },
      { project: 'alpha', id: 'al-3' },
      { project: 'alpha', id: 'al-4' }, // unchanged
      { project: 'beta', id: 'be-5' }, // busy
      { project: 'beta', id: 'be-6' }, // missing
      { project: 'alpha', id: 'al-7' }, // corrupt
    ];
    for (const item of items.slice(0, 5)) await seeder.createRecord(record(item.project, item.id));
    const busyLock = path.join(dataDir, 'test/beta/locks/be-5');
    mkdirSync(busyLock, { recursive: true });
    writeFileSync(path.join(busyLock, 'owner'), `cafe ${Math.floor(Date.now() / 1000)}\n`);
    const corrupt = path.join(dataDir, 'test/alpha/sessions/al-7');
    writeFileSync(corrupt, 'id=al-7\nno equals sign here\n');

    const counting = new CountingHost(ssh);
    const store = new SessionStore(counting, { dataDir, instance: 'test' });
    const outcomes = await store.updateRecords(items, (current) =>
      current.id === 'al-4' ? undefined : { meta: { ...current, status: 'pr_open' }, events: current.id === 'al-4' ? [] : [{ type: 'status_changed', session: current.id, to: 'pr_open' }] },
    );
    expect(counting.calls).toBe(2);
    expect(outcomes.map((o) => o.outcome)).toEqual(['written', 'written', 'written', 'unchanged', 'busy', 'missing', 'failed']);
    for (const item of items.slice(0, 3)) expect((await seeder.readRecord(item.project, item.id))?.status).toBe('pr_open');
    expect((await seeder.readRecord('alpha', 'al-4'))?.status).toBe('working');
    expect((await seeder.readRecord('beta', 'be-5'))?.status).toBe('working');
    const { readFileSync, readdirSync, existsSync } = await import('node:fs');
    expect(readFileSync(corrupt, 'utf8')).toBe('id=al-7\nno equals sign here\n');
    expect((await seeder.readEvents('alpha')).filter((e) => e.type === 'status_changed').map((e) => e.session)).toEqual(['al-1', 'al-3']);
    expect((await seeder.readEvents('beta')).filter((e) => e.type === 'status_changed').map((e) => e.session)).toEqual(['be-2']);
    // Our locks are all released, the other holder's is not, and no scratch is left.
    expect(readdirSync(path.join(dataDir, 'test/alpha/locks'))).toEqual([]);
    expect(readdirSync(path.join(dataDir, 'test/beta/locks'))).toEqual(['be-5']);
    expect(existsSync(path.join(busyLock, 'owner'))).toBe(true);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('.write-many'))).toEqual([]);
  });

  it('writes nothing in a batch whose lock was broken meanwhile', async () => {
    const dataDir = path.join(temp.dir, 'batch-lost');
    const store = new SessionStore(new LocalHost(), { dataDir, instance: 'test' });
    await store.createRecord({ id: 'al-1', project: 'alpha', repo: 'acme/x', branch: 'ao/al-1', agent: 'generic', status: 'working', extra: {} });
    const lock = path.join(dataDir, 'test/alpha/locks/al-1');
    const outcomes = await store.updateRecords([{ project: 'alpha', id: 'al-1' }], (current) => {
      // Someone judged our lock stale and took it while we were deciding.
      writeFileSync(path.join(lock, 'owner'), `other ${Math.floor(Date.now() / 1000)}\n`);
      return { meta: { ...current, status: 'stuck' } };
    });
    expect(outcomes[0]?.outcome).toBe('lost');
    expect((await store.readRecord('alpha', 'al-1'))?.status).toBe('working');
  });

  it('lists 200 sessions over SSH in one round trip', async () => {
    const dataDir = path.join(temp.dir, 'many');
    const counting = new CountingHost(ssh);
    const store = new SessionStore(counting, { dataDir, instance: 'test' });
    // Seeded through the local host (same files), read back over SSH.
    const seeder = new SessionStore(new LocalHost(), { dataDir, instance: 'test' });
    await Promise.all(Array.from({ length: 200 }, (_, i) => seeder.create(i % 2 ? 'alpha' : 'beta', `s-${i + 1}`, { id: `s-${i + 1}`, project: 'x', status: 'working' })));
    counting.calls = 0;
    const { sessions, warnings } = await store.readAll();
    expect(counting.calls).toBe(1);
    expect(warnings).toEqual([]);
    expect(sessions).toHaveLength(200);
    expect(new Set(sessions.map((s) => s.project))).toEqual(new Set(['alpha', 'beta']));
  });

  it('updates 1,600 sessions over SSH in two round trips: the per-session lists go on stdin, past what one SSH command line can carry (128 KiB)', async () => {
    const dataDir = path.join(temp.dir, 'many-update');
    const sessionsDir = path.join(dataDir, 'test/longer-project-name/sessions');
    mkdirSync(sessionsDir, { recursive: true });
    const items = Array.from({ length: 1600 }, (_, i) => ({ project: 'longer-project-name', id: `lpn-${i + 1}` }));
    // Written as files (the format a create writes), so the test spends its time on the update.
    for (const { id } of items) writeFileSync(path.join(sessionsDir, id), `id=${id}\nproject=longer-project-name\nrepo=acme/x\nbranch=ao/${id}\nagent=generic\nstatus=working\n`);
    const counting = new CountingHost(ssh);
    const store = new SessionStore(counting, { dataDir, instance: 'test' });
    const outcomes = await store.updateRecords(items, (current) => (current.id === 'lpn-7' ? undefined : { meta: { ...current, status: 'pr_open' } }));
    expect(counting.calls).toBe(2);
    expect(outcomes.filter((o) => o.outcome === 'written')).toHaveLength(1599);
    expect(outcomes[6]?.outcome).toBe('unchanged');
    const { readFileSync, readdirSync } = await import('node:fs');
    expect(readFileSync(path.join(sessionsDir, 'lpn-1600'), 'utf8')).toMatch(/^status=pr_open$/m);
    expect(readFileSync(path.join(sessionsDir, 'lpn-7'), 'utf8')).toMatch(/^status=working$/m);
    expect(readdirSync(path.join(dataDir, 'test/longer-project-name/locks'))).toEqual([]);
  }, 120_000);
});

