/**
 * GitHub requests per lifecycle cycle (issue 11): the batched evidence query
 * (one GraphQL request per repo) against a naive per-session query, for 100
 * sessions with PRs in 2 repos, over real HTTP against the GitHub simulator,
 * which charges GraphQL points the way GitHub reckons them. Also what a cycle
 * costs when nothing changed.
 */
import { pino } from 'pino';
import { createGitHubPort, type OctokitGitHubPort } from '../src/github/octokit-port.js';
import type { EvidenceRequest, RepoRef } from '../src/github/port.js';
import { buildEvidenceQuery } from '../src/github/scm.js';
import { startGitHubSimulator, type GitHubSimulator } from '../src/sandbox/github-sim/index.js';
import { installationOctokit } from '../test/sandbox/github-sim/helpers.js';
import { fmt, median, printRows, ratio, timeIt, type BenchRow } from './support.js';

const REPOS = ['web', 'api'] as const;
const SESSIONS_PER_REPO = 50;

interface Measured {
  requests: number;
  graphqlRequests: number;
  restRequests: number;
  notModified: number;
  points: number;
  coreUsed: number;
  ms: number;
}

/** Requests the simulator served, and rate-limit points used, while `fn` ran. */
async function measure(sim: GitHubSimulator, fn: () => Promise<{ points: number }>): Promise<Measured> {
  const mark = sim.routeRecorder.mark();
  const { ms, value } = await timeIt(fn);
  const traffic = sim.routeRecorder.since(mark);
  const graphql = traffic.filter((r) => r.path === '/graphql');
  const rest = traffic.filter((r) => r.path !== '/graphql');
  return {
    requests: traffic.length,
    graphqlRequests: graphql.length,
    restRequests: rest.length,
    notModified: rest.filter((r) => r.status === 304).length,
    points: value.points,
    // 304s are free: only the others count against the core limit.
    coreUsed: rest.filter((r) => r.status !== 304).length,
    ms,
  };
}

async function setUp(sim: GitHubSimulator): Promise<Map<string, EvidenceRequest[]>> {
  const sessions = new Map<string, EvidenceRequest[]>();
  for (const name of REPOS) {
    await sim.createRepo({ owner: 'acme', name, files: { 'README.md': `# ${name}\n` } });
    const list: EvidenceRequest[] = [];
    for (let i = 1; i <= SESSIONS_PER_REPO; i++) {
      const branch = `ao/${name}-${i}`;
      const head = await sim.pushCommit('acme', name, { branch, files: { [`src/f${i}.ts`]: `export const f${i} = ${i};\n` } });
      const issue = await sim.createIssue('acme', name, { title: `Task ${i}` });
      await sim.openPullRequest('acme', name, { head: branch, title: `Task ${i}`, as: sim.app.botLogin });
      // A realistic mix: CI green, failing or running; some reviews with comments.
      await sim.setCheckRun('acme', name, { ref: head, name: 'build', ...(i % 3 === 0 ? { conclusion: 'failure' as const, output: { title: 'failed', summary: 'a test failed' } } : i % 3 === 1 ? { conclusion: 'success' as const } : { status: 'in_progress' as const }) });
      await sim.setStatus('acme', name, { ref: head, context: 'lint', state: 'success' });
      list.push({ key: `${name}-${i}`, branch, issueNumber: issue.number });
    }
    sessions.set(name, list);
  }
  return sessions;
}

/** The naive way: one GraphQL query per session, with the same fields. */
async function naiveGraphqlCycle(port: OctokitGitHubPort, sessions: Map<string, EvidenceRequest[]>): Promise<{ points: number }> {
  let points = 0;
  for (const [name, list] of sessions) {
    for (const session of list) {
      const { query, variables } = buildEvidenceQuery({ owner: 'acme', repo: name }, [session]);
      const answer = await port.client.graphql<{ rateLimit: { cost: number } }>(query, variables, 'naive evidence');
      points += answer.data?.rateLimit.cost ?? 0;
    }
  }
  return { points };
}

