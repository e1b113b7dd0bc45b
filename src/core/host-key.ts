import { createHash } from 'node:crypto';

/**
 * Host key pinning. A pin is either a "SHA256:<base64>" fingerprint (as
 * printed by `ssh-keygen -lf`) or a known_hosts-style line
 * ("[host]:port ssh-ed25519 AAAA..." or just "ssh-ed25519 AAAA...").
 */

export interface SeenHostKey {
  type: string;
  fingerprint: string;
  /** "type base64" as it would appear in known_hosts. */
  publicKey: string;
}

export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type is the first length-prefixed string of the SSH wire-format key blob. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('ascii');
}

export function describeKey(keyBlob: Buffer): SeenHostKey {
  const type = keyTypeOf(keyBlob);
  return { type, fingerprint: fingerprintOf(keyBlob), publicKey: `${type} ${keyBlob.toString('base64')}` };
}

/** Normalize a configured pin to the fingerprints it accepts. Throws on a pin we cannot read. */
export function pinnedFingerprints(pin: string): string[] {
  const fingerprints: string[] = [];
  for (const line of pin.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    if (line.startsWith('@')) {
      throw new Error(`host key pin ${JSON.stringify(line.slice(0, 40))} is a @revoked or @cert-authority marker line, not a key to trust`);
    }
    if (line.startsWith('SHA256:')) {
      fingerprints.push(line.replace(/=+$/, ''));
      continue;
    }
    const fields = line.split(/\s+/);
    const typeIndex = fields.findIndex((f) => /^(ssh-|ecdsa-|sk-)/.test(f));
    const blob = typeIndex >= 0 ? fields[typeIndex + 1] : undefined;
    if (!blob || !/^[A-Za-z0-9+/]+=*$/.test(blob)) {
      throw new Error(`cannot read host key pin ${JSON.stringify(line.slice(0, 80))}: expected "SHA256:..." or "ssh-ed25519 AAAA..."`);
    }
    fingerprints.push(fingerprintOf(Buffer.from(blob, 'base64')));
  }
  return fingerprints;
}
