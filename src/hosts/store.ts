import { randomBytes } from 'node:crypto';
import { formatMetadata, MetadataSyntaxError, parseMetadata, type Metadata } from '../core/metadata.js';
import { METADATA_KEY_ORDER, isSessionStatus } from '../core/model.js';
import { AoError } from '../core/errors.js';
import { execScript, run, runScript, type ExecResult, type Host } from './host.js';

/**
 * The record of every session lives on its runner host (SPEC section 2):
 *
 *   <dataDir>/<instance>/<project>/sessions/<id>      key=value metadata
 *   <dataDir>/<instance>/<project>/events.jsonl       append-only audit log
 *   <dataDir>/<instance>/<project>/ids/<n>            ID reservations (mkdir = exclusive)
 *   <dataDir>/<instance>/<project>/locks/<id>         per-session lock (mkdir lock)
 *
 * Every operation is one small sh script sent in one round trip, with all
 * variable data passed as positional arguments or stdin.
 */

/** Takes the data root from $1 (then shifts) and expands a leading ~ on the host, where $HOME is known. */
export const ROOT_PRELUDE = `root=$1; shift
case $root in "~") root=$HOME ;; "~/"*) root=$HOME/\${root#"~/"} ;; esac
`;

/** All records in one awk process (no process per file), each preceded by \036 and its path. */
export const READ_ALL = `${ROOT_PRELUDE}
dir=$root/$1
[ -d "$dir" ] || exit 0
cd "$dir" || exit 1
set -- */sessions/*
[ -e "$1" ] || exit 0
awk 'FNR == 1 { printf "\\036%s\\n", FILENAME } { print }' "$@"
`;

const ALLOCATE_ID = `${ROOT_PRELUDE}
ids=$root/$1; floor=$2
mkdir -p "$ids" || exit 1
n=$(ls "$ids" | grep -E '^[0-9]+$' | sort -n | tail -n 1)
n=\${n:-0}
[ "$n" -ge "$floor" ] || n=$floor
while :; do
  n=$((n + 1))
  if mkdir "$ids/$n" 2>/dev/null; then echo "$n"; exit 0; fi
  # Taken is fine (try the next); any other failure (permissions, full disk) is not.
  [ -d "$ids/$n" ] || { echo "cannot create $ids/$n" >&2; exit 1; }
done
`;

/** Create a file that must not exist yet: a hard link fails if the name is taken. */
const CREATE_EXCLUSIVE = `${ROOT_PRELUDE}
file=$root/$1; events=$root/$2
dir=\${file%/*}; mkdir -p "$dir" || exit 1
tmp=$dir/.\${file##*/}.new.$$
evtmp=$dir/.\${file##*/}.ev.$$
awk -v meta="$tmp" -v ev="$evtmp" 'BEGIN { out = meta } $0 == "\\036" { out = ev; next } { print > out }' || { rm -f "$tmp" "$evtmp"; exit 1; }
if ln "$tmp" "$file" 2>/dev/null; then rm -f "$tmp"; else rm -f "$tmp" "$evtmp"; echo "session record $1 already exists" >&2; exit 73; fi
if [ -s "$evtmp" ]; then
  if command -v flock >/dev/null 2>&1; then flock "$events.lock" sh -c 'cat "$1" >> "$2"' sh "$evtmp" "$events"; else cat "$evtmp" >> "$events"; fi
fi
rm -f "$evtmp"
`;

