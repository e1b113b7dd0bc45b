// The GraphQL endpoint executes against GitHub's real schema: unknown fields
// fail validation with GitHub's wording, connection rules are GitHub's, and
// the fields the app reads resolve from the simulator's state.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, GraphqlResponseError } from '@octokit/graphql';
import { startGitHubSimulator, type GitHubSimulator } from '../../../src/sandbox/github-sim/index.js';
import { SIMULATED_GRAPHQL_ROOT_FIELDS } from '../../../src/sandbox/github-sim/catalog.js';
import { parse } from 'graphql';
import { githubGraphqlSchema, queryCost } from '../../../src/sandbox/github-sim/graphql.js';

describe('GitHub simulator GraphQL', () => {
  let sim: GitHubSimulator;
  let query: typeof graphql;
  let token: string;

  beforeAll(async () => {
    sim = await startGitHubSimulator();
    await sim.createRepo({ owner: 'acme', name: 'widgets', files: { 'a.txt': 'one\n' } });
    token = sim.addUser('maria', { permission: 'write' }).token;
    query = graphql.defaults({ baseUrl: sim.url, headers: { authorization: `token ${token}` } });
    await sim.createIssue('acme', 'widgets', { title: 'Add b', body: 'Please add b.txt', labels: ['agent'], as: 'maria' });
    await sim.pushCommit('acme', 'widgets', { branch: 'ao/w-1', files: { 'b.txt': 'two\n' } });
    await sim.openPullRequest('acme', 'widgets', { head: 'ao/w-1', title: 'Add b', draft: true, as: sim.app.botLogin });
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('rejects a field GitHub does not have the way GitHub does (HTTP 200, errors, no data)', async () => {
    const response = await fetch(sim.graphqlUrl, {
      method: 'POST',
      headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ repository(owner: "acme", name: "widgets") { pullRequest(number: 2) { number sessionState } } }' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data?: unknown; errors: { message: string; extensions: Record<string, string> }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: "Field 'sessionState' doesn't exist on type 'PullRequest'",
        extensions: { code: 'undefinedField', typeName: 'PullRequest', fieldName: 'sessionState' },
      }),
    ]);

    const error = await query('{ viewer { login favouriteColour } }').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphqlResponseError);
    expect((error as GraphqlResponseError<unknown>).errors?.[0]?.message).toBe("Field 'favouriteColour' doesn't exist on type 'User'");
  });

  it('words unknown arguments and missing arguments as GitHub does', async () => {
    await expect(query('{ repository(owner: "acme", name: "widgets") { pullRequest(id: 2) { number } } }')).rejects.toThrow(
      "Field 'pullRequest' doesn't accept argument 'id'",
    );
    await expect(query('{ repository(owner: "acme") { id } }')).rejects.toThrow("Field 'repository' is missing required arguments: name");
  });

  it('applies GitHub\'s connection rules: first or last is required, at most 100', async () => {
    await expect(query('{ repository(owner: "acme", name: "widgets") { pullRequests { totalCount } } }')).rejects.toThrow(
      'You must provide a `first` or `last` value to properly paginate the `pullRequests` connection.',
    );
    await expect(query('{ repository(owner: "acme", name: "widgets") { pullRequests(first: 101) { totalCount } } }')).rejects.toThrow(
      'Requesting 101 records on the `pullRequests` connection exceeds the `first` limit of 100 records.',
    );
  });

  it('reports a missing object as NOT_FOUND with partial data', async () => {
    const error = (await query('{ repository(owner: "acme", name: "widgets") { pullRequest(number: 404) { number } } }').catch((e: unknown) => e)) as GraphqlResponseError<{
      repository: { pullRequest: null };
    }>;
    expect(error).toBeInstanceOf(GraphqlResponseError);
    expect(error.errors?.[0]).toMatchObject({ type: 'NOT_FOUND', message: 'Could not resolve to a PullRequest with the number of 404.', path: ['repository', 'pullRequest'] });
    expect(error.data).toEqual({ repository: { pullRequest: null } });
  });

  it('resolves the issue and pull request fields the app reads', async () => {
    const result = await query<{
      repository: {
        issue: { number: number; state: string; title: string; body: string; labels: { nodes: { name: string }[] }; author: { login: string } };
        pullRequests: { totalCount: number; nodes: { number: number; isDraft: boolean; headRefName: string; headRefOid: string; baseRefName: string; author: { __typename: string; login: string }; reviewDecision: string | null; mergeable: string; mergeStateStatus: string }[] };
      };
      rateLimit: { limit: number; remaining: number; used: number; cost: number; resetAt: string };
    }>(
      `query ($head: String!) {
        repository(owner: "acme", name: "widgets") {
          issue(number: 1) { number state title body labels(first: 10) { nodes { name } } author { login } }
          pullRequests(headRefName: $head, states: [OPEN], first: 5) {
            totalCount
            nodes { number isDraft headRefName headRefOid baseRefName author { __typename login } reviewDecision mergeable mergeStateStatus }
          }
        }
        rateLimit { limit remaining used cost resetAt }
      }`,
      { head: 'ao/w-1' },
    );
    expect(result.repository.issue).toEqual({ number: 1, state: 'OPEN', title: 'Add b', body: 'Please add b.txt', labels: { nodes: [{ name: 'agent' }] }, author: { login: 'maria' } });
    expect(result.repository.pullRequests.totalCount).toBe(1);
    expect(result.repository.pullRequests.nodes[0]).toEqual({
      number: 2,
      isDraft: true,
      headRefName: 'ao/w-1',
      headRefOid: await sim.headSha('acme', 'widgets', 'ao/w-1'),
      baseRefName: 'main',
      // GraphQL names a bot by its slug, REST by `slug[bot]`.
      author: { __typename: 'Bot', login: sim.app.slug },
      reviewDecision: null, // no branch protection requires reviews
      mergeable: 'MERGEABLE',
      mergeStateStatus: 'DRAFT',
    });
    expect(result.rateLimit).toMatchObject({ limit: 5000, cost: 1 });
    expect(result.rateLimit.used + result.rateLimit.remaining).toBe(5000);
  });

  it('resolves a real but unmodelled nullable field to null, and names a non-null one it cannot supply', async () => {
    const nullable = await query<{ repository: { homepageUrl: string | null } }>('{ repository(owner: "acme", name: "widgets") { homepageUrl } }');
    expect(nullable.repository.homepageUrl).toBeNull();
    await expect(query('{ repository(owner: "acme", name: "widgets") { stargazerCount } }')).rejects.toThrow('The GitHub simulator does not model Repository.stargazerCount (Int!)');
  });

  it('resolves only root fields that GitHub\'s schema has', () => {
    const schema = githubGraphqlSchema();
    const queryFields = Object.keys(schema.getQueryType()!.getFields());
    const mutationFields = Object.keys(schema.getMutationType()!.getFields());
    expect(SIMULATED_GRAPHQL_ROOT_FIELDS.query.filter((f) => !queryFields.includes(f))).toEqual([]);
    expect(SIMULATED_GRAPHQL_ROOT_FIELDS.mutation.filter((f) => !mutationFields.includes(f))).toEqual([]);
  });

  it('reckons cost and nodes the way GitHub documents them', () => {
    const schema = githubGraphqlSchema();
    // GitHub's worked example: 1 request for the repositories, 100 for their issues, 5,000 for the issues' labels.
    const labels = parse(`query { viewer { login repositories(first: 100) { edges { node { id issues(first: 50) { edges { node { id labels(first: 60) { edges { node { id name } } } } } } } } } } }`);
    expect(queryCost(schema, labels)).toEqual({ requests: 5101, cost: 51, nodes: 100 + 100 * 50 + 100 * 50 * 60 });
    // Sizes given as variables count the same; a query without connections still costs 1.
    const withVariables = parse(`query ($n: Int!) { viewer { repositories(first: $n) { nodes { issues(last: 10) { totalCount } } } } }`);
    expect(queryCost(schema, withVariables, { n: 20 })).toEqual({ requests: 21, cost: 1, nodes: 20 + 200 });
    expect(queryCost(schema, parse('{ viewer { login } }'))).toEqual({ requests: 0, cost: 1, nodes: 0 });
    // Fragments and aliases are followed like inline selections.
    const fragments = parse(`query { a: viewer { ...R } b: viewer { ...R } } fragment R on User { repositories(first: 100) { nodes { pullRequests(first: 100) { totalCount } } } }`);
    expect(queryCost(schema, fragments)).toMatchObject({ requests: 2 * 101, cost: 2 });
  });

  it('charges a query its cost, reports it in rateLimit, and refuses one over the node limit', async () => {
    const before = await query<{ rateLimit: { used: number; cost: number } }>('{ rateLimit { used cost } }');
    expect(before.rateLimit.cost).toBe(1);
    const costly = await query<{ rateLimit: { used: number; cost: number } }>(
      `{ rateLimit { used cost } repository(owner: "acme", name: "widgets") { pullRequests(first: 100) { nodes { reviewThreads(first: 100) { nodes { comments(first: 10) { totalCount } } } } } } }`,
    );
    // 1 + 100 + 10,000 requests -> 101 points.
    expect(costly.rateLimit).toEqual({ cost: 101, used: before.rateLimit.used + 101 });
    await expect(
      query(`{ repository(owner: "acme", name: "widgets") { pullRequests(first: 100) { nodes { reviewThreads(first: 100) { nodes { comments(first: 100) { totalCount } } } } } } }`),
    ).rejects.toThrow(/1,010,100 possible nodes, over the limit of 500,000/);
  });

  it('answers a spent budget as GitHub does: HTTP 200, RATE_LIMITED, rate-limit headers at zero', async () => {
    sim.setRateLimitRemaining(0);
    try {
      const response = await fetch(sim.graphqlUrl, { method: 'POST', headers: { authorization: `token ${token}` }, body: JSON.stringify({ query: '{ viewer { login } }' }) });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(response.headers.get('x-ratelimit-resource')).toBe('graphql');
      expect(await response.json()).toEqual({ errors: [{ type: 'RATE_LIMITED', message: expect.stringMatching(/^API rate limit exceeded for user ID \d+\.$/) }] });
    } finally {
      sim.setRateLimitRemaining(undefined);
    }
    sim.setRateLimitRemaining(50);
    try {
      // Enough for a request, not for a query costing 101 points.
      const response = await fetch(sim.graphqlUrl, {
        method: 'POST',
        headers: { authorization: `token ${token}` },
        body: JSON.stringify({ query: '{ repository(owner: "acme", name: "widgets") { pullRequests(first: 100) { nodes { reviewThreads(first: 100) { nodes { comments(first: 1) { totalCount } } } } } } }' }),
      });
      expect(await response.json()).toMatchObject({ errors: [{ type: 'RATE_LIMITED' }] });
    } finally {
      sim.setRateLimitRemaining(undefined);
    }
  });

  it('lists each reviewer\'s latest opinionated review, writers only when asked', async () => {
    sim.addUser('rita', { permission: 'write' });
    sim.addUser('reed', { permission: 'read' });
    await sim.pushCommit('acme', 'widgets', { branch: 'ao/w-2', files: { 'c.txt': 'three\n' } });
    const pr = await sim.openPullRequest('acme', 'widgets', { head: 'ao/w-2', title: 'Add c' });
    await sim.review('acme', 'widgets', pr.number, { event: 'REQUEST_CHANGES', body: 'no', as: 'rita' });
    await sim.review('acme', 'widgets', pr.number, { event: 'APPROVE', as: 'rita' });
    await sim.review('acme', 'widgets', pr.number, { event: 'COMMENT', body: 'just a note', as: 'rita' });
    await sim.review('acme', 'widgets', pr.number, { event: 'REQUEST_CHANGES', body: 'me too', as: 'reed' });
    type Reviews = { nodes: { state: string; author: { login: string } }[] };
    const result = await query<{ repository: { pullRequest: { all: Reviews; writers: Reviews } } }>(
      `query ($n: Int!) { repository(owner: "acme", name: "widgets") { pullRequest(number: $n) {
        all: latestOpinionatedReviews(first: 10) { nodes { state author { login } } }
        writers: latestOpinionatedReviews(first: 10, writersOnly: true) { nodes { state author { login } } }
      } } }`,
      { n: pr.number },
    );
    const pairs = (r: Reviews) => r.nodes.map((n) => [n.author.login, n.state]);
    expect(pairs(result.repository.pullRequest.all)).toEqual([['rita', 'APPROVED'], ['reed', 'CHANGES_REQUESTED']]);
    expect(pairs(result.repository.pullRequest.writers)).toEqual([['rita', 'APPROVED']]);
  });

  it('requires authentication, like GitHub\'s GraphQL API', async () => {
    const response = await fetch(sim.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { login } }' }) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ message: 'This endpoint requires you to be authenticated.' });
  });
});
