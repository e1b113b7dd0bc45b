import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from '../../src/log.js';

describe('redactSecrets', () => {
  it.each([
    ['a GitHub token', 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789 here', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['a fine-grained PAT', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'],
    ['an installation token', 'x-access-token:ghs_abcdefghijklmnopqrstuvwxyz012345@github.com', 'ghs_abcdefghijklmnopqrstuvwxyz012345'],
    ['an installation token in its stateless form', 'token ghs_123456_eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjEyMzQ1Nn0.c2ln-bmF0_dXJl done', 'c2ln-bmF0_dXJl'],
    ['an API key', 'export ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuvwx', 'sk-ant'],
    ['a password assignment', 'password: hunter2-is-secret', 'hunter2'],
    ['a private key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXk'],
  ])('hides %s', (_name, input, secret) => {
    const out = redactSecrets(input);
    expect(out).toContain('[redacted]');
    expect(out).not.toContain(secret);
  });

  it('leaves ordinary text alone', () => {
    expect(redactSecrets('Allow fake-agent to edit files? [y/n]')).toBe('Allow fake-agent to edit files? [y/n]');
  });
});

describe('the logger', () => {
  it('never writes a token: not under a known key, not in a message, not in an error', () => {
    const token = 'ghs_0123456789abcdefghijABCDEFGHIJ0123';
    const lines: string[] = [];
    const log = createLogger('debug', 'json', { write: (line) => void lines.push(line) });
    log.info({ token, installation: { token, expiresAt: '2030-01-01T00:00:00Z' }, credential: { username: 'x-access-token', password: token }, env: { GH_TOKEN: token, GH_ENTERPRISE_TOKEN: token } }, 'minted');
    log.warn(`git said: could not push to https://x-access-token:${token}@github.com/acme/web.git`);
    log.error({ err: new Error(`push failed with ${token}`) }, 'push failed');
    const out = lines.join('');
    expect(lines).toHaveLength(3);
    expect(out).not.toContain(token);
    expect(out.split('[redacted]').length - 1).toBeGreaterThanOrEqual(8);
    // What is not a secret stays readable.
    expect(out).toContain('2030-01-01T00:00:00Z');
    expect(out).toContain('x-access-token');
  });
});
