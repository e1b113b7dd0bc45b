// The evidence queries against GitHub's published GraphQL schema, built here
// straight from @octokit/graphql-schema (independently of the simulator):
// a field, argument or type GitHub does not have fails this test.

import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEvidenceQuery, buildPagesQuery, EVIDENCE_BATCH_SIZE } from '../../src/github/scm.js';
import { queryCost } from '../../src/sandbox/github-sim/graphql.js';
import { packageFile } from '../../src/sandbox/github-sim/package-file.js';

let schema: GraphQLSchema;

beforeAll(() => {
  const sdl = readFileSync(packageFile('@octokit/graphql-schema/schema.graphql'), 'utf8');
  // The published SDL repeats a few fields; GitHub's server accepts it.
  schema = buildSchema(sdl, { assumeValidSDL: true });
});

const repo = { owner: 'acme', repo: 'web' };

function problems(query: string): string[] {
  return validate(schema, parse(query)).map((e) => e.message);
}

describe('evidence queries are valid against GitHub\'s schema', () => {
  it('the batch query, with sessions found by branch, by PR number, with and without an issue', () => {
    const { query, variables } = buildEvidenceQuery(repo, [
      { key: 'a', branch: 'ao/web-1' },
      { key: 'b', branch: 'ao/web-2', issueNumber: 12 },
      { key: 'c', branch: 'ao/web-3', prNumber: 40 },
      { key: 'd', branch: 'ao/web-4', prNumber: 41, issueNumber: 13 },
    ]);
    expect(problems(query)).toEqual([]);
    expect(variables).toEqual({ owner: 'acme', name: 'web', b0: 'ao/web-1', b1: 'ao/web-2', i1: 12, n2: 40, n3: 41, i3: 13 });
  });

  it('the follow-up query for more review threads and more checks', () => {
    const { query } = buildPagesQuery(repo, [
      { number: 40, connection: 'reviewThreads', after: 'Y3Vyc29yOnYyOjE5' },
      { number: 40, connection: 'contexts', after: 'Y3Vyc29yOnYyOjk5' },
      { number: 41, connection: 'reviewThreads', after: 'Y3Vyc29yOnYyOjE5' },
    ]);
    expect(problems(query)).toEqual([]);
    expect(problems(buildPagesQuery(repo, [{ number: 40, connection: 'contexts', after: 'x' }]).query)).toEqual([]);
    expect(problems(buildPagesQuery(repo, [{ number: 40, connection: 'reviewThreads', after: 'x' }]).query)).toEqual([]);
  });

  it('keeps branch names out of the query text (variables only)', () => {
    const { query } = buildEvidenceQuery(repo, [{ key: 'x', branch: 'ao/x") { id } } mutation { deleteRepository' }]);
    expect(query).not.toContain('deleteRepository');
    expect(problems(query)).toEqual([]);
  });

  it('a full batch stays well inside GitHub\'s node limit and costs about a quarter point per session', () => {
    const full = buildEvidenceQuery(
      repo,
      Array.from({ length: EVIDENCE_BATCH_SIZE }, (_, i) => ({ key: `s${i}`, branch: `ao/web-${i}`, issueNumber: i + 1 })),
    );
    expect(problems(full.query)).toEqual([]);
    const { cost, nodes } = queryCost(schema, parse(full.query), full.variables);
    expect(nodes).toBeLessThan(500_000 / 10);
    expect(cost).toBeLessThanOrEqual(30);
    expect(cost).toBeGreaterThanOrEqual(20);
  });

  it('would be caught if it asked for a field GitHub lacks', () => {
    const { query } = buildEvidenceQuery(repo, [{ key: 'a', branch: 'ao/web-1' }]);
    expect(problems(query.replace('isDraft', 'isDraft sessionStatus'))).toEqual(['Cannot query field "sessionStatus" on type "PullRequest".']);
  });
});