/** The seed CLI's way, in REST: find the PR by head, then its checks, statuses, reviews and review comments (conditional GETs). */
async function naiveRestCycle(port: OctokitGitHubPort, sessions: Map<string, EvidenceRequest[]>): Promise<{ points: number }> {
  for (const [name, list] of sessions) {
    const o = { owner: 'acme', repo: name };
    for (const session of list) {
      const { data: pulls } = await port.client.rest<{ number: number; head: { sha: string } }[]>('GET /repos/{owner}/{repo}/pulls', { ...o, head: `acme:${session.branch}`, state: 'all' });
      const pr = pulls[0];
      if (!pr) continue;
      await port.client.rest('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { ...o, ref: pr.head.sha });
      await port.client.rest('GET /repos/{owner}/{repo}/commits/{ref}/status', { ...o, ref: pr.head.sha });
      await port.client.rest('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { ...o, pull_number: pr.number });
      await port.client.rest('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', { ...o, pull_number: pr.number });
      await port.client.rest('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...o, issue_number: session.issueNumber! });
    }
  }
  return { points: 0 };
}

async function batchedCycle(port: OctokitGitHubPort, sessions: Map<string, EvidenceRequest[]>): Promise<{ points: number }> {
  const batches = await Promise.all([...sessions].map(([name, list]) => port.fetchEvidence({ owner: 'acme', repo: name } satisfies RepoRef, list)));
  for (const b of batches) if (b.outcome !== 'fresh') throw new Error(`evidence: ${b.outcome}`);
  return { points: batches.reduce((sum, b) => sum + (b.outcome === 'fresh' ? (b.rateLimit?.cost ?? 0) : 0), 0) };
}

export async function benchGitHub(): Promise<void> {
  const sim = await startGitHubSimulator();
  try {
    const sessions = await setUp(sim);
    const total = [...sessions.values()].reduce((n, l) => n + l.length, 0);
    const repo = sim.world.state.repo('acme', REPOS[0])!;
    const token = (await installationOctokit(sim, sim.world.state.installationFor(repo.owner)!.id)).token;
    // Pacing off: we count requests here; with GitHub's pacing (one GraphQL/write request per second per token) the naive cycle would also take >= 1 s per session.
    const made = await createGitHubPort({ apiUrl: sim.url, token, gh: false, env: {}, throttle: false, log: pino({ level: 'silent' }) });
    const port = made.port!;

    const first = await measure(sim, () => batchedCycle(port, sessions));
    const unchanged = await measure(sim, () => batchedCycle(port, sessions));
    const naive = await measure(sim, () => naiveGraphqlCycle(port, sessions));
    const restFirst = await measure(sim, () => naiveRestCycle(port, sessions));
    const restUnchanged = await measure(sim, () => naiveRestCycle(port, sessions));

    const batchedTimes: number[] = [];
    for (let i = 0; i < 5; i++) batchedTimes.push((await timeIt(() => batchedCycle(port, sessions))).ms);
    const naiveTimes: number[] = [];
    for (let i = 0; i < 3; i++) naiveTimes.push((await timeIt(() => naiveGraphqlCycle(port, sessions))).ms);

    const rows: BenchRow[] = [
      { name: `batched cycle, ${total} sessions with PRs in ${REPOS.length} repos: requests`, value: `**${first.requests}**`, note: `${first.graphqlRequests} GraphQL (one per repo), ${first.restRequests} REST` },
      { name: 'batched cycle: GraphQL points', value: `${first.points}`, note: 'GitHub\'s reckoning: connection pages / 100, per query' },
      { name: `naive cycle, one GraphQL query per session: requests`, value: `${naive.requests}`, note: `${naive.points} points (each query costs at least 1)` },
      { name: 'batched vs naive GraphQL: requests', value: `**${ratio(naive.requests, first.requests)} fewer**`, note: `points: ${ratio(naive.points, first.points)} fewer` },
      { name: 'naive REST (PR by head, check runs, status, reviews, review comments, issue): requests', value: `${restFirst.requests}`, note: `${restFirst.coreUsed} count against the core limit; no thread resolution in REST` },
      { name: 'batched vs naive REST: requests', value: `**${ratio(restFirst.requests, first.requests)} fewer**` },
      { name: 'nothing changed, batched: requests', value: `**${unchanged.requests}**`, note: `${unchanged.points} points: 0 extra (GraphQL has no 304; the same one query per repo)` },
      { name: 'nothing changed, naive REST with ETags: requests', value: `${restUnchanged.requests}`, note: `${restUnchanged.notModified} answered 304 (free of limit), ${restUnchanged.coreUsed} counted` },
      { name: 'batched cycle wall time (median of 5, against the simulator)', value: fmt(median(batchedTimes)), note: 'both repos in parallel; includes the simulator resolving every PR (mergeability by git merge-tree, cached per SHA pair)' },
      { name: 'naive GraphQL cycle wall time (median of 3)', value: fmt(median(naiveTimes)), note: `${ratio(median(naiveTimes), median(batchedTimes))} slower` },
    ];
    printRows('GitHub requests per cycle (issue 11)', rows);
  } finally {
    await sim.close();
  }
}
