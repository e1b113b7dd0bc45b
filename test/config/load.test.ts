import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, locateConfig } from '../../src/config/load.js';
import { makeTempDir } from '../support/tmp.js';

const temp = makeTempDir('ao-config');
afterAll(() => temp.cleanup());

function write(name: string, text: string): string {
  const file = path.join(temp.dir, name);
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('uses the embedded default when there is no file', () => {
    const { config, source } = loadConfig(undefined, {}, temp.dir);
    expect(source).toBe('(defaults)');
    expect(config.hosts).toEqual([]);
  });

  it('prefers --config, then AO_CONFIG, then ./agent-orchestrator.yaml', () => {
    const explicit = write('explicit.yaml', 'instance: one\n');
    const fromEnv = write('env.yaml', 'instance: two\n');
    write('agent-orchestrator.yaml', 'instance: three\n');
    expect(locateConfig(explicit, { AO_CONFIG: fromEnv }, temp.dir)).toBe(explicit);
    expect(locateConfig(undefined, { AO_CONFIG: fromEnv }, temp.dir)).toBe(fromEnv);
    expect(loadConfig(undefined, {}, temp.dir).config.instance).toBe('three');
  });

  it('resolves relative paths against the file, and $VARS in privateKey from the environment', () => {
    const file = write(
      'paths.yaml',
      [
        'hosts:',
        '  - { name: a, address: h, user: u, privateKey: keys/id, hostKey: "SHA256:x" }',
        '  - { name: b, address: h, user: u, privateKey: $AO_SSH_KEY_FILE, hostKey: "SHA256:x" }',
        'projects:',
        '  - { repo: acme/web, url: ./repos/web.git, agent: codex }',
      ].join('\n'),
    );
    const { config } = loadConfig(file, { AO_SSH_KEY_FILE: '/run/key' });
    expect(config.hosts.map((h) => ('privateKey' in h ? h.privateKey : ''))).toEqual([path.join(temp.dir, 'keys/id'), '/run/key']);
    expect(config.projects[0]!.url).toBe(path.join(temp.dir, 'repos/web.git'));
    expect(() => loadConfig(file, {})).toThrow(/refers to \$AO_SSH_KEY_FILE, which is not set/);
  });

  it.each([
    ['missing file', () => loadConfig(path.join(temp.dir, 'nope.yaml')), /cannot read config file .*nope\.yaml: ENOENT/],
    ['bad YAML', () => loadConfig(write('bad.yaml', 'hosts: [\n  - name: x\n')), /is not valid YAML at line/],
  ])('reports a %s clearly', (_name, load, pattern) => {
    expect(load).toThrow(pattern);
  });
});
