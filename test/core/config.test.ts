import { describe, expect, it } from 'vitest';
import { effectiveHosts, findProject, parseConfig } from '../../src/core/config.js';
import { AoError } from '../../src/core/errors.js';

const sshHost = { name: 'runner1', address: '10.0.0.5', user: 'ao', privateKey: '~/.ssh/id_ed25519', hostKey: 'SHA256:abc' };

describe('parseConfig', () => {
  it('fills defaults: instance, dataDir, local host, project name, prefix and url', () => {
    const config = parseConfig({ projects: [{ repo: 'acme/agent-orchestrator', agent: 'claude-code' }] });
    expect(config.instance).toBe('default');
    expect(config.dataDir).toBe('~/.agent-orchestrator');
    expect(effectiveHosts(config)).toEqual([{ name: 'local', local: true, capacity: 20, labels: [] }]);
    expect(config.projects[0]).toMatchObject({ name: 'agent-orchestrator', prefix: 'ao', url: 'https://github.com/acme/agent-orchestrator.git', baseBranch: 'main', postCreate: [] });
    expect(findProject(config, 'acme/agent-orchestrator').name).toBe('agent-orchestrator');
    expect(findProject(config, 'agent-orchestrator').repo).toBe('acme/agent-orchestrator');
  });

  it('accepts SSH hosts with defaults', () => {
    const config = parseConfig({ hosts: [sshHost] });
    expect(config.hosts[0]).toMatchObject({ port: 22, capacity: 10, maxChannels: 8, labels: [] });
  });

  it.each([
    ['an unknown top-level key', { projets: [] }, /\(top level\): unknown key\(s\) "projets"/],
    ['a bad repo', { projects: [{ repo: 'not a repo' }] }, /projects\[0\] \(not a repo\)\.repo: must be "owner\/name"/],
    ['a bad port', { hosts: [{ ...sshHost, port: 70000 }] }, /hosts\[0\] \(runner1\)/],
    ['a host of neither kind', { hosts: [{ name: 'x' }] }, /neither a local host/],
    ['a bad prefix', { projects: [{ repo: 'a/b', prefix: 'Bad-Prefix' }] }, /projects\[0\] \(a\/b\)\.prefix/],
    ['a prefix collision', { projects: [{ repo: 'a/backend' }, { repo: 'b/backup' }] }, /share the session prefix "bac"; set "prefix"/],
    ['a name collision', { projects: [{ repo: 'a/web' }, { repo: 'b/web' }] }, /both named "web"/],
    ['duplicate host names', { hosts: [sshHost, sshHost] }, /two hosts are named "runner1"/],
    ['an unknown agent', { projects: [{ repo: 'a/b', agent: 'claud' }] }, /projects \(a\/b\)\.agent: unknown agent "claud"; known agents: generic, claude-code/],
    ['an unknown default agent', { defaults: { agent: 'gpt' }, projects: [] }, /defaults\.agent: unknown agent "gpt"/],
    ['generic without a command', { projects: [{ repo: 'a/b' }] }, /projects \(a\/b\)\.agent: agent "generic" needs agentCommand/],
    ['an SSH host without a pin', { hosts: [{ name: 'r1', address: 'h', user: 'u', privateKey: '/k' }] }, /hosts \(r1\)\.hostKey: is missing/],
    ['an SSH host with an unreadable pin', { hosts: [{ name: 'r1', address: 'h', user: 'u', privateKey: '/k', hostKey: 'not a key' }] }, /hosts \(r1\)\.hostKey: cannot read host key pin/],
    ['a bad base branch', { projects: [{ repo: 'a/b', baseBranch: 'main; rm -rf /' }] }, /baseBranch: it may only contain/],
    ['a bad instance', { instance: 'Prod!' }, /instance: must be lowercase/],
  ])('rejects %s with the key and the fix', (_name, raw, pattern) => {
    let error: unknown;
    try {
      parseConfig(raw, undefined, { knownAgents: ['generic', 'claude-code', 'codex'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AoError);
    expect((error as AoError).kind).toBe('config');
    expect((error as AoError).message).toMatch(pattern);
  });

  it('names the known projects when one is unknown', () => {
    const config = parseConfig({ projects: [{ repo: 'acme/web', agentCommand: 'my-agent' }] });
    expect(() => findProject(config, 'api')).toThrow(/unknown project "api"/);
  });
});
