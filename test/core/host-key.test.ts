import { describe, expect, it } from 'vitest';
import { describeKey, fingerprintOf, pinnedFingerprints } from '../../src/core/host-key.js';

// An ed25519 public key blob: string "ssh-ed25519" + 32 key bytes, SSH wire format.
const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]);
const b64 = blob.toString('base64');
const fp = fingerprintOf(blob);

describe('host key pins', () => {
  it('reads the key type and fingerprint of a blob', () => {
    expect(describeKey(blob)).toEqual({ type: 'ssh-ed25519', fingerprint: fp, publicKey: `ssh-ed25519 ${b64}` });
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it.each([
    ['a fingerprint', fp, [fp]],
    ['a fingerprint with padding', `${fp}=`, [fp]],
    ['a bare key line', `ssh-ed25519 ${b64}`, [fp]],
    ['a known_hosts line', `[10.0.0.5]:2222 ssh-ed25519 ${b64} comment`, [fp]],
    ['several lines with comments', `# runner\nssh-ed25519 ${b64}\n\nSHA256:other`, [fp, 'SHA256:other']],
    ['nothing', '', []],
  ])('accepts %s', (_name, pin, expected) => {
    expect(pinnedFingerprints(pin)).toEqual(expected);
  });

  it.each([
    ['a @revoked marker', `@revoked * ssh-ed25519 ${b64}`, /@revoked or @cert-authority/],
    ['a @cert-authority marker', `@cert-authority *.example.com ssh-ed25519 ${b64}`, /@revoked or @cert-authority/],
    ['garbage', 'not a key', /cannot read host key pin/],
  ])('refuses %s', (_name, pin, error) => {
    expect(() => pinnedFingerprints(pin)).toThrow(error);
  });
});
