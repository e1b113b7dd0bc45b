import { InputError } from './inputs.js';

/** The lines of a key input to register as secrets: all but the armor lines, which are not secret. */
export function keyMaskLines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^-----(BEGIN|END) [A-Z0-9 ]*-----$/.test(l));
}

/** The key as ssh2 reads it (LF line ends, one final newline), or an InputError that never quotes it. */
export function normalizeKey(raw: string): string | undefined {
  const key = raw.replace(/\r\n?/g, '\n').trim();
  if (key === '') return undefined;
  if (/^(ssh-|ecdsa-|sk-)\S+ [A-Za-z0-9+/=]+/.test(key)) {
    throw new InputError('input "ssh-private-key" holds a public key', 'pass the private half (the file without .pub), from a secret');
  }
  if (!/^-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----\n[A-Za-z0-9+/=:\-,\s]+\n-----END ([A-Z0-9]+ )*PRIVATE KEY-----$/.test(key)) {
    throw new InputError(
      'input "ssh-private-key" is not a private key (nothing was written or run)',
      'pass the whole key file, from its "-----BEGIN ... PRIVATE KEY-----" line to its "-----END ... PRIVATE KEY-----" line, from a secret',
    );
  }
  return `${key}\n`;
}
