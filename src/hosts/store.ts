import { randomBytes } from 'node:crypto';
import { AoError } from '../core/errors.js';
import { relativePaths, type HostPaths, type LockPurpose } from '../core/layout.js';
import { formatMetadata, MetadataSyntaxError, parseMetadata, type Metadata } from '../core/metadata.js';
import { METADATA_KEY_ORDER } from '../core/model.js';
import { applyPatch, parseRecord, recordToMetadata, type RecordPatch, type SessionRecord } from '../core/record.js';
import { holderIsDead, thisHolder } from './holder.js';
import { execScript, runScript, type ExecResult, type Host } from './host.js';
import { scriptEntries } from './script-output.js';
import { EXIT, hostScript } from './scripts.js';
import { parseProbeOutput, type ProbeResult } from './tmux.js';

/**
 * The record of every session lives on its runner host (SPEC section 2), in
 * the places src/core/layout.ts names: a key=value file per session, an
 * append-only events.jsonl per project, ID reservations, issue claims and
 * locks. Every operation is one host script (src/hosts/scripts) sent in one
 * round trip, with all variable data passed as positional arguments or stdin.
 *
 * Two levels: the file level (`Metadata`, any keys: what the file holds) and
 * the record level (`SessionRecord`, parsed and checked once here), which is
 * all the session operations see.
 */

export interface StoredSession {
  project: string;
  id: string;
  meta: Metadata;
}

export interface StoredRecord {
  project: string;
  id: string;
  record: SessionRecord;
}

export interface StoreWarning {
  file: string;
  problem: string;
}

export interface ReadAllResult {
  sessions: StoredSession[];
  warnings: StoreWarning[];
  /** Each project's control file (core/control.ts), where there is one. */
  controls: Map<string, Metadata>;
}

export interface SessionEvent {
  type: string;
  session?: string;
  actor?: string;
  at?: string;
  [key: string]: unknown;
}

export interface StoreOptions {
  dataDir: string;
  instance: string;
  /** A lock older than this is considered abandoned. */
  staleLockSec?: number;
  /** How long to wait for a busy lock before failing. */
  lockWaitSec?: number;
}

/** A session's record while an operation holds its record lock. */
export interface HeldSession {
  /** The pane, as seen the moment the locks were held (when asked for). */
  probe?: ProbeResult;
  read(): Promise<SessionRecord | undefined>;
  /** Replace the record and append events, keeping the lock. */
  write(record: SessionRecord, events?: SessionEvent[]): Promise<void>;
}

/** A lock that could not be taken in time, saying who holds it. */
function busy(id: string, purpose: string, stderr: string): AoError {
  const owner = /locked by (.*)/.exec(stderr)?.[1]?.trim() ?? '';
  const [, epoch, holder] = owner.split(/\s+/);
  const since = epoch && /^\d+$/.test(epoch) ? ` since ${new Date(Number(epoch) * 1000).toISOString()}` : '';
  const who = holder ? ` (held by ${holder.split(':')[1] ? `process ${holder.split(':')[1]}` : holder}${holder.startsWith(thisHolder().split(':')[0]!) ? ' on this machine' : ' on another machine'}${since})` : '';
  return new AoError('conflict', `session ${id} is busy (${purpose})${who}`, 'another operation is working on it; retry in a moment', { lock: purpose, owner });
}

/** What became of one session of `updateRecords`. */
export type BatchOutcome =
  | { outcome: 'written'; record: SessionRecord }
  | { outcome: 'unchanged' | 'busy' | 'missing' | 'lost' }
  | { outcome: 'failed'; error?: string };

/** The parts of lock-and-read-many.sh's output: index -> state, owner of a busy lock, and record text. */
function splitBatch(out: string): Map<number, { state: string; owner: string; text: string }> {
  const parts = new Map<number, { state: string; owner: string; text: string }>();
  let current: { state: string; owner: string; lines: string[] } | undefined;
  let index = -1;
  const flush = () => {
    if (current) parts.set(index, { state: current.state, owner: current.owner, text: current.lines.join('\n') });
  };
  for (const line of out.split('\n')) {
    const header = /^\u001d(\d+) (ok|busy|missing)(?: (.*))?$/.exec(line);
    if (header) {
      flush();
      index = Number(header[1]);
      current = { state: header[2]!, owner: header[3] ?? '', lines: [] };
    } else if (current) current.lines.push(line);
  }
  flush();
  return parts;
}