/** mkdir lock with stale recovery; expects $lock, $token, $stale, $wait. */
const LOCK_LOOP = `mkdir -p "\${lock%/*}" || exit 1
start=$(date +%s)
while ! mkdir "$lock" 2>/dev/null; do
  now=$(date +%s)
  seen=$(cat "$lock/owner" 2>/dev/null)
  born=\${seen#* }
  [ -n "$seen" ] || born=$(date -r "$lock" +%s 2>/dev/null) || born=$now
  if [ $((now - born)) -gt "$stale" ]; then
    # A lock this old belongs to a process that died mid-update: break it, but only
    # if what we moved is the lock we judged (another waiter may have broken it and locked anew).
    if mv "$lock" "$lock.stale.$$" 2>/dev/null; then
      if [ "$(cat "$lock.stale.$$/owner" 2>/dev/null)" = "$seen" ]; then rm -rf "$lock.stale.$$"
      elif [ ! -e "$lock" ]; then mv "$lock.stale.$$" "$lock" 2>/dev/null || rm -rf "$lock.stale.$$"
      else rm -rf "$lock.stale.$$"; fi
    fi
    continue
  fi
  if [ $((now - start)) -ge "$wait" ]; then
    echo "locked by $(cat "$lock/owner" 2>/dev/null || echo unknown)" >&2
    exit 75
  fi
  sleep 0.05
done
echo "$token $(date +%s)" > "$lock/owner.$$" && mv -f "$lock/owner.$$" "$lock/owner"
`;

const LOCK_AND_READ = `${ROOT_PRELUDE}
lock=$root/$1; file=$root/$2; token=$3; stale=$4; wait=$5
${LOCK_LOOP}
if [ -f "$file" ]; then cat "$file"; else echo "no session record at $file" >&2; rm -rf "$lock"; exit 66; fi
`;

const ACQUIRE = `${ROOT_PRELUDE}
lock=$root/$1; token=$2; stale=$3; wait=$4
${LOCK_LOOP}`;

const WRITE_AND_UNLOCK = `${ROOT_PRELUDE}
lock=$root/$1; file=$root/$2; token=$3; events=$root/$4
case $(cat "$lock/owner" 2>/dev/null) in
  "$token "*) ;;
  *) echo "the session lock was lost (held too long and broken as stale); nothing written" >&2; exit 76 ;;
esac
dir=\${file%/*}
tmp=$dir/.\${file##*/}.tmp.$$
evtmp=$dir/.\${file##*/}.ev.$$
if awk -v meta="$tmp" -v ev="$evtmp" 'BEGIN { out = meta } $0 == "\\036" { out = ev; next } { print > out }' && mv -f "$tmp" "$file"; then
  status=0
else
  status=1; rm -f "$tmp"
fi
rm -rf "$lock"
if [ $status -eq 0 ] && [ -s "$evtmp" ]; then
  if command -v flock >/dev/null 2>&1; then flock "$events.lock" sh -c 'cat "$1" >> "$2"' sh "$evtmp" "$events"; else cat "$evtmp" >> "$events"; fi
fi
rm -f "$evtmp"
exit $status
`;

const UNLOCK = `${ROOT_PRELUDE}
lock=$root/$1; token=$2
case $(cat "$lock/owner" 2>/dev/null) in "$token "*) rm -rf "$lock" ;; esac
`;

const HEARTBEAT = `${ROOT_PRELUDE}
lock=$root/$1; token=$2
# Written aside and renamed, so a waiter never reads an empty owner file.
case $(cat "$lock/owner" 2>/dev/null) in "$token "*) echo "$token $(date +%s)" > "$lock/owner.$$" && mv -f "$lock/owner.$$" "$lock/owner" ;; esac
`;

const APPEND_EVENTS = `${ROOT_PRELUDE}
events=$root/$1
mkdir -p "\${events%/*}" || exit 1
if command -v flock >/dev/null 2>&1; then flock "$events.lock" sh -c 'cat >> "$1"' sh "$events"; else cat >> "$events"; fi
`;

const REMOVE_SESSION = `${ROOT_PRELUDE}
rm -f "$root/$1"
rm -rf "$root/$2"
exit 0
`;

export interface StoredSession {
  project: string;
  id: string;
  meta: Metadata;
}

export interface StoreWarning {
  file: string;
  problem: string;
}

