import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/log.js';

describe('redactSecrets', () => {
  it.each([
    ['a GitHub token', 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789 here', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['a fine-grained PAT', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'],
    ['an installation token', 'x-access-token:ghs_abcdefghijklmnopqrstuvwxyz012345@github.com', 'ghs_abcdefghijklmnopqrstuvwxyz012345'],
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
