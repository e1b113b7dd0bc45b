// The GraphQL endpoint executes against GitHub's real schema: unknown fields
// fail validation with GitHub's wording, connection rules are GitHub's, and
// the fields the app reads resolve from the simulator's state.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, GraphqlResponseError } from '@octokit/graphql';
import { startGitHubSimulator, type GitHubSimulator } from '../../../src/sandbox/github-sim/index.js';
import { SIMULATED_GRAPHQL_ROOT_FIELDS } from '../../../src/sandbox/github-sim/catalog.js';
import { githubGraphqlSchema } from '../../../src/sandbox/github-sim/graphql.js';

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

  it('requires authentication, like GitHub\'s GraphQL API', async () => {
    const response = await fetch(sim.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { login } }' }) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ message: 'This endpoint requires you to be authenticated.' });
  });
});