export interface ReadAllResult {
  sessions: StoredSession[];
  warnings: StoreWarning[];
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

export class SessionStore {
  private readonly staleSec: number;
  private readonly waitSec: number;

  constructor(
    readonly host: Host,
    readonly options: StoreOptions,
  ) {
    this.staleSec = options.staleLockSec ?? 60;
    this.waitSec = options.lockWaitSec ?? 30;
  }

  private get root(): string {
    return this.options.dataDir;
  }

  /** Paths relative to the data dir root. */
  rel = {
    instance: () => this.options.instance,
    project: (project: string) => `${this.options.instance}/${project}`,
    session: (project: string, id: string) => `${this.options.instance}/${project}/sessions/${id}`,
    lock: (project: string, id: string) => `${this.options.instance}/${project}/locks/${id}`,
    ids: (project: string) => `${this.options.instance}/${project}/ids`,
    events: (project: string) => `${this.options.instance}/${project}/events.jsonl`,
    worktree: (project: string, id: string) => `${this.options.instance}/${project}/worktrees/${id}`,
    mirror: (repo: string) => `${this.options.instance}/repos/${repo}.git`,
  };

  /** Every session of this instance on this host, in one round trip. */
  async readAll(): Promise<ReadAllResult> {
    const out = await runScript(this.host, READ_ALL, [this.root, this.options.instance], { what: 'reading session records' });
    return parseRecordDump(out);
  }

  async read(project: string, id: string): Promise<Metadata | undefined> {
    const result = await execScript(this.host, `${ROOT_PRELUDE}cat "$root/$1" 2>/dev/null || exit 66`, [this.root, this.rel.session(project, id)]);
    if (result.code === 66) return undefined;
    if (result.code !== 0) throw new AoError('host', `reading session ${id} on host "${this.host.name}" failed: ${result.stderr.trim()}`);
    return parseMetadata(result.stdout);
  }

  /** Reserve the next free session number of a project on this host (exclusive mkdir; never reused). */
  async allocateNumber(project: string, floor = 0): Promise<number> {
    const out = await runScript(this.host, ALLOCATE_ID, [this.root, this.rel.ids(project), String(floor)], { what: 'allocating a session ID' });
    const n = Number(out.trim());
    if (!Number.isInteger(n) || n < 1) throw new AoError('failed', `host "${this.host.name}" returned a bad session number ${JSON.stringify(out)}`);
    return n;
  }

  /** Give a reserved number back (used when a spawn rolls back before anything else exists). */
  async releaseNumber(project: string, n: number): Promise<void> {
    await runScript(this.host, `${ROOT_PRELUDE}rmdir "$root/$1" 2>/dev/null; exit 0`, [this.root, `${this.rel.ids(project)}/${n}`]);
  }

  /** Write a new record; fails if one exists. Optional events are appended in the same round trip. */
  async create(project: string, id: string, meta: Metadata, events: SessionEvent[] = []): Promise<void> {
    const result = await execScript(this.host, CREATE_EXCLUSIVE, [this.root, this.rel.session(project, id), this.rel.events(project)], {
      stdin: withEvents(meta, events),
    });
    if (result.code === 73) throw new AoError('conflict', `session ${id} already has a record on host "${this.host.name}"`);
    if (result.code !== 0) throw new AoError('host', `creating session ${id} on host "${this.host.name}" failed: ${result.stderr.trim()}`);
  }

  /**
   * Read-modify-write under the session's lock (two round trips). `mutate`
   * returns the new metadata and optional events, or undefined to leave the
   * record as it is. A record that does not parse is never overwritten.
   */
  async update(
    project: string,
    id: string,
    mutate: (current: Metadata) => { meta: Metadata; events?: SessionEvent[] } | undefined | Promise<{ meta: Metadata; events?: SessionEvent[] } | undefined>,
  ): Promise<Metadata> {
    const token = randomBytes(8).toString('hex');
    const lock = this.rel.lock(project, id);
    const file = this.rel.session(project, id);
    const release = await localQueue(`${this.host.name}\0${lock}`);
    let read: ExecResult;
    try {
      read = await this.acquire(LOCK_AND_READ, [this.root, lock, file, token, String(this.staleSec)], this.waitSec);
    } catch (error) {
      release();
      throw error;
    }
    try {
      return await this.modifyLocked(project, id, lock, file, token, read, mutate);
    } finally {
      release();
    }
  }

