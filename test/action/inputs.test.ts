import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildInvocation, commandInputs, InputError } from '../../action/src/inputs.js';
import { keyMaskLines, normalizeKey } from '../../action/src/key.js';
import { knownHostsName, lineMatches, parseKnownHosts, pinHosts } from '../../action/src/known-hosts.js';
import { fenced, mdText, workflowCommand } from '../../action/src/report.js';
import { COMMANDS } from '../../src/commands/index.js';
import { flagName } from '../../src/commands/types.js';
import { pinnedFingerprints } from '../../src/core/host-key.js';
import { makeTempDir } from '../support/tmp.js';
import { parseCommand } from './runner.js';

/** The Action's pure parts: inputs to the ao command line, known_hosts pins, keys, and text shown on GitHub. */

const { dir, cleanup } = makeTempDir('ao-action-unit');
afterAll(cleanup);

const argv = (inputs: Record<string, string>) => buildInvocation(inputs).argv;
const rejects = (inputs: Record<string, string>, message: RegExp) => {
  expect(() => buildInvocation(inputs)).toThrow(InputError);
  expect(() => buildInvocation(inputs)).toThrow(message);
};

describe('inputs become the same ao command line a person would type', () => {
  it.each([
    [{ command: 'spawn', project: 'web', issue: '42' }, ['spawn', '--json', '--', 'web', '42']],
    [{ command: 'spawn', project: 'web', prompt: '--force; rm -rf /', host: 'runner2', agent: 'codex', force: 'true' }, ['spawn', '--json', '--prompt=--force; rm -rf /', '--host=runner2', '--agent=codex', '--force', '--', 'web']],
    [{ command: 'send', session: 'web-3', message: '-rf\n${{ x }} "q"' }, ['send', '--json', '--', 'web-3', '-rf\n${{ x }} "q"']],
    [{ command: 'send', session: ' web-3 ', 'message-file': 'log.txt', 'no-wait': 'true', timeout: '30', answer: 'false' }, ['send', '--json', '--file=log.txt', '--no-wait', '--timeout=30', '--', 'web-3']],
    [{ command: 'status', project: 'web' }, ['status', '--json', '--project=web']],
    [{ command: 'ls', 'include-killed': 'yes' }, ['session', 'ls', '--json', '--include-killed']],
    [{ command: 'session kill', session: 'web-3', force: 'false' }, ['session', 'kill', '--json', '--', 'web-3']],
    [{ command: 'cleanup', 'dry-run': 'true' }, ['session', 'cleanup', '--json', '--dry-run']],
    [{ command: 'reconcile', project: 'web' }, ['reconcile', '--json', '--once', '--project=web']],
    [{ command: 'reconcile', 'dry-run': 'TRUE' }, ['reconcile', '--json', '--once', '--dry-run']],
    [{ command: 'restore', session: 'web-3' }, ['session', 'restore', '--json', '--', 'web-3']],
    [{ command: 'events', session: 'web-3', last: '5' }, ['session', 'events', '--json', '--last=5', '--', 'web-3']],
    [{ command: 'doctor' }, ['doctor', '--json']],
  ])('%o', (inputs, expected) => {
    expect(argv(inputs)).toEqual(expected);
  });

  it('refuses what does not fit, before anything runs', () => {
    rejects({ command: '' }, /input "command" is required/);
    rejects({ command: 'open', session: 'web-3' }, /unknown command "open"/); // not offered on the action surface
    rejects({ command: 'send' }, /input "session" is required for command "send"/);
    rejects({ command: 'spawn', issue: '3' }, /input "project" is required for command "spawn"/);
    rejects({ command: 'kill', session: 'web-3', message: 'bye' }, /input "message" does not apply to command "kill"/);
    rejects({ command: 'status', 'no-wait': 'true' }, /input "no-wait" does not apply to command "status"/);
    rejects({ command: 'cleanup', 'dry-run': 'perhaps' }, /input "dry-run" must be true or false, not "perhaps"/);
    rejects({ command: 'send', session: 'web-3', 'message-file': '-' }, /must be the path of a file/);
  });

  it('every argument and option a command offers on the action surface is an input, named as its flag', () => {
    const names = new Set(commandInputs().map((i) => i.name));
    for (const spec of COMMANDS.filter((c) => c.surfaces.includes('action'))) {
      for (const option of spec.options) {
        if (!(option.surfaces ?? spec.surfaces).includes('action') || option.name === 'once') continue;
        const expected = option.name === 'file' ? 'message-file' : option.negatable ? `no-${flagName(option)}` : flagName(option);
        expect(names.has(expected), `${spec.name} --${flagName(option)}`).toBe(true);
      }
      for (const arg of spec.args) expect(names.has(arg.name === 'text' ? 'message' : arg.name), `${spec.name} <${arg.name}>`).toBe(true);
    }
    // CLI-only options stay off: status --watch never reaches a step.
    expect(names.has('watch')).toBe(false);
    expect(names.has('interval')).toBe(false);
  });
});