type Mutation<T> = (current: T) => { meta: T; events?: SessionEvent[] } | undefined | Promise<{ meta: T; events?: SessionEvent[] } | undefined>;

export class SessionStore {
  private readonly staleSec: number;
  private readonly waitSec: number;
  /** Paths relative to the data root (the scripts expand `~` on the host). */
  readonly rel: HostPaths;

  constructor(
    readonly host: Host,
    readonly options: StoreOptions,
  ) {
    this.staleSec = options.staleLockSec ?? 60;
    this.waitSec = options.lockWaitSec ?? 30;
    this.rel = relativePaths(options.instance);
  }

  private get root(): string {
    return this.options.dataDir;
  }

  /** Every session file of this instance on this host, in one round trip. */
  async readAll(): Promise<ReadAllResult> {
    const out = await runScript(this.host, hostScript('read-all'), [this.root, this.options.instance], { what: 'reading session records' });
    return parseRecordDump(out);
  }

  async read(project: string, id: string): Promise<Metadata | undefined> {
    const result = await execScript(this.host, hostScript('read-record'), [this.root, this.rel.session(project, id)]);
    if (result.code === EXIT.NO_RECORD) return undefined;
    if (result.code !== 0) throw new AoError('host', `reading session ${id} on host "${this.host.name}" failed: ${result.stderr.trim()}`);
    return parseMetadata(result.stdout);
  }

  /** A session's record, typed; undefined when there is none, an error when it does not parse. */
  async readRecord(project: string, id: string): Promise<SessionRecord | undefined> {
    const meta = await this.read(project, id).catch((error: unknown) => {
      if (error instanceof MetadataSyntaxError) throw this.corrupt(project, id, error.message);
      throw error;
    });
    return meta === undefined ? undefined : this.typed(project, id, meta);
  }

  private typed(project: string, id: string, meta: Metadata): SessionRecord {
    const parsed = parseRecord(meta);
    if (!parsed.ok) throw this.corrupt(project, id, parsed.problem);
    return parsed.record;
  }

  private corrupt(project: string, id: string, problem: string): AoError {
    return new AoError('failed', `the record of session ${id} on host "${this.host.name}" is corrupt (${problem}); it was left untouched`, `fix or remove ${this.options.dataDir}/${this.rel.session(project, id)} by hand`);
  }

  /** The project's control file (the arbiter host keeps it); empty when there is none yet. */
  async readControl(project: string): Promise<Metadata> {
    const result = await execScript(this.host, hostScript('read-record'), [this.root, this.rel.control(project)]);
    if (result.code === EXIT.NO_RECORD) return {};
    if (result.code !== 0) throw new AoError('host', `reading the control file of ${project} on host "${this.host.name}" failed: ${result.stderr.trim()}`);
    return parseMetadata(result.stdout);
  }

  /** Change the project's control file under its lock (made on first use); `mutate` returns undefined to leave it. */
  async updateControl(project: string, mutate: (current: Metadata) => { meta: Metadata; events?: SessionEvent[] } | undefined): Promise<Metadata> {
    const made = await execScript(this.host, hostScript('create-record'), [this.root, this.rel.control(project), this.rel.events(project)], { stdin: 'kind=control\n' });
    if (made.code !== 0 && made.code !== EXIT.EXISTS) throw new AoError('host', `making the control file of ${project} on host "${this.host.name}" failed: ${made.stderr.trim()}`);
    return this.locked(
      project,
      '_control',
      (text) => ({ current: parseMetadata(text), mutate: (current: Metadata) => mutate(current) }),
      undefined,
      { lock: this.rel.controlLock(project), file: this.rel.control(project) },
    );
  }