  private async modifyLocked(
    project: string,
    id: string,
    lock: string,
    file: string,
    token: string,
    read: ExecResult,
    mutate: (current: Metadata) => { meta: Metadata; events?: SessionEvent[] } | undefined | Promise<{ meta: Metadata; events?: SessionEvent[] } | undefined>,
  ): Promise<Metadata> {
    if (read.code === 66) throw new AoError('not_found', `no session ${id} in project ${project} on host "${this.host.name}"`);
    if (read.code === 75) throw new AoError('conflict', `session ${id} is busy: ${read.stderr.trim()}`, 'retry in a moment');
    if (read.code !== 0) throw new AoError('host', `locking session ${id} on host "${this.host.name}" failed: ${read.stderr.trim()}`);
    let change: { meta: Metadata; events?: SessionEvent[] } | undefined;
    try {
      let current: Metadata;
      try {
        current = parseMetadata(read.stdout);
      } catch (error) {
        throw new AoError('failed', `the record of session ${id} on host "${this.host.name}" is corrupt (${(error as Error).message}); it was left untouched`, `fix or remove ${this.options.dataDir}/${file} by hand`);
      }
      change = await mutate(current);
      if (!change) {
        await this.unlock(lock, token);
        return current;
      }
    } catch (error) {
      await this.unlock(lock, token);
      throw error;
    }
    const write = await execScript(this.host, WRITE_AND_UNLOCK, [this.root, lock, file, token, this.rel.events(project)], {
      stdin: withEvents(change.meta, change.events ?? []),
    });
    if (write.code !== 0) throw new AoError('failed', `writing session ${id} on host "${this.host.name}" failed: ${write.stderr.trim()}`);
    return change.meta;
  }

  /** Merge keys into a record (a key set to undefined is removed). */
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

  /**
   * Hold a named lock of a session (e.g. "send") while fn runs, across
   * processes and machines that touch this host.
   */
  async withLock<T>(project: string, id: string, purpose: string, fn: () => Promise<T>, waitSec = this.waitSec): Promise<T> {
    const token = randomBytes(8).toString('hex');
    const lock = `${this.rel.lock(project, id)}.${purpose}`;
    // Waiters in this process queue here instead of polling the host.
    const release = await localQueue(`${this.host.name}\0${lock}`);
    try {
      const result = await this.acquire(ACQUIRE, [this.root, lock, token, String(this.staleSec)], waitSec);
      if (result.code === 75) throw new AoError('conflict', `session ${id} is busy (${purpose}): ${result.stderr.trim()}`, 'retry in a moment');
      if (result.code !== 0) throw new AoError('host', `locking session ${id} on host "${this.host.name}" failed: ${result.stderr.trim()}`);
      // A lock held longer than the stale limit (a send waiting for a busy agent) is kept fresh, so no one breaks it.
      let beating: Promise<unknown> = Promise.resolve();
      const heartbeat = setInterval(() => {
        beating = execScript(this.host, HEARTBEAT, [this.root, lock, token]).catch(() => undefined);
      }, Math.max(1000, (this.staleSec * 1000) / 3));
      try {
        return await fn();
      } finally {
        clearInterval(heartbeat);
        // A heartbeat still on its way must land before the unlock, or it could stamp the next holder's lock.
        await beating;
        await this.unlock(lock, token);
      }
    } finally {
      release();
    }
  }

