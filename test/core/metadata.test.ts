import { describe, expect, it } from 'vitest';
import { escapeValue, formatMetadata, parseMetadata, unescapeValue } from '../../src/core/metadata.js';

describe('metadata escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['with=equals', 'with=equals'],
    ['new\nline', 'new\\nline'],
    ['back\\slash', 'back\\\\slash'],
    ['literal \\n', 'literal \\\\n'],
    ['cr\r\n', 'cr\\r\\n'],
    ['tab\t', 'tab\\t'],
    ['bell\u0007', 'bell\\u0007'],
    ['ünïcødé ✓ 🚀', 'ünïcødé ✓ 🚀'],
    ['', ''],
  ])('escapes %j as %j and back', (raw, escaped) => {
    expect(escapeValue(raw)).toBe(escaped);
    expect(unescapeValue(escaped)).toBe(raw);
    expect(escapeValue(raw)).not.toContain('\n');
  });

  it('round-trips a whole record in a stable key order', () => {
    const meta = { status: 'working', id: 'app-1', note: 'a=b\nc\\d', zeta: '', alpha: 'é' };
    const text = formatMetadata(meta, ['id', 'status']);
    expect(text.split('\n')[0]).toBe('id=app-1');
    expect(text.split('\n')[1]).toBe('status=working');
    expect(parseMetadata(text)).toEqual(meta);
  });

  it('accepts hand edits: comments, blank lines, CRLF', () => {
    expect(parseMetadata('# edited by hand\n\nid=app-1\r\nstatus=killed\n')).toEqual({ id: 'app-1', status: 'killed' });
  });

  it.each([
    ['no equals', 'id=a\nbroken line\n', /line 2: expected key=value/],
    ['bad key', '1id=a\n', /line 1: invalid key/],
    ['duplicate key', 'id=a\nid=b\n', /line 2: duplicate key "id"/],
    ['bad escape', 'id=a\\q\n', /line 1: unknown escape/],
    ['truncated unicode escape', 'id=\\u12\n', /line 1: bad \\u escape/],
  ])('rejects %s with the line number', (_name, text, pattern) => {
    expect(() => parseMetadata(text)).toThrow(pattern);
  });

  it('refuses to write an invalid key', () => {
    expect(() => formatMetadata({ 'bad key': 'x' })).toThrow(/invalid metadata key/);
  });
});
