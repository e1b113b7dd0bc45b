import * as z from 'zod/mini';
import type { Metadata } from './metadata.js';
import { ACTIVITIES, SESSION_STATUSES, type Activity, type SessionStatus } from './model.js';
import { SESSION_ID_PATTERN } from './names.js';

/**
 * The session record, typed. The file on the host stays a flat, hand-editable
 * key=value list (src/core/metadata.ts); it is parsed into this shape once,
 * where it is read, and written back from it. Keys this version does not know
 * (added by hand, or by a newer version) are kept in `extra` and written back
 * untouched.
 */

const text = z.optional(z.string());
const positive = z.optional(z.pipe(z.string().check(z.regex(/^[1-9][0-9]*$/, 'must be a positive whole number')), z.transform(Number)));

const recordSchema = z.object({
  id: z.string({ error: 'is missing' }).check(z.regex(SESSION_ID_PATTERN, 'is not a session ID (prefix-number)')),
  project: z.string({ error: 'is missing' }),
  repo: z._default(z.string(), ''),
  host: text,
  issue: positive,
  branch: z.string({ error: 'is missing' }),
  baseBranch: text,
  worktree: text,
  tmuxName: text,
  panePid: positive,
  paneStart: text,
  agent: z._default(z.string(), 'generic'),
  status: z._default(z.enum(SESSION_STATUSES, { error: (issue) => `is not a status: ${JSON.stringify(issue.input)}` }), 'working'),
  activity: z.catch(z.optional(z.enum(ACTIVITIES)), undefined),
  statusReason: text,
  pr: text,
  prNumber: positive,
  prState: z.catch(z.optional(z.enum(['open', 'merged', 'closed'])), undefined),
  ci: z.catch(z.optional(z.enum(['passing', 'failing', 'pending', 'none'])), undefined),
  review: z.catch(z.optional(z.enum(['approved', 'changes_requested', 'pending', 'none'])), undefined),
  threads: z.catch(z.optional(z.pipe(z.string().check(z.regex(/^[0-9]+$/)), z.transform(Number))), undefined),
  headSha: text,
  issueState: z.catch(z.optional(z.enum(['open', 'closed'])), undefined),
  createdAt: text,
  updatedAt: text,
  lastActivityAt: text,
  restoredAt: text,
  killedAt: text,
  killReason: text,
  backupRef: text,
  backupCommit: text,
  archive: text,
  createdBy: text,
  spawner: text,
  spawnStep: text,
  spawnHeartbeatAt: text,
});

type Parsed = z.output<typeof recordSchema>;

export interface SessionRecord extends Parsed {
  status: SessionStatus;
  activity?: Activity;
  /** Keys this version does not know, kept as they are. */
  extra: Record<string, string>;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set(Object.keys(recordSchema.shape));

export type RecordParse = { ok: true; record: SessionRecord } | { ok: false; problem: string };

/** Parse a record's metadata. Empty values count as absent (a hand edit that cleared a key). */
export function parseRecord(meta: Metadata): RecordParse {
  const known: Record<string, string> = {};
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(meta)) {
    if (KNOWN_KEYS.has(key)) {
      if (value !== '') known[key] = value;
    } else extra[key] = value;
  }
  const result = recordSchema.safeParse(known);
  if (!result.success) {
    const problem = result.error.issues.map((i) => `${i.path.join('.') || 'record'} ${i.message}`).join('; ');
    return { ok: false, problem };
  }
  return { ok: true, record: { ...result.data, extra } };
}

/** The metadata to write for a record: known keys in their fixed order, then the extras untouched. */
export function recordToMetadata(record: SessionRecord): Metadata {
  const meta: Metadata = {};
  const { extra, ...fields } = record;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null || value === '') continue;
    meta[key] = String(value);
  }
  for (const [key, value] of Object.entries(extra)) if (!(key in meta)) meta[key] = value;
  return meta;
}

/** A partial change to a record: a key set to undefined is removed. */
export type RecordPatch = { [K in keyof Omit<SessionRecord, 'extra' | 'id' | 'project'>]?: SessionRecord[K] | undefined };

export function applyPatch(record: SessionRecord, patch: RecordPatch, now = new Date()): SessionRecord {
  const next: SessionRecord = { ...record, extra: { ...record.extra } };
  for (const [key, value] of Object.entries(patch) as [keyof RecordPatch, unknown][]) {
    if (value === undefined) delete (next as Partial<SessionRecord>)[key];
    else (next as unknown as Record<string, unknown>)[key] = value;
  }
  next.updatedAt = now.toISOString();
  return next;
}