  /**
   * Try a lock script in short rounds (about a second each on the host),
   * sleeping between rounds here, so a waiter never holds one of the
   * connection's few channels for long: the holder needs one to finish.
   */
  private async acquire(script: string, args: string[], waitSec: number): Promise<ExecResult> {
    const deadline = Date.now() + waitSec * 1000;
    for (;;) {
      const result = await execScript(this.host, script, [...args, '1'], { timeoutMs: 60_000 });
      if (result.code !== 75 || Date.now() >= deadline) return result;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
    }
  }

  private async unlock(lock: string, token: string): Promise<void> {
    await execScript(this.host, UNLOCK, [this.root, lock, token]);
  }

  async appendEvents(project: string, events: SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    await runScript(this.host, APPEND_EVENTS, [this.root, this.rel.events(project)], {
      stdin: events.map((e) => `${JSON.stringify(stamp(e))}\n`).join(''),
      what: 'appending to the event log',
    });
  }

  async readEvents(project: string, filter: { session?: string } = {}): Promise<SessionEvent[]> {
    const result = await execScript(this.host, `${ROOT_PRELUDE}cat "$root/$1" 2>/dev/null; exit 0`, [this.root, this.rel.events(project)]);
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
    const out = await runScript(
      this.host,
      `${ROOT_PRELUDE}dir=$root/$1; mkdir -p "\${dir%/*}" || exit 1
if mkdir "$dir" 2>/dev/null; then printf '%s\n' "$2" > "$dir/owner"; echo "$2"; exit 0; fi
i=0; while [ ! -s "$dir/owner" ] && [ $i -lt 50 ]; do sleep 0.02; i=$((i + 1)); done
cat "$dir/owner" 2>/dev/null || echo unknown`,
      [this.root, `${this.rel.project(project)}/issues/${issue}`, id],
      { what: 'claiming the issue' },
    );
    return out.trim();
  }

  /** Release an issue claim, only if `id` holds it. */
  async releaseIssue(project: string, issue: number, id: string): Promise<void> {
    await runScript(
      this.host,
      `${ROOT_PRELUDE}dir=$root/$1
[ "$(cat "$dir/owner" 2>/dev/null)" = "$2" ] && rm -rf "$dir"; exit 0`,
      [this.root, `${this.rel.project(project)}/issues/${issue}`, id],
    );
  }

  /** Remove a record and its lock: only for rolling back a spawn that never ran (the number is released separately). */
  async removeRecord(project: string, id: string): Promise<void> {
    await runScript(this.host, REMOVE_SESSION, [this.root, this.rel.session(project, id), this.rel.lock(project, id)]);
  }

  /** Resolve the data dir root to an absolute path on the host. */
  async absoluteRoot(): Promise<string> {
    const out = await run(this.host, ['sh', '-c', `${ROOT_PRELUDE}printf '%s' "$root"`, 'ao-sh', this.root]);
    return out;
  }
}

const localQueues = new Map<string, Promise<void>>();

/** A FIFO mutex per key within this process. Resolves to the release function. */
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

/** Parse the output of READ_ALL; bad records become warnings, never exceptions. */
export function parseRecordDump(out: string): ReadAllResult {
  const sessions: StoredSession[] = [];
  const warnings: StoreWarning[] = [];
  const chunks = out.split('\u001e');
  for (const chunk of chunks) {
    if (chunk === '') continue;
    const newline = chunk.indexOf('\n');
    const file = newline < 0 ? chunk : chunk.slice(0, newline);
    const body = newline < 0 ? '' : chunk.slice(newline + 1);
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
      warnings.push({ file, problem: `its id "${meta.id ?? ''}" does not match the file name` });
      continue;
    }
    if (meta.status !== undefined && !isSessionStatus(meta.status)) {
      warnings.push({ file, problem: `unknown status "${meta.status}"` });
      continue;
    }
    sessions.push({ project, id, meta });
  }
  return { sessions, warnings };
}
