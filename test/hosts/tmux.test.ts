import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHost } from '../../src/hosts/local.js';
import { SshHost } from '../../src/hosts/ssh.js';
import { parseProbeOutput, TmuxRuntime } from '../../src/hosts/tmux.js';
import { startSshd, type TestSshd } from '../support/sshd.js';
import { makeTempDir } from '../support/tmp.js';
import { waitFor } from '../support/rig.js';
import { hostScript } from '../../src/hosts/scripts.js';

let sshd: TestSshd;
let ssh: SshHost;
const socket = `ao-tmux-test-${process.pid}`;

beforeAll(async () => {
  sshd = await startSshd();
  ssh = new SshHost(sshd.hostConfig());
});
afterAll(async () => {
  await ssh?.close();
  await sshd?.stop();
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    /* none */
  }
});

describe.each([
  ['local', () => new LocalHost()],
  ['ssh', () => ssh],
])('TmuxRuntime on a %s host', (kind, host) => {
  const rt = () => new TmuxRuntime(host(), socket);
  const prefix = `p${kind}-`;

  it('probes every session of a prefix in one round trip, with unicode intact and others ignored', async () => {
    await rt().create({ name: `${prefix}a`, cwd: '/tmp', command: `printf 'héllo ❯ ✓ | pipe\\n'; exec sleep 60` });
    await rt().create({ name: `${prefix}b`, cwd: '/tmp', command: 'echo second; exit 4' });
    await rt().create({ name: `other-${kind}`, cwd: '/tmp', command: 'exec sleep 60' });
    await new Promise((r) => setTimeout(r, 600));
    const probes = (await rt().probeAll(prefix)).panes;
    expect([...probes.keys()].sort()).toEqual([`${prefix}a`, `${prefix}b`]);
    expect(probes.get(`${prefix}a`)).toMatchObject({ paneDead: false, agentExitStatus: undefined, lines: ['héllo ❯ ✓ | pipe'] });
    expect(probes.get(`${prefix}a`)!.foreground).toMatch(/^(sh|sleep|dash|bash)$/);
    expect(probes.get(`${prefix}a`)!.lastActivityAt).toBeGreaterThan(Date.now() - 60_000);
    // The agent exited: its status is recorded and a shell remains.
    expect(probes.get(`${prefix}b`)).toMatchObject({ agentExitStatus: 4 });
    expect(probes.get(`${prefix}b`)!.lines).toContain('[agent exited with status 4]');
  });

  it('delivers text verbatim through a private buffer, confirms the change and records it on the host', async () => {
    await rt().create({ name: `${prefix}cat`, cwd: '/tmp', command: 'exec cat' });
    await new Promise((r) => setTimeout(r, 300));
    const dataDir = makeTempDir('ao-deliver');
    const text = `it's "$(quoted)" \`x\` ✓ \\ back`;
    try {
      const outcome = await rt().deliver({ name: `${prefix}cat`, text, enter: true, confirmMs: 3000, dataDir: dataDir.dir, events: 'p/events.jsonl', outbox: 'p/outbox', token: 't1', eventHead: '{"type":"message_sent","session":"p-1"' });
      expect(outcome).toEqual({ delivered: true, confirmed: true });
      const events = readFileSync(path.join(dataDir.dir, 'p/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(events).toEqual([{ type: 'message_sent', session: 'p-1', delivered: true, confirmed: true, text }]);
      // Nothing is left in the outbox for a client that stayed to the end.
      expect(readdirSync(path.join(dataDir.dir, 'p/outbox'))).toEqual([]);
    } finally {
      dataDir.cleanup();
    }
    const lines = await rt().capture(`${prefix}cat`);
    expect(lines).toContain(text);
    // No buffer is left behind.
    const buffers = (await host().exec(['tmux', '-L', socket, 'list-buffers', '-F', '#{buffer_name}'])).stdout;
    expect(buffers).not.toMatch(/^ao-/m);
  });

  it('kills idempotently', async () => {
    await rt().kill(`${prefix}a`);
    expect(await rt().isAlive(`${prefix}a`)).toBe(false);
    await expect(rt().kill(`${prefix}a`)).resolves.toBeUndefined();
  });
});

describe('the probe at scale', () => {
  it('reports every one of more sessions than one tmux command can carry, with constant processes', async () => {
    // One chained tmux command of display-message + capture-pane per session ran out at about 90
    // sessions (tmux refuses a command over ~16 KB); the probe must still see each of these.
    const local = new TmuxRuntime(new LocalHost(), `${socket}-many`);
    const count = 150;
    try {
      await Promise.all(
        Array.from({ length: 10 }, async (_, worker) => {
          for (let i = worker; i < count; i += 10) await local.create({ name: `many-${i}`, cwd: '/tmp', command: `printf 'agent number ${i}\\n'; exec sleep 120` });
        }),
      );
      await waitFor(async () => {
        const { panes } = await local.probeAll('many-');
        return panes.size === count && [...panes.values()].every((p) => p.lines.length > 0);
      }, 20_000, 'every pane to show its line');
      const { server, panes } = await local.probeAll('many-');
      expect(server).toBe('up');
      for (let i = 0; i < count; i++) {
        expect(panes.get(`many-${i}`), `many-${i}`).toMatchObject({ paneDead: false, lines: [`agent number ${i}`] });
        expect(panes.get(`many-${i}`)!.pid).toBeGreaterThan(1);
      }
      // The whole probe is three tmux clients and no loop over sessions, whatever the count.
      const script = hostScript('probe-panes');
      expect(script.match(/tmux -u -L/g)).toHaveLength(3);
      expect(script).not.toMatch(/\b(for|while)\b/);
    } finally {
      execFileSync('tmux', ['-L', `${socket}-many`, 'kill-server']);
    }
  });
});

describe('parseProbeOutput', () => {
  it('keeps the last N lines without trailing blanks and splits the state line on "|"', () => {
    const out =
      'server=up\npane=abc-1|11|0|1700000000|2|4242|bash|with|pipes\npane=abc-1|10|0|1700000000||999|vim\npane=abc-2|11|1|1700000001|||\npane=other-1|11|0|1||5|sh\n\u001eabc-1\nline 1\nline 2\n\n\n\u001eabc-2\n';
    const { server, panes } = parseProbeOutput(out, 1, 'abc-');
    expect([...panes.keys()]).toEqual(['abc-1', 'abc-2']);
    expect(server).toBe('up');
    expect(panes.get('abc-1')).toEqual({ name: 'abc-1', paneDead: false, foreground: 'bash|with|pipes', pid: 4242, lastActivityAt: 1700000000000, agentExitStatus: 2, lines: ['line 2'] });
    expect(panes.get('abc-2')).toMatchObject({ paneDead: true, foreground: '', pid: undefined, agentExitStatus: undefined, lines: [] });
  });

  it('says when no tmux server answered, which is not the same as no sessions', () => {
    expect(parseProbeOutput('server=none\n', 10)).toEqual({ server: 'none', panes: new Map() });
  });
});