  /** Reserve the next free session number of a project on this host (exclusive mkdir; never reused). */
  async allocateNumber(project: string, floor = 0): Promise<number> {
    const out = await runScript(this.host, hostScript('allocate-id'), [this.root, this.rel.idsDir(project), String(floor)], { what: 'allocating a session ID' });
    const n = Number(out.trim());
    if (!Number.isInteger(n) || n < 1) throw new AoError('failed', `host "${this.host.name}" returned a bad session number ${JSON.stringify(out)}`);
    return n;
  }

  /** Give a reserved number back (used when a spawn rolls back before anything else exists). */
  async releaseNumber(project: string, n: number): Promise<void> {
    await runScript(this.host, hostScript('release-id'), [this.root, this.rel.idReservation(project, n)]);
  }

  /** Write a new file; fails if one exists. Optional events are appended in the same round trip. */
  async create(project: string, id: string, meta: Metadata, events: SessionEvent[] = []): Promise<void> {
    const result = await execScript(this.host, hostScript('create-record'), [this.root, this.rel.session(project, id), this.rel.events(project)], {
      stdin: withEvents(meta, events),
    });
    if (result.code === EXIT.EXISTS) throw new AoError('conflict', `session ${id} already has a record on host "${this.host.name}"`);
    if (result.code !== 0) throw new AoError('host', `creating session ${id} on host "${this.host.name}" failed: ${result.stderr.trim()}`);
  }

  async createRecord(record: SessionRecord, events: SessionEvent[] = []): Promise<void> {
    await this.create(record.project, record.id, recordToMetadata(record), events);
  }

  /**
   * Read-modify-write under the session's record lock (two round trips).
   * `mutate` returns the new metadata and optional events, or undefined to
   * leave the file as it is. A file that does not parse is never overwritten.
   */
  async update(project: string, id: string, mutate: Mutation<Metadata>, waitSec?: number): Promise<Metadata> {
    return this.locked(project, id, (text) => {
      let current: Metadata;
      try {
        current = parseMetadata(text);
      } catch (error) {
        throw this.corrupt(project, id, (error as Error).message);
      }
      return { current, mutate };
    }, waitSec);
  }

  /** `update` at the record level: the record is parsed (or refused as corrupt) before `mutate` sees it. */
  async updateRecord(project: string, id: string, mutate: Mutation<SessionRecord>, waitSec?: number): Promise<SessionRecord> {
    const meta = await this.update(project, id, async (current) => {
      const change = await mutate(this.typed(project, id, current));
      return change ? { meta: recordToMetadata(change.meta), events: change.events } : undefined;
    }, waitSec);
    return this.typed(project, id, meta);
  }

