import { describe, expect, it } from 'vitest';
import { formatMetadata, parseMetadata } from '../../src/core/metadata.js';
import { METADATA_KEY_ORDER } from '../../src/core/model.js';
import { applyPatch, parseRecord, recordToMetadata } from '../../src/core/record.js';

const base = { id: 'web-3', project: 'web', repo: 'acme/web', branch: 'ao/web-3', agent: 'generic', status: 'working' };

describe('parseRecord', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['a malformed ID', { ...base, id: 'web_3' }, /id is not a session ID/],
    ['no project', { ...base, project: '' }, /project is missing/],
    ['no branch', { ...base, branch: '' }, /branch is missing/],
    ['an unknown status', { ...base, status: 'sleeping' }, /status is not a status: "sleeping"/],
    ['a bad issue number', { ...base, issue: '12a' }, /issue must be a positive whole number/],
    ['a zero PR number', { ...base, prNumber: '0' }, /prNumber must be a positive whole number/],
  ])('refuses %s, saying which key', (_name, meta, problem) => {
    const parsed = parseRecord(meta);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });

  it.each<[string, Record<string, string>, Record<string, unknown>]>([
    ['numbers as numbers', { ...base, issue: '42', prNumber: '7' }, { issue: 42, prNumber: 7 }],
    ['a missing status as working, a missing agent as generic', { id: 'web-3', project: 'web', branch: 'b' }, { status: 'working', agent: 'generic', repo: '' }],
    ['an unreadable activity as none (the probe fills it in)', { ...base, activity: 'dancing' }, { activity: undefined }],
    ['unknown keys kept aside', { ...base, 'x-note': 'hand edit', 'reaction.ci': 'abc' }, { extra: { 'x-note': 'hand edit', 'reaction.ci': 'abc' } }],
  ])('reads %s', (_name, meta, expected) => {
    const parsed = parseRecord(meta);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.record).toMatchObject(expected);
  });

  it('reads an emptied key as absent', () => {
    const parsed = parseRecord({ ...base, pr: '', issue: '' });
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(Object.keys(parsed.record)).not.toContain('pr');
    expect(Object.keys(parsed.record)).not.toContain('issue');
    expect(parsed.record.extra).toEqual({});
  });

  it('writes back what it read, unknown keys untouched, in the documented order', () => {
    const text = 'id=web-3\nproject=web\nrepo=acme/web\nissue=42\nbranch=ao/web-3\nagent=generic\nstatus=pr_open\nprNumber=7\nzz-hand=keep me\\nplease\n';
    const parsed = parseRecord(parseMetadata(text));
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(formatMetadata(recordToMetadata(parsed.record), METADATA_KEY_ORDER)).toBe(text);
  });

  it('applies a patch: set, change, remove, and stamps updatedAt', () => {
    const parsed = parseRecord({ ...base, statusReason: 'tmux session is gone', killedAt: '2026-01-01T00:00:00.000Z' });
    if (!parsed.ok) throw new Error(parsed.problem);
    const now = new Date('2026-11-29T10:00:00.000Z');
    const next = applyPatch(parsed.record, { status: 'working', statusReason: undefined, restoredAt: now.toISOString() }, now);
    expect(next).toMatchObject({ status: 'working', restoredAt: now.toISOString(), killedAt: '2026-01-01T00:00:00.000Z', updatedAt: now.toISOString() });
    expect('statusReason' in next).toBe(false);
    expect(parsed.record.statusReason).toBe('tmux session is gone');
  });
});
