/**
 * `npm run sandbox`: the whole product, offline. A GitHub (the simulator,
 * sending signed webhooks), the GitHub App started as it is deployed
 * (`npm start` with Probot's environment and GHE_HOST pointing at the
 * simulator), this machine as the runner host, and a scripted stand-in for
 * an AI agent (test/support/fake-agent.mjs). It plays one issue's story —
 * label, session, PR, failing CI the agent is told about, fix, review,
 * approval, merge, cleanup — printing each step and the status comment,
 * then leaves everything running and says how to go on.
 *
 *   npm run sandbox                          play the story, then keep running (Ctrl-C stops)
 *   npm run sandbox -- --exit                play the story, then stop (CI)
 *   npm run sandbox -- comment <n> <text>    comment on issue/PR n as the maintainer (e.g. "/ao status")
 *   npm run sandbox -- issue <title>         open an issue and label it for an agent
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { shellLine } from '../core/shell.js';
import { STATUS_MARKER } from '../core/status-comment.js';
import { startAppProcess, type AppProcess } from './app-process.js';
import { connectGitHubSimulator, startGitHubSimulator, type GitHubSimulator } from './github-sim/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = path.resolve(process.env.AO_SANDBOX_DIR ?? path.join(ROOT, '.sandbox'));
const STATE = path.join(DIR, 'state.json');
const OWNER = 'acme';
const REPO = 'demo-app';
const MAINTAINER = 'maria';
const REVIEWER = 'wendy';
const SECRET = 'sandbox-webhook-secret';

const bold = (t: string) => (process.stdout.isTTY ? `\u001b[1m${t}\u001b[0m` : t);
const dim = (t: string) => (process.stdout.isTTY ? `\u001b[2m${t}\u001b[0m` : t);
const step = (n: number, text: string) => process.stdout.write(`\n${bold(`${n}. ${text}`)}\n`);
const note = (text: string) => process.stdout.write(`   ${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface State {
  simUrl: string;
  appUrl: string;
  configPath: string;
  maintainerToken: string;
  agentLog: string;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`the sandbox waited ${timeoutMs / 1000} s for ${what}; see ${path.join(DIR, 'app.log')}`);
    await sleep(150);
  }
}

class Story {
  private lastComment = new Map<number, string>();
  constructor(
    private readonly sim: GitHubSimulator,
    private readonly state: State,
  ) {}

  async rest<T>(route: string): Promise<T> {
    const res = await fetch(`${this.state.simUrl}${route}`, { headers: { authorization: `token ${this.state.maintainerToken}` } });
    if (!res.ok) throw new Error(`${route}: ${res.status}`);
    return (await res.json()) as T;
  }

  async statusComment(n: number): Promise<string | undefined> {
    const comments = await this.rest<{ body: string; user: { login: string } }[]>(`/repos/${OWNER}/${REPO}/issues/${n}/comments?per_page=100`);
    return comments.find((c) => c.body.includes(STATUS_MARKER) && c.user.login === this.sim.app.botLogin)?.body;
  }

  /** Wait until the status comment of issue/PR `n` says `text`, and show it if it changed. */
  async showWhen(n: number, text: string): Promise<void> {
    const body = await waitFor(`the status comment of #${n} to say "${text}"`, async () => {
      const current = await this.statusComment(n);
      return current?.includes(text) ? current : undefined;
    });
    if (this.lastComment.get(n) === body) return;
    this.lastComment.set(n, body);
    note(dim(`the app's status comment on #${n}:`));
    for (const line of body.split('\n')) if (line.startsWith('|') || line.startsWith('- `') || line.startsWith('**')) note(dim(`  ${line}`));
  }

  agentHeard(match: (text: string) => boolean): string | undefined {
    try {
      for (const line of readFileSync(this.state.agentLog, 'utf8').split('\n').reverse()) {
        if (!line) continue;
        const entry = JSON.parse(line) as { text?: string };
        if (entry.text && match(entry.text)) return entry.text;
      }
    } catch {
      // no message yet
    }
    return undefined;
  }

  async session(issue: number): Promise<{ id: string; branch: string; status: string; prNumber: number | null; host: string }> {
    return waitFor(`a session for issue #${issue}`, async () => {
      const res = await fetch(`${this.state.appUrl}/sessions`);
      const { sessions } = (await res.json()) as { sessions: { id: string; issue: number | null; branch: string; status: string; prNumber: number | null; host: string }[] };
      return sessions.find((s) => s.issue === issue);
    });
  }

  async comment(n: number, body: string, as = MAINTAINER): Promise<void> {
    note(`${as} comments on #${n}: ${bold(body.split('\n')[0]!)}${body.includes('\n') ? dim(` (+${body.split('\n').length - 1} lines)`) : ''}`);
    await this.sim.comment(OWNER, REPO, n, body, { as });
  }
}

