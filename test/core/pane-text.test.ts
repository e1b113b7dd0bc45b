import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { neutralizeForPane, posixCksum } from '../../src/core/pane-text.js';

describe('neutralizeForPane', () => {
  it.each<[string, string, string]>([
    ['a bracketed-paste end with a CR that would type a second message', 'first\u001b[201~\rSECOND', 'first[201~\nSECOND'],
    ['CR LF and lone CR', 'a\r\nb\rc', 'a\nb\nc'],
    ['tabs and line feeds stay', 'a\tb\nc', 'a\tb\nc'],
    ['C1 controls (8-bit CSI) and DEL', 'x\u009b31my\u007fz', 'x31myz'],
    ['NUL, BEL, backspace', 'a\u0000b\u0007c\u0008d', 'abcd'],
    ['unicode text is text', 'ünïcødé ✓ 🚀 $(whoami)', 'ünïcødé ✓ 🚀 $(whoami)'],
  ])('%s', (_name, input, output) => {
    expect(neutralizeForPane(input)).toBe(output);
  });
});

describe('posixCksum', () => {
  it.each([0, 1, 255, 256, 65_536, 200_001])('agrees with cksum(1) for %i bytes', (size) => {
    const bytes = randomBytes(size);
    expect(posixCksum(bytes)).toBe(execFileSync('cksum', { input: bytes, encoding: 'utf8' }).trim());
  });
});