  /** Merge keys into a file (a key set to undefined is removed). */
  async patch(project: string, id: string, patch: Record<string, string | undefined>, events: SessionEvent[] = []): Promise<Metadata> {
    return this.update(project, id, (current) => {
      const meta: Metadata = { ...current };
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) delete meta[key];
        else meta[key] = value;
      }
      meta.updatedAt = new Date().toISOString();
      return { meta, events };
    });
  }

  /** Merge fields into a record (a field set to undefined is removed). */
  async patchRecord(project: string, id: string, patch: RecordPatch, events: SessionEvent[] = []): Promise<SessionRecord> {
    return this.updateRecord(project, id, (current) => ({ meta: applyPatch(current, patch), events }));
  }

  /**
   * `updateRecord` for many sessions of this host at once, in two round
   * trips whatever their number: take every record lock that is free (a
   * busy one is skipped, never waited for) and read the records, then write
   * the changed ones, release every lock and append the events. For
   * bookkeeping that the next look would redo anyway (recording statuses
   * and evidence); an operation that must happen waits for its lock with
   * `updateRecord`.
   */
  async updateRecords(items: readonly { project: string; id: string }[], mutate: (current: SessionRecord, index: number) => { meta: SessionRecord; events?: SessionEvent[] } | undefined): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = items.map(() => ({ outcome: 'busy' }));
    if (items.length === 0) return outcomes;
    const token = randomBytes(8).toString('hex');
    // Sessions this process is already working on are skipped too (their local queue is taken).
    const releases: (() => void)[] = [];
    const taking: number[] = [];
    for (const [i, item] of items.entries()) {
      const release = tryLocalQueue(`${this.host.name}\0${this.rel.lock(item.project, item.id, 'record')}`);
      if (!release) continue;
      releases.push(release);
      taking.push(i);
    }
    try {
      if (taking.length === 0) return outcomes;
      const lockAndRead = async (indices: readonly number[], dead: readonly string[]) => {
        // One line per session on stdin (an SSH command line is one argument, at most 128 KiB).
        const lines = indices.map((i, k) => `${this.rel.lock(items[i]!.project, items[i]!.id, 'record')}\t${this.rel.session(items[i]!.project, items[i]!.id)}\t${dead[k] ?? ''}\n`);
        const read = await execScript(this.host, hostScript('lock-and-read-many'), [this.root, token, String(this.staleSec), thisHolder()], {
          stdin: lines.join(''),
          timeoutMs: 60_000,
        });
        if (read.code !== 0) throw new AoError('host', `locking ${indices.length} session(s) on host "${this.host.name}" failed: ${read.stderr.trim()}`);
        const got = new Map<number, { state: string; owner: string; text: string }>();
        for (const [n, part] of splitBatch(read.stdout)) if (indices[n] !== undefined) got.set(indices[n]!, part);
        return got;
      };
      const parts = await lockAndRead(taking, []);
      // A lock whose holder is proven dead (it ran on this machine and is gone) is no reason to wait for the next look: one more round breaks it.
      const dead = [...parts].filter(([, part]) => part.state === 'busy' && holderIsDead(part.owner) === true);
      if (dead.length > 0) {
        for (const [i, part] of await lockAndRead(dead.map(([i]) => i), dead.map(([, part]) => part.owner))) parts.set(i, part);
      }
      const held: number[] = [];
      const blocks: string[] = [];
      const written: number[] = [];
      for (const [i, part] of parts) {
        if (part.state === 'missing') outcomes[i] = { outcome: 'missing' };
        if (part.state !== 'ok') continue;
        held.push(i);
        const item = items[i]!;
        let change: ReturnType<typeof mutate>;
        try {
          change = mutate(this.typed(item.project, item.id, parseMetadata(part.text)), i);
        } catch (error) {
          outcomes[i] = { outcome: 'failed', error: error instanceof Error ? error.message : String(error) };
          continue;
        }
        if (!change) {
          outcomes[i] = { outcome: 'unchanged' };
          continue;
        }
        written.push(i);
        blocks.push(`\u001d${this.rel.lock(item.project, item.id, 'record')}\t${this.rel.session(item.project, item.id)}\t${this.rel.events(item.project)}\n${withEvents(recordToMetadata(change.meta), change.events ?? [])}`);
        outcomes[i] = { outcome: 'written', record: change.meta };
      }
      if (held.length === 0) return outcomes;
      const unwritten = held.filter((i) => !written.includes(i)).map((i) => this.rel.lock(items[i]!.project, items[i]!.id, 'record'));
      const write = await execScript(this.host, hostScript('write-many-and-unlock'), [this.root, token], { stdin: unwritten.map((lock) => `\u001f${lock}\n`).join('') + blocks.join(''), timeoutMs: 60_000 });
      if (write.code !== 0) throw new AoError('failed', `writing ${written.length} session(s) on host "${this.host.name}" failed: ${write.stderr.trim()}`);
      const results = new Map(write.stdout.split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string]));
      for (const [n, i] of written.entries()) {
        if (results.get(String(n)) !== 'ok') outcomes[i] = { outcome: results.get(String(n)) === 'lost' ? 'lost' : 'failed' };
      }
      return outcomes;
    } finally {
      for (const release of releases) release();
    }
  }

  private async locked<T>(
    project: string,
    id: string,
    prepare: (text: string) => { current: T; mutate: Mutation<T> },
    waitSec?: number,
    paths: { lock: string; file: string } = { lock: this.rel.lock(project, id, 'record'), file: this.rel.session(project, id) },
  ): Promise<T> {
    const token = randomBytes(8).toString('hex');
    const { lock, file } = paths;
    const release = await localQueue(`${this.host.name}\0${lock}`);
    try {
      const read = await this.acquire('lock-and-read', [this.root, lock, file, token, String(this.staleSec)], waitSec ?? this.waitSec);
      if (read.code === EXIT.NO_RECORD) throw new AoError('not_found', `no session ${id} in project ${project} on host "${this.host.name}"`);
      if (read.code === EXIT.BUSY) throw busy(id, 'record', read.stderr);
      if (read.code !== 0) throw new AoError('host', `locking session ${id} on host "${this.host.name}" failed: ${read.stderr.trim()}`);
      let change: { meta: T; events?: SessionEvent[] } | undefined;
      let current: T;
      try {
        const prepared = prepare(read.stdout);
        current = prepared.current;
        change = await prepared.mutate(current);
      } catch (error) {
        await this.unlock(lock, token);
        throw error;
      }
      if (!change) {
        await this.unlock(lock, token);
        return current;
      }
      const meta = change.meta as unknown as Metadata;
      const write = await execScript(this.host, hostScript('write-and-unlock'), [this.root, lock, file, token, this.rel.events(project)], {
        stdin: withEvents(meta, change.events ?? []),
      });
      if (write.code !== 0) throw new AoError('failed', `writing session ${id} on host "${this.host.name}" failed: ${write.stderr.trim()}`);
      return change.meta;
    } finally {
      release();
    }
  }

  /**
   * Hold locks of a session while fn runs, across processes and machines
   * that touch this host: `runtime` (tmux and the worktree), `send`
   * (messages) and `record` (the metadata file). They are taken in one fixed
   * order, all before fn starts, so an operation never begins a destructive
   * step without every lock it needs; held locks are kept fresh by a
   * heartbeat and released at the end. With `record` held, fn reads and
   * writes the record through `held`.
   */
  async withLocks<T>(
    project: string,
    id: string,
    purposes: readonly LockPurpose[],
    fn: (held: HeldSession) => Promise<T>,
    waitSec = this.waitSec,
    options: { probe?: { socket: string; name: string; history: number } } = {},
  ): Promise<T> {
    const token = randomBytes(8).toString('hex');
    const order: LockPurpose[] = (['runtime', 'send', 'record'] as const).filter((p) => purposes.includes(p));
    const taken: { rel: string; release: () => void }[] = [];
    let probe: ProbeResult | undefined;
    const releaseAll = async () => {
      if (taken.length > 0) await execScript(this.host, hostScript('unlock'), [this.root, token, ...taken.map((t) => t.rel)]).catch(() => undefined);
      for (const t of taken.reverse()) t.release();
    };
    try {
      for (const [i, purpose] of order.entries()) {
        const rel = this.rel.lock(project, id, purpose);
        // Waiters in this process queue here instead of polling the host.
        const release = await localQueue(`${this.host.name}\0${rel}`);
        // The pane is looked at once the last lock is held, in the same round trip.
        const look = options.probe && i === order.length - 1 ? [options.probe.socket, options.probe.name, String(options.probe.history)] : [];
        const result = await this.acquire('lock', [this.root, rel, token, String(this.staleSec)], waitSec, look).catch((error: unknown) => {
          release();
          throw error;
        });
        if (result.code !== 0) {
          release();
          if (result.code === EXIT.BUSY) throw busy(id, purpose, result.stderr);
          throw new AoError('host', `locking session ${id} on host "${this.host.name}" failed: ${result.stderr.trim()}`);
        }
        taken.push({ rel, release });
        if (look.length > 0) probe = parseProbeOutput(result.stdout, options.probe!.history, options.probe!.name);
      }
    } catch (error) {
      await releaseAll();
      throw error;
    }
    // A lock held longer than the stale limit (a send waiting for a busy agent) is kept fresh, so no one breaks it.
    let beating: Promise<unknown> = Promise.resolve();
    const heartbeat = setInterval(() => {
      beating = execScript(this.host, hostScript('heartbeat'), [this.root, token, ...taken.map((t) => t.rel)]).catch(() => undefined);
    }, Math.max(1000, (this.staleSec * 1000) / 3));
    const recordLock = this.rel.lock(project, id, 'record');
    const held: HeldSession = {
      probe,
      read: () => this.readRecord(project, id),
      write: async (record, events = []) => {
        if (!order.includes('record')) throw new Error('writing a record needs its record lock');
        const result = await execScript(this.host, hostScript('write-locked'), [this.root, recordLock, this.rel.session(project, id), token, this.rel.events(project)], {
          stdin: withEvents(recordToMetadata(record), events),
        });
        if (result.code !== 0) throw new AoError('failed', `writing session ${id} on host "${this.host.name}" failed: ${result.stderr.trim()}`);
      },
    };
    try {
      return await fn(held);
    } finally {
      clearInterval(heartbeat);
      // A heartbeat still on its way must land before the unlock, or it could stamp the next holder's lock.
      await beating;
      await releaseAll();
    }
  }

  /** Hold one named lock of a session while fn runs. */
  async withLock<T>(project: string, id: string, purpose: 'send' | 'runtime', fn: () => Promise<T>, waitSec = this.waitSec): Promise<T> {
    return this.withLocks(project, id, [purpose], () => fn(), waitSec);
  }

  /**
   * Try a lock script in short rounds (about a second each on the host),
   * sleeping between rounds here, so a waiter never holds one of the
   * connection's few channels for long: the holder needs one to finish. A
   * holder that died on this machine is recognised from its owner line and
   * its lock broken at once, not after the stale limit.
   */
  private async acquire(script: string, args: string[], waitSec: number, after: readonly string[] = []): Promise<ExecResult> {
    const deadline = Date.now() + waitSec * 1000;
    let dead = '';
    for (;;) {
      const result = await execScript(this.host, hostScript(script), [...args, thisHolder(), dead, '1', ...after], { timeoutMs: 60_000 });
      if (result.code !== EXIT.BUSY) return result;
      const owner = /locked by (.*)/.exec(result.stderr)?.[1]?.trim() ?? '';
      const proven = holderIsDead(owner) === true && owner !== dead;
      dead = proven ? owner : '';
      // A holder just proven dead is worth one more round, whatever the time: that round breaks its lock.
      if (Date.now() >= deadline && !proven) return result;
      if (!proven) await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
    }
  }

  private async unlock(lock: string, token: string): Promise<void> {
    await execScript(this.host, hostScript('unlock'), [this.root, token, lock]);
  }

  async appendEvents(project: string, events: SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    await runScript(this.host, hostScript('append-events'), [this.root, this.rel.events(project)], {
      stdin: events.map((e) => `${JSON.stringify(stamp(e))}\n`).join(''),
      what: 'appending to the event log',
    });
  }

  async readEvents(project: string, filter: { session?: string } = {}): Promise<SessionEvent[]> {
    const result = await execScript(this.host, hostScript('read-events'), [this.root, this.rel.events(project)]);
    const events: SessionEvent[] = [];
    for (const line of result.stdout.split('\n')) {
      if (!line.trim()) continue;
      try {
        const event = JSON.parse(line) as SessionEvent;
        if (!filter.session || event.session === filter.session) events.push(event);
      } catch {
        /* a torn or hand-edited line: skip it, the log is for audit */
      }
    }
    return events;
  }

  /**
   * Claim an issue for a session (exclusive mkdir). Returns the ID of the
   * session that holds the claim: `id` when this call won.
   */
  async claimIssue(project: string, issue: number, id: string): Promise<string> {
    const out = await runScript(this.host, hostScript('claim-issue'), [this.root, this.rel.issueClaim(project, issue), id], { what: 'claiming the issue' });
    return out.trim();
  }

  /** Release an issue claim, only if `id` holds it. */
  async releaseIssue(project: string, issue: number, id: string): Promise<void> {
    await runScript(this.host, hostScript('release-issue'), [this.root, this.rel.issueClaim(project, issue), id]);
  }

  /** Remove a record and its lock: only for rolling back a spawn that never ran (the number is released separately). */
  async removeRecord(project: string, id: string): Promise<void> {
    await runScript(this.host, hostScript('remove-record'), [this.root, this.rel.session(project, id), this.rel.lock(project, id, 'record')]);
  }

  /** Resolve the data dir root to an absolute path on the host. */
  async absoluteRoot(): Promise<string> {
    return runScript(this.host, hostScript('absolute-root'), [this.root]);
  }
}

