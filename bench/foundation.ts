import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { LocalHost } from '../src/hosts/local.js';
import { SshHost } from '../src/hosts/ssh.js';
import { SessionStore } from '../src/hosts/store.js';
import { startSshd } from '../test/support/sshd.js';
import { makeTempDir } from '../test/support/tmp.js';
import { fmt, medianMs, printRows, ratio } from './support.js';

const execFileAsync = promisify(execFile);

/** Issue 2: pooled SSH exec vs an ssh process per command; one-round-trip listing vs one read per session. */
export async function benchFoundation(): Promise<void> {
  const sshd = await startSshd();
  const temp = makeTempDir('ao-bench');
  const host = new SshHost(sshd.hostConfig());
  try {
    const knownHosts = path.join(temp.dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyLine}\n`);
    const runs = 30;
    const pooled = await medianMs(runs, () => host.exec(['true']));
    const fresh = await medianMs(runs, () =>
      execFileAsync('ssh', ['-q', '-i', sshd.clientKeyPath, '-p', String(sshd.port), '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `${sshd.user}@127.0.0.1`, 'true']),
    );

    const dataDir = path.join(temp.dir, 'data');
    const seeder = new SessionStore(new LocalHost(), { dataDir, instance: 'bench' });
    await Promise.all(Array.from({ length: 200 }, (_, i) => seeder.create('demo', `s-${i + 1}`, { id: `s-${i + 1}`, project: 'demo', status: 'working', branch: `ao/s-${i + 1}` })));
    const store = new SessionStore(host, { dataDir, instance: 'bench' });
    const oneTrip = await medianMs(10, async () => {
      const { sessions } = await store.readAll();
      if (sessions.length !== 200) throw new Error(`expected 200 sessions, got ${sessions.length}`);
    });
    const perSession = await medianMs(3, async () => {
      for (let i = 0; i < 200; i++) await store.read('demo', `s-${i + 1}`);
    });

    printRows('Foundation: loopback SSH host (issue 2)', [
      { name: 'one exec over the pooled connection (median of 30)', value: fmt(pooled) },
      { name: 'one exec with a fresh `ssh` process (median of 30)', value: fmt(fresh) },
      { name: 'pooled vs fresh ssh', value: `${ratio(fresh, pooled)} faster`, note: 'fresh / pooled' },
      { name: 'read 200 session records, one round trip (median of 10)', value: fmt(oneTrip) },
      { name: 'read 200 session records, one round trip each (median of 3)', value: fmt(perSession) },
      { name: 'one round trip vs one per session', value: `${ratio(perSession, oneTrip)} faster`, note: 'per-session / one-trip' },
    ]);
  } finally {
    await host.close();
    await sshd.stop();
    temp.cleanup();
  }
}