async function play(exitAfter: boolean): Promise<void> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  process.stdout.write(`${bold('Agent Orchestrator sandbox')}: GitHub, the app, a runner host and an agent, all on this machine, offline.\n`);
  process.stdout.write(dim(`   files: ${DIR}\n`));

  step(1, 'A GitHub: the simulator, with the repository acme/demo-app');
  const sim = await startGitHubSimulator({ webhookSecret: SECRET, dataDir: path.join(DIR, 'github') });
  const maintainerToken = sim.addUser(MAINTAINER, { permission: 'admin', name: 'Maria Maintainer' }).token;
  sim.addUser(REVIEWER, { permission: 'write', name: 'Wendy Reviewer' });
  const repo = await sim.createRepo({ owner: OWNER, name: REPO, files: { 'README.md': '# demo-app\n\nA tiny app the agents work on.\n', 'greeting.txt': 'hi\n' } });
  sim.createLabel(OWNER, REPO, { name: 'agent', description: 'an AI agent works on this issue' });
  note(`${sim.url} (REST, GraphQL, git over HTTP); the app "${sim.app.slug}" is installed on ${OWNER}`);

  const agentLog = path.join(DIR, 'agent.jsonl');
  const fakeAgent = fileURLToPath(new URL('../../test/support/fake-agent.mjs', import.meta.url));
  const configPath = path.join(DIR, 'agent-orchestrator.yaml');
  const config = {
    instance: 'sandbox',
    dataDir: path.join(DIR, 'runner'),
    // Its own tmux server per sandbox directory: a test's sandbox and yours never meet.
    tmuxSocket: `ao-sandbox-${createHash('sha256').update(DIR).digest('hex').slice(0, 8)}`,
    hosts: [{ name: 'local', local: true, dataDir: path.join(DIR, 'runner') }],
    projects: [
      {
        repo: `${OWNER}/${REPO}`,
        name: 'demo',
        // Over HTTP with the app's installation token, as on GitHub (a credential helper and a gh shim on the host hand it to git and the agent).
        url: repo.cloneUrl,
        agent: 'generic',
        agentCommand: shellLine([
          'env',
          `FAKE_AGENT_LOG=${agentLog}`,
          'FAKE_AGENT_BUSY_MS=600',
          `AO_FAKE_GITHUB_API=${sim.url}`,
          `AO_FAKE_GITHUB_REPO=${OWNER}/${REPO}`,
          'GIT_AUTHOR_NAME=fake agent',
          'GIT_AUTHOR_EMAIL=agent@example.invalid',
          'GIT_COMMITTER_NAME=fake agent',
          'GIT_COMMITTER_EMAIL=agent@example.invalid',
          process.execPath,
          fakeAgent,
        ]),
        reactions: { 'ci-failed': { retries: 2 } },
      },
    ],
    defaults: { settleSec: 1 },
    app: { reconcileIntervalSec: 10 },
  };
  writeFileSync(configPath, stringify(config));

  step(2, 'The GitHub App, started as it is deployed (npm start, Probot\'s environment, GHE_HOST)');
  const app: AppProcess = await startAppProcess({ simUrl: sim.url, appId: sim.app.id, privateKeyPem: sim.app.privateKeyPem, secret: SECRET, configPath, env: { LOG_LEVEL: 'info' } });
  sim.setWebhook({ url: app.webhookUrl, secret: SECRET });
  const state: State = { simUrl: sim.url, appUrl: app.url, configPath, maintainerToken, agentLog };
  writeFileSync(STATE, JSON.stringify(state, null, 2));
  const saveLog = () => writeFileSync(path.join(DIR, 'app.log'), app.output());
  note(`listening on ${app.url}; webhooks at ${app.webhookUrl}; config ${configPath}`);
  const story = new Story(sim, state);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    saveLog();
    await app.stop();
    await sim.close();
    // The agents stop with the sandbox (their files stay in the sandbox directory).
    spawnSync('tmux', ['-L', config.tmuxSocket, 'kill-server'], { stdio: 'ignore' });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  try {
    step(3, `${MAINTAINER} opens an issue and labels it "agent"`);
    const issue = await sim.createIssue(OWNER, REPO, { title: 'Make the greeting friendlier', body: 'greeting.txt says "hi". It should say "Hello, world".', as: MAINTAINER });
    await sim.addLabels(OWNER, REPO, issue.number, ['agent'], { as: MAINTAINER });
    const session = await story.session(issue.number);
    note(`the app started session ${bold(session.id)} on host "${session.host}": a worktree on branch ${session.branch}, the agent in tmux, the issue as its task`);
    await story.showWhen(issue.number, session.id);

    step(4, 'The agent works and opens a PR (this stand-in agent cannot think: we tell it what to type, with /ao send)');
    await story.comment(issue.number, '/ao send fake:write greeting.txt Hello world\nfake:commit Make the greeting friendlier\nfake:push\nfake:pr Make the greeting friendlier');
    const withPr = await waitFor('the PR', async () => {
      const s = await story.session(issue.number);
      return s.prNumber ? s : undefined;
    });
    const pr = withPr.prNumber!;
    note(`PR #${pr} opened from ${withPr.branch}`);
    await story.showWhen(issue.number, 'PR open');

    step(5, 'CI fails: the app tells the agent, once, with the failing check');
    const head1 = await sim.headSha(OWNER, REPO, session.branch);
    await sim.setCheckRun(OWNER, REPO, { ref: head1, name: 'spelling', status: 'completed', conclusion: 'failure', output: { title: 'greeting.txt: missing comma', summary: 'expected "Hello, world", found "Hello world"' } });
    const told = await waitFor('the CI message to reach the agent', () => story.agentHeard((t) => t.startsWith(`CI failed on your PR #${pr}`)));
    note(`the agent read:\n${dim(told.split('\n').map((l) => `     | ${l}`).join('\n'))}`);
    await story.showWhen(issue.number, 'CI failed');

    step(6, 'The agent fixes it and pushes; CI passes');
    await story.comment(issue.number, '/ao send fake:write greeting.txt Hello, world\nfake:commit Add the comma\nfake:push');
    const head2 = await waitFor('the fix to be pushed', async () => {
      const sha = await sim.headSha(OWNER, REPO, session.branch);
      return sha !== head1 ? sha : undefined;
    });
    await sim.setCheckRun(OWNER, REPO, { ref: head2, name: 'spelling', status: 'completed', conclusion: 'success' });
    await story.showWhen(issue.number, 'passing');

    step(7, `${REVIEWER} reviews: changes requested with an inline comment, which reaches the agent`);
    await sim.review(OWNER, REPO, pr, { event: 'REQUEST_CHANGES', body: 'One more thing', comments: [{ path: 'greeting.txt', line: 1, body: 'End it with an exclamation mark' }], as: REVIEWER });
    await waitFor('the review comment to reach the agent', () => story.agentHeard((t) => t.includes('End it with an exclamation mark')));
    note('the agent read the review comment (only comments by people with write access are sent to agents)');
    await story.showWhen(issue.number, 'changes requested');
    await story.comment(issue.number, '/ao send fake:write greeting.txt Hello, world!\nfake:commit Exclaim\nfake:push');
    const head3 = await waitFor('the change to be pushed', async () => {
      const sha = await sim.headSha(OWNER, REPO, session.branch);
      return sha !== head2 ? sha : undefined;
    });
    await sim.setCheckRun(OWNER, REPO, { ref: head3, name: 'spelling', status: 'completed', conclusion: 'success' });

    step(8, `${REVIEWER} approves: the PR is mergeable`);
    await sim.review(OWNER, REPO, pr, { event: 'APPROVE', body: 'Lovely', as: REVIEWER });
    await story.showWhen(issue.number, 'mergeable');

    step(9, `${MAINTAINER} squash-merges: the session is cleaned up (worktree and tmux gone, its record kept)`);
    await sim.merge(OWNER, REPO, pr, { method: 'squash', as: MAINTAINER });
    await story.showWhen(issue.number, 'ended');

    step(10, 'Now you: everything keeps running');
    const ao = `AO_CONFIG=${configPath} npx ao`;
    note(`open an issue for an agent:   ${bold('npm run sandbox -- issue "Add a README section"')}`);
    note(`comment as ${MAINTAINER}:          ${bold(`npm run sandbox -- comment ${issue.number} "/ao help"`)}`);
    note(`the CLI on the same hosts:    ${bold(`${ao} status`)}   (then ${ao} open <id> to attach; Ctrl+B, D detaches)`);
    note(`the sessions page:            ${bold(`${app.url}/sessions.html`)}`);
    note(`what the app logged:          ${path.join(DIR, 'app.log')} (written when the sandbox stops)`);
    saveLog();
    if (exitAfter) {
      await stop();
      return;
    }
    note(dim('Ctrl-C stops the sandbox.'));
    await new Promise(() => undefined);
  } catch (error) {
    saveLog();
    await stop();
    throw error;
  }
}

