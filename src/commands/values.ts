import { AoError } from '../core/errors.js';
import type { ValueKind } from './types.js';

/**
 * Turning a word from a surface into a typed value, the same on every
 * surface: a bad value is a usage error that says what was expected.
 */
export function convertValue(kind: ValueKind, raw: string, what: string): string | number | boolean {
  switch (kind) {
    case 'string':
    case 'text':
      return raw;
    case 'positiveInt':
      if (!/^[1-9][0-9]*$/.test(raw)) throw new AoError('usage', `${what} must be a positive integer, not ${JSON.stringify(raw)}`);
      return Number(raw);
    case 'seconds': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new AoError('usage', `${what} must be a positive number of seconds, not ${JSON.stringify(raw)}`);
      return n;
    }
    case 'boolean':
      if (/^(true|yes|1|on)$/i.test(raw)) return true;
      if (/^(false|no|0|off|)$/i.test(raw)) return false;
      throw new AoError('usage', `${what} must be true or false, not ${JSON.stringify(raw)}`);
  }
}
