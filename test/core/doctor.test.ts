import { describe, expect, it } from 'vitest';
import { agentCheckArgs, parseAgentCheck, versionOf } from '../../src/core/doctor.js';

describe('versionOf', () => {
  it.each([
    ['2.1.332 (Claude Code)', '2.1.332'],
    ['codex-cli 0.171.0', '0.171.0'],
    ['0.61.0', '0.61.0'],
    ['v1.18.33', '1.18.33'],
    ['tool 1.2.0-beta.3 (abc)', '1.2.0-beta.3'],
    ['no number here', 'no number here'],
    ['   ', undefined],
    ['', undefined],
  ])('%j -> %j', (line, expected) => {
    expect(versionOf(line)).toBe(expected);
  });
});

describe('parseAgentCheck', () => {
  it.each([
    {
      name: 'ready, with its version',
      out: 'version=codex-cli 0.171.0\nready=yes\n',
      expected: { version: '0.171.0', ready: true, needs: [], notes: [] },
    },
    {
      name: 'needs and notes in order, values kept whole (an "=" inside too)',
      out: 'version=2.1.332 (Claude Code)\nneed=onboarding: write {"a": 1} there\nnote=x=y\nneed=credentials: none\nready=no\n',
      expected: { version: '2.1.332', ready: false, needs: ['onboarding: write {"a": 1} there', 'credentials: none'], notes: ['x=y'] },
    },
    {
      name: 'a program that did not answer has no version',
      out: 'version=\nready=yes\n',
      expected: { ready: true, needs: [], notes: [] },
    },
    {
      name: 'ready=yes beside a need is not ready',
      out: 'need=trust: x\nready=yes\n',
      expected: { ready: false, needs: ['trust: x'], notes: [] },
    },
    {
      name: 'other lines and empty values are ignored',
      out: 'sh: 1: something: not found\nneed=\nnote=\nready=yes',
      expected: { ready: true, needs: [], notes: [] },
    },
  ])('$name', ({ out, expected }) => {
    expect(parseAgentCheck(out)).toEqual(expected);
  });

  it('output cut short (no ready line) is not ready, and says so', () => {
    const reading = parseAgentCheck('version=0.61.0\n');
    expect(reading.ready).toBe(false);
    expect(reading.needs).toEqual([expect.stringMatching(/did not finish/)]);
  });
});

describe('agentCheckArgs', () => {
  it.each<{ name: string; env: Record<string, string>; expected: { setNames: string; pathAssignments: string } }>([
    { name: 'nothing set', env: {}, expected: { setNames: '', pathAssignments: '' } },
    {
      name: 'paths travel with their values, everything else by name only',
      env: { HOME: '/srv/agent home', ANTHROPIC_AUTH_TOKEN: 'secret-value', CODEX_HOME: '/srv/codex', PATH: '/x:/y' },
      expected: { setNames: 'HOME ANTHROPIC_AUTH_TOKEN CODEX_HOME PATH', pathAssignments: 'HOME=/srv/agent home\nCODEX_HOME=/srv/codex' },
    },
    {
      name: 'a path with a line break is left out (it cannot travel as a line)',
      env: { HOME: '/a\nCODEX_HOME=/evil', XDG_CONFIG_HOME: '/c' },
      expected: { setNames: 'HOME XDG_CONFIG_HOME', pathAssignments: 'XDG_CONFIG_HOME=/c' },
    },
  ])('$name', ({ env, expected }) => {
    const args = agentCheckArgs(env);
    expect(args).toEqual(expected);
    expect(args.pathAssignments).not.toContain('secret-value');
  });
});
