/**
 * The on-host session record: a flat key=value file, one key per line.
 * Values are escaped so any string round-trips (newlines, '=', backslashes,
 * control characters, unicode) while ordinary values stay readable and
 * hand-editable.
 */

export type Metadata = Record<string, string>;

const KEY = /^[A-Za-z][A-Za-z0-9_.-]*$/;

export function isValidKey(key: string): boolean {
  return KEY.test(key);
}

export function escapeValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

export class MetadataSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'MetadataSyntaxError';
  }
}

export function unescapeValue(escaped: string, line = 0): string {
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = escaped[++i];
    switch (next) {
      case '\\':
        out += '\\';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        const hex = escaped.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new MetadataSyntaxError(`bad \\u escape "\\u${hex}"`, line);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
        break;
      }
      default:
        throw new MetadataSyntaxError(`unknown escape "\\${next ?? ''}"`, line);
    }
  }
  return out;
}

/** Serialize with keys in a stable order: known keys first, then the rest sorted. */
export function formatMetadata(meta: Metadata, keyOrder: readonly string[] = []): string {
  const keys = Object.keys(meta);
  for (const key of keys) {
    if (!isValidKey(key)) throw new Error(`invalid metadata key ${JSON.stringify(key)}`);
  }
  const ordered = [
    ...keyOrder.filter((k) => k in meta),
    ...keys.filter((k) => !keyOrder.includes(k)).sort(),
  ];
  return ordered.map((k) => `${k}=${escapeValue(meta[k]!)}\n`).join('');
}

/** Parse a metadata file. Blank lines and lines starting with '#' are comments (hand edits). */
export function parseMetadata(text: string): Metadata {
  const meta: Metadata = {};
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new MetadataSyntaxError(`expected key=value, got ${JSON.stringify(line.slice(0, 60))}`, lineNo);
    const key = line.slice(0, eq);
    if (!isValidKey(key)) throw new MetadataSyntaxError(`invalid key ${JSON.stringify(key)}`, lineNo);
    if (key in meta) throw new MetadataSyntaxError(`duplicate key "${key}"`, lineNo);
    meta[key] = unescapeValue(line.slice(eq + 1), lineNo);
  });
  return meta;
}
