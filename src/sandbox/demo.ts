/**
 * `npm run demo`: the main job on the embedded default, offline, in about
 * ten seconds. A throwaway origin repo, the local machine as the runner host,
 * and a scripted stand-in for an AI agent (test/support/fake-agent.mjs):
 * spawn a session, send it a task, watch its status, kill it (its unpushed
 * commit is saved to a backup ref), and clean everything up.
 * Pass --keep to leave the session running and the files in place.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSessionList, renderStatus } from '../commands/text.js';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { parseConfig } from '../core/config.js';
import { shellLine } from '../core/shell.js';
import { run } from '../hosts/host.js';
import { LocalHost } from '../hosts/local.js';
import { HostPool } from '../hosts/pool.js';
import { doctor } from '../sessions/doctor.js';
import { killSession } from '../sessions/kill.js';
import { listSessions } from '../sessions/list.js';
import { Orchestrator } from '../sessions/orchestrator.js';
import { sendMessage } from '../sessions/send.js';
import { spawnSession } from '../sessions/spawn.js';

const keep = process.argv.includes('--keep');
const say = (text: string) => process.stdout.write(`\n\u001b[1m== ${text}\u001b[0m\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(path.join(os.tmpdir(), 'ao-demo-'));
const local = new LocalHost();
const origin = path.join(dir, 'origin.git');
const seed = path.join(dir, 'seed');
const gitEnv = ['-c', 'user.name=ao demo', '-c', 'user.email=demo@example.invalid'];
await run(local, ['git', 'init', '-q', '--bare', '-b', 'main', origin]);
await run(local, ['git', 'init', '-q', '-b', 'main', seed]);
await run(local, ['sh', '-c', 'printf "# demo app\\n" > "$1/README.md"', 'sh', seed]);
await run(local, ['git', '-C', seed, 'add', '.']);
await run(local, ['git', '-C', seed, ...gitEnv, 'commit', '-q', '-m', 'initial commit']);
await run(local, ['git', '-C', seed, 'push', '-q', origin, 'main']);

const fakeAgent = fileURLToPath(new URL('../../test/support/fake-agent.mjs', import.meta.url));
const configRaw = {
  instance: 'demo',
  dataDir: path.join(dir, 'data'),
  tmuxSocket: `ao-demo-${process.pid}`,
  projects: [
    {
      repo: 'acme/demo-app',
      name: 'demo',
      url: origin,
      agent: 'generic',
      // The agent commits as this identity, whatever the machine's git config says.
      agentCommand: shellLine(['env', 'GIT_AUTHOR_NAME=fake agent', 'GIT_AUTHOR_EMAIL=agent@example.invalid', 'GIT_COMMITTER_NAME=fake agent', 'GIT_COMMITTER_EMAIL=agent@example.invalid', process.execPath, fakeAgent]),
    },
  ],
  defaults: { settleSec: 1 },
};
const config = parseConfig(configRaw);
// Written out so that `ao` itself can manage what the demo made (with --keep).
const configFile = path.join(dir, 'agent-orchestrator.yaml');
writeFileSync(configFile, stringify(configRaw));
const pool = new HostPool(config);
const orch = new Orchestrator(config, pool, { actor: 'demo', progress: (e) => process.stdout.write(`   ${e.message}\n`) });

try {
  say('ao doctor: the local machine is the runner host');
  const report = await doctor(pool);
  for (const h of report.hosts) process.stdout.write(`   ${h.name}: ${h.ok ? 'ok' : 'FAIL'} (git ${h.git ?? '-'}, tmux ${h.tmux ?? '-'}) ${h.problems.join('; ')}\n`);
  if (!report.ok) throw new Error('the local host is not ready: install git and tmux');

  say('ao spawn demo --prompt "Add a greeting file"');
  const session = await spawnSession(orch, { project: 'demo', prompt: 'Add a greeting file' });
  process.stdout.write(`   spawned ${session.id}: branch ${session.branch}, worktree ${session.worktree}\n`);

  say(`ao send ${session.id} "<write a file, commit it>"`);
  const sent = await sendMessage(orch, session.id, 'fake:write hello.txt Hello from the agent\nfake:commit Add a greeting file');
  process.stdout.write(`   delivered: ${sent.delivered}, confirmed: ${sent.confirmed}\n`);
  await sleep(1500);

  say('ao status');
  process.stdout.write(renderStatus(await listSessions(orch)));
  const pane = await orch.runtime('local').capture(session.tmuxName, 12);
  process.stdout.write(`\n   the agent's pane (ao open ${session.id} attaches to it):\n${pane.map((l) => `   | ${l}`).join('\n')}\n`);

  if (keep) {
    say('--keep: the session stays; go on with ao');
    process.stdout.write(
      [
        `   export AO_CONFIG=${configFile}`,
        '   npx ao status                       # the session, as ao sees it',
        `   npx ao open ${session.id}                 # attach (Ctrl+B, D detaches); tmux socket: tmux -L ${orch.tmuxSocket} ls`,
        `   npx ao send ${session.id} "fake:write more.txt more"`,
        `   npx ao session kill ${session.id}         # stop it; the unpushed commit goes to its backup ref`,
        `   rm -rf ${dir}                       # when done`,
        '',
      ].join('\n'),
    );
  } else {
    say(`ao session kill ${session.id}`);
    const killed = await killSession(orch, session.id);
    process.stdout.write(`   ${killed.message}\n`);
    say('ao session ls --include-killed');
    process.stdout.write(renderSessionList(await listSessions(orch, { includeKilled: true })));
  }
} finally {
  await pool.close();
  if (!keep) {
    await local.exec(['tmux', '-L', `ao-demo-${process.pid}`, 'kill-server']);
    rmSync(dir, { recursive: true, force: true });
  }
}
say('done');