describe('known-hosts pins hosts as ssh reads known_hosts', () => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host'), '-C', 'h']);
  const hostKey = readFileSync(path.join(dir, 'host.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  const fingerprint = pinnedFingerprints(hostKey)[0]!;

  it('plain names, ports, wildcards, negation; and hashed names as ssh-keygen -H writes them', () => {
    const file = path.join(dir, 'known_hosts');
    writeFileSync(file, `[10.0.0.5]:2222 ${hostKey}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const hashed = readFileSync(file, 'utf8').trim();
    expect(hashed).toMatch(/^\|1\|/);
    const [entry] = parseKnownHosts(hashed);
    expect(lineMatches(entry!, '10.0.0.5', 2222)).toBe(true);
    expect(lineMatches(entry!, '10.0.0.5', 22)).toBe(false);
    expect(lineMatches(entry!, '10.0.0.6', 2222)).toBe(false);
    const [plain, wild] = parseKnownHosts(`runner1.example,10.0.0.7 ${hostKey}\n*.example,!bad.example ${hostKey}`);
    expect(lineMatches(plain!, '10.0.0.7', 22)).toBe(true);
    expect(lineMatches(plain!, 'RUNNER1.example', 22)).toBe(true);
    expect(lineMatches(plain!, '10.0.0.7', 2200)).toBe(false);
    expect(knownHostsName('10.0.0.7', 2200)).toBe('[10.0.0.7]:2200');
    expect(lineMatches(wild!, 'good.example', 22)).toBe(true);
    expect(lineMatches(wild!, 'bad.example', 22)).toBe(false);
  });

  it('fills in only hosts without a pin, and never contradicts one', () => {
    const entries = parseKnownHosts(`# comment\n\n[10.0.0.5]:2222 ${hostKey}\n`);
    const hosts = [
      { name: 'local', local: true },
      { name: 'a', address: '10.0.0.5', port: 2222, user: 'ao', privateKey: 'k' },
      { name: 'b', address: '10.0.0.9', user: 'ao', privateKey: 'k' },
      { name: 'c', address: '10.0.0.5', port: 2222, user: 'ao', privateKey: 'k', hostKey: fingerprint },
    ];
    const { hosts: pinned, pinned: names } = pinHosts(hosts, entries);
    expect(names).toEqual(['a']);
    expect((pinned as { hostKey?: string }[]).map((h) => h.hostKey)).toEqual([undefined, hostKey, undefined, fingerprint]);
    expect(() => pinHosts([{ ...hosts[3], hostKey: 'SHA256:someotherkeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }], entries)).toThrow(/pins SHA256:someother.*but known-hosts lists/);
  });

  it('refuses what is not a plain known_hosts line', () => {
    expect(() => parseKnownHosts('just text')).toThrow(/line 1 is not a known_hosts line/);
    expect(() => parseKnownHosts(`\n@cert-authority *.example ${hostKey}`)).toThrow(/line 2 is a @cert-authority marker line/);
    expect(() => parseKnownHosts(`host ssh-ed25519 not*base64`)).toThrow(InputError);
  });
});

describe('the key', () => {
  const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACD=\n-----END OPENSSH PRIVATE KEY-----';
  it('is normalized (CRLF from a pasted secret, surrounding blank lines), and refused when it is no private key', () => {
    expect(normalizeKey(`\r\n${key.replace(/\n/g, '\r\n')}\r\n\r\n`)).toBe(`${key}\n`);
    expect(normalizeKey('  ')).toBeUndefined();
    expect(() => normalizeKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI comment')).toThrow(/holds a public key/);
    expect(() => normalizeKey('hunter2')).toThrow(/is not a private key/);
    expect(() => normalizeKey(key.replace('-----END OPENSSH PRIVATE KEY-----', ''))).toThrow(/is not a private key/);
    for (const bad of ['hunter2', key.slice(0, 60)]) {
      try {
        normalizeKey(bad);
      } catch (error) {
        expect((error as InputError).message + (error as InputError).hint).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
      }
    }
  });
  it('masks every secret line, not the armor', () => {
    expect(keyMaskLines(key)).toEqual(['b3BlbnNzaC1rZXktdjEAAAAA', 'QyNTUxOQAAACD=']);
  });
});

describe('text from ao is shown, never obeyed', () => {
  it('an annotation is one command whatever its text holds, and reads back as it was', () => {
    const message = 'line 1\nline 2 ::warning::forged %0A 100%\r';
    const line = workflowCommand({ level: 'error', title: 'ao send: failed, see: here', message });
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    expect(parseCommand(line.trimEnd())).toEqual({ name: 'error', props: { title: 'ao send: failed, see: here' }, data: message });
  });
  it('Markdown and HTML in a cell are text; a fence cannot be closed from inside', () => {
    expect(mdText('<img src=x onerror=alert(1)> | **b** [l](u)\nnext', { cell: true })).toBe('&lt;img src=x onerror=alert(1)&gt; \\| \\*\\*b\\*\\* \\[l\\](u) next');
    const text = 'a\n```\n# not a heading\n````';
    const block = fenced(text);
    expect(block.startsWith('`````text\n')).toBe(true);
    expect(block.endsWith('\n`````\n')).toBe(true);
  });
});