const localQueues = new Map<string, Promise<void>>();

/** A FIFO mutex per key within this process. Resolves to the release function. */
/** Take a local queue only if nobody in this process holds or waits for it. */
function tryLocalQueue(key: string): (() => void) | undefined {
  if (localQueues.has(key)) return undefined;
  let release!: () => void;
  const current = new Promise<void>((resolve) => (release = resolve));
  localQueues.set(key, current);
  return () => {
    release();
    if (localQueues.get(key) === current) localQueues.delete(key);
  };
}

function localQueue(key: string): Promise<() => void> {
  const previous = localQueues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((resolve) => (release = resolve));
  const chained = previous.then(() => current);
  localQueues.set(key, chained);
  return previous.then(() => () => {
    release();
    if (localQueues.get(key) === chained) localQueues.delete(key);
  });
}

function stamp(event: SessionEvent): SessionEvent {
  return { at: new Date().toISOString(), ...event };
}

function withEvents(meta: Metadata, events: SessionEvent[]): string {
  const text = formatMetadata(meta, METADATA_KEY_ORDER);
  if (events.length === 0) return text;
  return `${text}\u001e\n${events.map((e) => `${JSON.stringify(stamp(e))}\n`).join('')}`;
}

/** Parse the output of read-all.sh at the file level; files that do not parse become warnings, never exceptions. */
export function parseRecordDump(out: string): ReadAllResult {
  const sessions: StoredSession[] = [];
  const warnings: StoreWarning[] = [];
  const controls = new Map<string, Metadata>();
  for (const { header: file, body } of scriptEntries(out)) {
    const control = /^([^/]+)\/control$/.exec(file);
    if (control) {
      try {
        controls.set(control[1]!, parseMetadata(body));
      } catch (error) {
        warnings.push({ file, problem: error instanceof MetadataSyntaxError ? error.message : String(error) });
      }
      continue;
    }
    const match = /^([^/]+)\/sessions\/([^/]+)$/.exec(file);
    if (!match) {
      warnings.push({ file, problem: 'unexpected path' });
      continue;
    }
    const [, project, id] = match as unknown as [string, string, string];
    let meta: Metadata;
    try {
      meta = parseMetadata(body);
    } catch (error) {
      warnings.push({ file, problem: error instanceof MetadataSyntaxError ? error.message : String(error) });
      continue;
    }
    if (meta.id !== id) {
      warnings.push({ file, problem: meta.id === undefined && body.trim() === '' ? 'the file is empty' : `its id "${meta.id ?? ''}" does not match the file name` });
      continue;
    }
    sessions.push({ project, id, meta });
  }
  return { sessions, warnings, controls };
}

/** The record level of a dump: files whose record does not parse (a bad status, no branch) become warnings too. */
export function parseRecords(dump: ReadAllResult): { records: StoredRecord[]; warnings: StoreWarning[] } {
  const records: StoredRecord[] = [];
  const warnings = [...dump.warnings];
  for (const { project, id, meta } of dump.sessions) {
    const parsed = parseRecord(meta);
    if (!parsed.ok) warnings.push({ file: `${project}/sessions/${id}`, problem: parsed.problem });
    else if (parsed.record.project !== project) warnings.push({ file: `${project}/sessions/${id}`, problem: `its project "${parsed.record.project}" does not match its directory` });
    else records.push({ project, id, record: parsed.record });
  }
  return { records, warnings };
}