function readState(): State {
  try {
    return JSON.parse(readFileSync(STATE, 'utf8')) as State;
  } catch {
    throw new Error(`no sandbox is running (${STATE} is missing): start one with \`npm run sandbox\` in another terminal`);
  }
}

async function commentCommand(args: string[]): Promise<void> {
  const [n, ...words] = args;
  if (!n || !/^\d+$/.test(n) || words.length === 0) throw new Error('usage: npm run sandbox -- comment <issue or PR number> <text>');
  const state = readState();
  const sim = connectGitHubSimulator(state.simUrl);
  const text = words.join(' ').replace(/\\n/g, '\n');
  const posted = await sim.comment(OWNER, REPO, Number(n), text, { as: MAINTAINER });
  process.stdout.write(`commented on #${n} as ${MAINTAINER}; waiting for the app's answer...\n`);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${state.simUrl}/repos/${OWNER}/${REPO}/issues/${n}/comments?per_page=100`, { headers: { authorization: `token ${state.maintainerToken}` } });
    const comments = (await res.json()) as { id: number; body: string; user: { login: string } }[];
    const reply = comments.find((c) => c.id > posted.id && c.user.login.endsWith('[bot]') && !c.body.includes(STATUS_MARKER));
    if (reply) {
      process.stdout.write(`${reply.body}\n`);
      return;
    }
    await sleep(300);
  }
  process.stdout.write('no reply yet (a comment without a command gets none); see the status comment\n');
}

async function issueCommand(args: string[]): Promise<void> {
  const title = args.join(' ').trim();
  if (!title) throw new Error('usage: npm run sandbox -- issue <title>');
  const state = readState();
  const sim = connectGitHubSimulator(state.simUrl);
  const issue = await sim.createIssue(OWNER, REPO, { title, body: title, as: MAINTAINER });
  await sim.addLabels(OWNER, REPO, issue.number, ['agent'], { as: MAINTAINER });
  process.stdout.write(`opened #${issue.number} "${title}" and labeled it "agent"; \`npm run sandbox -- comment ${issue.number} "/ao status"\` shows its session\n`);
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'comment') await commentCommand(rest);
  else if (command === 'issue') await issueCommand(rest);
  else if (command === undefined || command === '--exit') await play(command === '--exit' || process.env.AO_SANDBOX_EXIT === '1');
  else throw new Error(`unknown sandbox command "${command}"; try: npm run sandbox, npm run sandbox -- comment <n> <text>, npm run sandbox -- issue <title>`);
  if (command !== undefined) process.exit(0);
} catch (error) {
  process.stderr.write(`sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
