// POST /graphql: queries are parsed and validated against GitHub's real
// schema (@octokit/graphql-schema), so a field GitHub lacks fails here as it
// would there. Resolution is by plain objects whose properties (values or
// functions) are the fields; anything not modelled resolves to null, and a
// non-null field the simulator cannot supply says so in the error.

import {
  buildSchema,
  execute,
  GraphQLError,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  validate,
  valueFromAST,
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLTypeResolver,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { readFileSync } from 'node:fs';
import { packageFile } from './package-file.js';
import { makeCommitNodeId } from './render.js';
import { tokenCovers, type Identity } from './auth.js';
import { permissionAtLeast, type SimAccount, type SimCheckRun, type SimCheckSuite, type SimIssue, type SimIssueComment, type SimLabel, type SimPull, type SimRepo, type SimReview, type SimReviewComment, type SimReviewThread, type SimStatus } from './model.js';
import type { World } from './world.js';

type Json = Record<string, unknown>;
type Args = Record<string, unknown>;
type WithPull = SimIssue & { pull: SimPull };

let cachedSchema: GraphQLSchema | undefined;

/** GitHub's schema, built once per process on first use. */
export function githubGraphqlSchema(): GraphQLSchema {
  if (!cachedSchema) {
    const sdl = readFileSync(packageFile('@octokit/graphql-schema/schema.graphql'), 'utf8');
    // The published SDL repeats a couple of fields; GitHub's own server accepts it.
    cachedSchema = buildSchema(sdl, { assumeValidSDL: true });
  }
  return cachedSchema;
}

export interface RateState {
  readonly limit: number;
  readonly remaining: number;
  readonly used: number;
  readonly resetAt: string;
}

export interface GraphqlContext {
  readonly world: World;
  readonly identity: Identity;
  readonly rate: RateState;
  /** What this query cost (GitHub's points). */
  readonly cost: number;
  /** A branch's tip, read from git once per query and repo (a query sees one state of the refs). */
  readonly tip: (repo: SimRepo, branch: string) => Promise<string | undefined>;
}

/** GitHub's per-query node limit. */
export const MAX_NODES = 500_000;

export interface QueryCost {
  /** Connection pages the query could need, each connection assumed full (GitHub's method). */
  readonly requests: number;
  /** Points: requests / 100, rounded, at least 1. */
  readonly cost: number;
  /** Nodes the query could return (every connection full). */
  readonly nodes: number;
}

function connectionSize(field: GraphQLField<unknown, unknown>, args: readonly ArgumentNode[], variables: Record<string, unknown>): number | undefined {
  if (!getNamedType(field.type).name.endsWith('Connection')) return undefined;
  const sizeArg = field.args.find((a) => a.name === 'first') ?? field.args.find((a) => a.name === 'last');
  if (!sizeArg) return undefined;
  let size = 0;
  for (const name of ['first', 'last']) {
    const node = args.find((a) => a.name.value === name);
    const def = field.args.find((a) => a.name === name);
    if (!node || !def) continue;
    const value = valueFromAST(node.value, def.type, variables);
    if (typeof value === 'number') size = Math.max(size, value);
  }
  return size;
}

/**
 * What a query costs the way GitHub reckons it: each connection counts one
 * request per page its parents could produce (every `first`/`last` assumed
 * reached); the sum over 100, rounded, is the cost in points (at least 1).
 * The same walk gives the possible node count GitHub limits to 500,000.
 */
export function queryCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string): QueryCost {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  let requests = 0;
  let nodes = 0;
  const walk = (set: SelectionSetNode, type: GraphQLNamedType | null | undefined, multiplier: number, depth: number): void => {
    if (!type || depth > 50) return;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!isObjectType(type) && !isInterfaceType(type)) continue;
        const field = type.getFields()[selection.name.value];
        if (!field) continue;
        let next = multiplier;
        const size = connectionSize(field, selection.arguments ?? [], variables);
        if (size !== undefined) {
          requests += multiplier;
          next = multiplier * size;
          nodes += next;
        }
        if (selection.selectionSet) walk(selection.selectionSet, getNamedType(field.type), next, depth + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type, multiplier, depth + 1);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), multiplier, depth + 1);
      }
    }
  };
  if (operation) walk(operation.selectionSet, operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType(), 1, 0);
  return { requests, nodes, cost: Math.max(1, Math.round(requests / 100)) };
}

/** A GraphQL error with GitHub's top-level `type` (NOT_FOUND, FORBIDDEN, ...). */
class GithubGraphqlError extends GraphQLError {
  constructor(
    message: string,
    readonly githubType: string,
  ) {
    super(message);
  }
}

export interface GraphqlResponse {
  readonly status: number;
  readonly body: { data?: unknown; errors?: Json[] };
}

/** GitHub words validation errors the way graphql-ruby does; translate the common ones. */
function githubMessage(error: GraphQLError): Json {
  const base: Json = { message: error.message, locations: error.locations };
  let m = /^Cannot query field "([^"]+)" on type "([^"]+)"\./.exec(error.message);
  if (m) return { ...base, message: `Field '${m[1]}' doesn't exist on type '${m[2]}'`, extensions: { code: 'undefinedField', typeName: m[2], fieldName: m[1] } };
  m = /^Unknown argument "([^"]+)" on field "([^".]+)\.([^"]+)"\./.exec(error.message);
  if (m) return { ...base, message: `Field '${m[3]}' doesn't accept argument '${m[1]}'`, extensions: { code: 'argumentNotAccepted', name: m[3], typeName: 'Field', argumentName: m[1] } };
  m = /^Field "([^"]+)" argument "([^"]+)" of type "([^"]+)" is required, but it was not provided\./.exec(error.message);
  if (m) return { ...base, message: `Field '${m[1]}' is missing required arguments: ${m[2]}`, extensions: { code: 'missingRequiredArguments', className: 'Field', name: m[1], arguments: m[2] } };
  m = /^Unknown type "([^"]+)"\./.exec(error.message);
  if (m) return { ...base, message: `No such type ${m[1]}, so it can't be a fragment condition`, extensions: { code: 'undefinedType', typeName: m[1] } };
  return base;
}

type Prepared = { readonly errors: Json[] } | { readonly document: DocumentNode };

/** Parses and validates against GitHub's schema; GitHub answers 200 with `errors` when this fails. */
function prepare(query: unknown): Prepared {
  if (typeof query !== 'string' || query.trim() === '') return { errors: [{ message: 'A query attribute must be specified and must be a string.' }] };
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    const e = error as GraphQLError;
    return { errors: [{ message: `Parse error: ${e.message.replace(/^Syntax Error: /, '')}`, locations: e.locations }] };
  }
  const problems = validate(githubGraphqlSchema(), document);
  if (problems.length > 0) return { errors: problems.map(githubMessage) };
  return { document };
}

export interface GraphqlCaller {
  readonly world: World;
  readonly identity: Identity;
  /**
   * Charges the query's cost (the request itself was already counted as
   * one) and returns the budget after it, or `exceeded` (with the budget)
   * when the points are not there.
   */
  charge(cost: number): { rate: RateState; exceeded: boolean; who: string };
}

export async function executeGraphql(caller: GraphqlCaller, request: { query?: unknown; variables?: unknown; operationName?: unknown }): Promise<GraphqlResponse> {
  const prepared = prepare(request.query);
  if ('errors' in prepared) return { status: 200, body: { errors: prepared.errors } };
  const variables = (request.variables as Record<string, unknown> | undefined) ?? undefined;
  const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;
  const { cost, nodes } = queryCost(githubGraphqlSchema(), prepared.document, variables ?? {}, operationName);
  if (nodes > MAX_NODES) {
    return { status: 200, body: { errors: [{ type: 'MAX_NODE_LIMIT_EXCEEDED', message: `This query asks for up to ${nodes.toLocaleString('en-US')} possible nodes, over the limit of ${MAX_NODES.toLocaleString('en-US')}.` }] } };
  }
  const charged = caller.charge(cost);
  if (charged.exceeded) return { status: 200, body: { errors: [{ type: 'RATE_LIMITED', message: `API rate limit exceeded for ${charged.who}.` }] } };
  const tips = new Map<SimRepo, Promise<Map<string, string>>>();
  const tip = async (repo: SimRepo, branch: string) => {
    let branches = tips.get(repo);
    if (!branches) tips.set(repo, (branches = repo.git.branches()));
    return (await branches).get(branch);
  };
  const context: GraphqlContext = { world: caller.world, identity: caller.identity, rate: charged.rate, cost, tip };
  const result = await execute({
    schema: githubGraphqlSchema(),
    document: prepared.document,
    rootValue: rootValue(context),
    contextValue: context,
    variableValues: variables,
    operationName,
    fieldResolver,
    typeResolver,
  });
  const body: { data?: unknown; errors?: Json[] } = {};
  if (result.errors?.length) {
    body.errors = result.errors.map((error) => {
      const json: Json = { message: error.message, locations: error.locations, path: error.path };
      const original = error.originalError;
      if (original instanceof GithubGraphqlError) json.type = original.githubType;
      return json;
    });
  }
  body.data = result.data ?? null;
  return { status: 200, body };
}

const fieldResolver: GraphQLFieldResolver<unknown, GraphqlContext> = (source, args, context, info) => {
  const holder = source as Record<string, unknown> | null | undefined;
  const value = holder?.[info.fieldName];
  if (typeof value === 'function') return (value as (a: Args, c: GraphqlContext) => unknown).call(holder, args, context);
  if (value === undefined) {
    if (isNonNullType(info.returnType)) {
      throw new GraphQLError(`The GitHub simulator does not model ${info.parentType.name}.${info.fieldName} (${String(getNullableType(info.returnType))}!)`);
    }
    return null;
  }
  return value;
};

const typeResolver: GraphQLTypeResolver<unknown, GraphqlContext> = (value) => (value as { __typename?: string } | null)?.__typename;

// ---- connections ------------------------------------------------------------------

function cursorOf(index: number): string {
  return Buffer.from(`cursor:v2:${index}`).toString('base64');
}

function indexOf(cursor: unknown): number | undefined {
  if (typeof cursor !== 'string') return undefined;
  const match = /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

/** GitHub's cursor connection rules: `first` or `last` is required, at most 100. */
function connection<T>(name: string, items: readonly T[], args: Args, toNode: (item: T) => unknown): Json {
  const first = typeof args.first === 'number' ? args.first : undefined;
  const last = typeof args.last === 'number' ? args.last : undefined;
  if (first === undefined && last === undefined) throw new GraphQLError(`You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`);
  for (const [label, n] of [['first', first], ['last', last]] as const) {
    if (n !== undefined && n > 100) throw new GraphQLError(`Requesting ${n} records on the \`${name}\` connection exceeds the \`${label}\` limit of 100 records.`);
    if (n !== undefined && n < 0) throw new GraphQLError(`\`${label}\` on the \`${name}\` connection cannot be less than zero.`);
  }
  let start = 0;
  let end = items.length;
  const after = indexOf(args.after);
  const before = indexOf(args.before);
  if (after !== undefined) start = Math.max(start, after + 1);
  if (before !== undefined) end = Math.min(end, before);
  if (first !== undefined) end = Math.min(end, start + first);
  if (last !== undefined) start = Math.max(start, end - last);
  const edges = [];
  for (let i = start; i < end; i++) edges.push({ cursor: cursorOf(i), node: toNode(items[i]!) });
  return {
    totalCount: items.length,
    nodes: edges.map((e) => e.node),
    edges,
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

// ---- node builders ------------------------------------------------------------------

function upper(value: string | null | undefined): string | null {
  return value ? value.toUpperCase() : null;
}

function accountNode(world: World, login: string | null | undefined): Json | null {
  if (!login) return null;
  const account: SimAccount = world.state.account(login) ?? world.state.ensureAccount(login);
  const html = world.render.urls.html;
  const typename = account.type === 'Bot' ? 'Bot' : account.type === 'Organization' ? 'Organization' : 'User';
  return {
    __typename: typename,
    id: account.nodeId,
    databaseId: account.id,
    // GraphQL names a bot by its slug, without REST's "[bot]".
    login: account.type === 'Bot' ? account.login.replace(/\[bot\]$/, '') : account.login,
    name: account.name,
    email: account.email ?? '',
    url: account.type === 'Bot' ? `${html}/apps/${account.login.replace(/\[bot\]$/, '')}` : `${html}/${account.login}`,
    avatarUrl: `${html}/avatars/u/${account.id}?v=4`,
    resourcePath: `/${account.login}`,
  };
}

function labelNode(world: World, repo: SimRepo, label: SimLabel): Json {
  return {
    __typename: 'Label',
    id: label.nodeId,
    name: label.name,
    color: label.color,
    description: label.description,
    isDefault: label.isDefault,
    url: `${world.render.urls.html}/${repo.owner}/${repo.name}/labels/${encodeURIComponent(label.name)}`,
  };
}

function labelsConnection(world: World, repo: SimRepo, names: readonly string[]) {
  const labels = names.map((n) => repo.labels.get(n.toLowerCase())).filter((l): l is SimLabel => !!l);
  return (args: Args) => connection('labels', labels, args, (l) => labelNode(world, repo, l));
}

function assigneesConnection(world: World, logins: readonly string[]) {
  return (args: Args) => connection('assignees', logins, args, (login) => accountNode(world, login));
}

function issueCommentNode(world: World, repo: SimRepo, comment: SimIssueComment): Json {
  const rest = world.render.issueComment(repo, comment);
  return {
    __typename: 'IssueComment',
    id: comment.nodeId,
    databaseId: comment.id,
    body: comment.body,
    bodyText: comment.body,
    author: accountNode(world, comment.user),
    authorAssociation: rest.author_association,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    url: rest.html_url,
    isMinimized: false,
    viewerDidAuthor: false,
  };
}

function commonIssueFields(world: World, repo: SimRepo, issue: SimIssue): Json {
  const rest = world.render.issue(repo, issue);
  return {
    id: issue.pull ? issue.pull.nodeId : issue.nodeId,
    databaseId: issue.pull ? issue.pull.id : issue.id,
    number: issue.number,
    title: issue.title,
    body: issue.body ?? '',
    bodyText: issue.body ?? '',
    url: rest.html_url,
    resourcePath: new URL(String(rest.html_url)).pathname,
    author: accountNode(world, issue.user),
    authorAssociation: rest.author_association,
    createdAt: issue.createdAt,
    updatedAt: issue.updatedAt,
    closed: issue.state === 'closed',
    closedAt: issue.closedAt,
    locked: issue.locked,
    labels: labelsConnection(world, repo, issue.labels),
    assignees: assigneesConnection(world, issue.assignees),
    comments: (args: Args) => connection('comments', issue.comments, args, (c) => issueCommentNode(world, repo, c)),
    repository: () => repositoryNode(world, repo),
  };
}

function issueNode(world: World, repo: SimRepo, issue: SimIssue): Json {
  return {
    ...commonIssueFields(world, repo, issue),
    __typename: 'Issue',
    state: upper(issue.state),
    stateReason: upper(issue.stateReason),
  };
}

function checkSuiteNode(world: World, repo: SimRepo, suite: SimCheckSuite): Json {
  const app = world.state.apps.get(suite.appId)!;
  return {
    __typename: 'CheckSuite',
    id: suite.nodeId,
    databaseId: suite.id,
    status: upper(suite.status),
    conclusion: upper(suite.conclusion),
    createdAt: suite.createdAt,
    updatedAt: suite.updatedAt,
    app: { __typename: 'App', id: app.nodeId, databaseId: app.id, name: app.name, slug: app.slug, url: `${world.render.urls.html}/apps/${app.slug}` },
    checkRuns: (args: Args) => connection('checkRuns', repo.checkRuns.filter((r) => r.suiteId === suite.id), args, (r) => checkRunNode(world, repo, r)),
    commit: () => commitNode(world, repo, suite.headSha),
    repository: () => repositoryNode(world, repo),
  };
}

/** Contexts branch protection requires for the PR's base (or the default branch). */
function requiredContexts(repo: SimRepo, pullNumber: unknown): Set<string> {
  const issue = typeof pullNumber === 'number' ? repo.issues.get(pullNumber) : undefined;
  const branch = issue?.pull?.baseRef ?? repo.defaultBranch;
  return new Set(repo.protection.get(branch)?.requiredStatusChecks ?? []);
}

function checkRunNode(world: World, repo: SimRepo, run: SimCheckRun): Json {
  const html = `${world.render.urls.html}/${repo.owner}/${repo.name}/runs/${run.id}`;
  return {
    __typename: 'CheckRun',
    id: run.nodeId,
    databaseId: run.id,
    name: run.name,
    status: upper(run.status),
    conclusion: upper(run.conclusion),
    detailsUrl: run.detailsUrl ?? html,
    url: html,
    permalink: html,
    resourcePath: new URL(html).pathname,
    externalId: run.externalId,
    startedAt: run.startedAt,
    completedAt: run.completedAt,
    title: run.output.title,
    summary: run.output.summary,
    text: run.output.text,
    isRequired: (args: Args) => requiredContexts(repo, args.pullRequestNumber).has(run.name),
    checkSuite: () => checkSuiteNode(world, repo, repo.checkSuites.find((s) => s.id === run.suiteId)!),
    repository: () => repositoryNode(world, repo),
  };
}

function statusContextNode(world: World, repo: SimRepo, status: SimStatus): Json {
  return {
    __typename: 'StatusContext',
    id: status.nodeId,
    context: status.context,
    state: upper(status.state),
    targetUrl: status.targetUrl,
    description: status.description,
    createdAt: status.createdAt,
    creator: accountNode(world, status.creator),
    avatarUrl: world.render.user(status.creator).avatar_url,
    isRequired: (args: Args) => requiredContexts(repo, args.pullRequestNumber).has(status.context),
    commit: () => commitNode(world, repo, status.sha),
  };
}

function commitNode(world: World, repo: SimRepo, sha: string): Json {
  const html = `${world.render.urls.html}/${repo.owner}/${repo.name}/commit/${sha}`;
  const info = () => repo.git.commitInfo(sha);
  return {
    __typename: 'Commit',
    id: makeCommitNodeId(sha),
    oid: sha,
    abbreviatedOid: sha.slice(0, 7),
    url: html,
    commitUrl: html,
    resourcePath: new URL(html).pathname,
    message: async () => (await info()).message.replace(/\n$/, ''),
    messageHeadline: async () => (await info()).message.split('\n')[0],
    messageBody: async () => (await info()).message.split('\n').slice(1).join('\n').trim(),
    committedDate: async () => (await info()).committer.date,
    authoredDate: async () => (await info()).author.date,
    pushedDate: async () => (await info()).committer.date,
    statusCheckRollup: () => {
      const { runs, statuses } = world.latestChecks(repo, sha);
      if (runs.length === 0 && statuses.length === 0) return null;
      const contexts: Json[] = [...runs.map((r) => checkRunNode(world, repo, r)), ...statuses.map((s) => statusContextNode(world, repo, s))];
      return {
        __typename: 'StatusCheckRollup',
        id: `SCR_${sha}`,
        state: world.rollupState(repo, sha),
        contexts: (args: Args) => connection('contexts', contexts, args, (c) => c),
        commit: () => commitNode(world, repo, sha),
      };
    },
    status: () => {
      const { statuses } = world.latestChecks(repo, sha);
      if (statuses.length === 0) return null;
      const state = world.combinedState(statuses);
      return {
        __typename: 'Status',
        id: `S_${sha}`,
        state: upper(state),
        contexts: statuses.map((s) => statusContextNode(world, repo, s)),
        context: (args: Args) => {
          const found = statuses.find((s) => s.context === args.name);
          return found ? statusContextNode(world, repo, found) : null;
        },
        commit: () => commitNode(world, repo, sha),
      };
    },
    checkSuites: (args: Args) => connection('checkSuites', repo.checkSuites.filter((s) => s.headSha === sha), args, (s) => checkSuiteNode(world, repo, s)),
    repository: () => repositoryNode(world, repo),
  };
}

function reviewNode(world: World, repo: SimRepo, issue: WithPull, review: SimReview): Json {
  const rest = world.render.review(repo, issue, review);
  return {
    __typename: 'PullRequestReview',
    id: review.nodeId,
    databaseId: review.id,
    state: review.state,
    body: review.body,
    bodyText: review.body,
    author: accountNode(world, review.user),
    authorAssociation: rest.author_association,
    submittedAt: review.submittedAt,
    createdAt: review.submittedAt ?? issue.createdAt,
    updatedAt: review.submittedAt ?? issue.createdAt,
    url: rest.html_url,
    commit: () => commitNode(world, repo, review.commitId),
    comments: (args: Args) => connection('comments', issue.pull.reviewComments.filter((c) => c.reviewId === review.id), args, (c) => reviewCommentNode(world, repo, issue, c)),
    pullRequest: () => pullRequestNode(world, repo, issue),
  };
}

function reviewCommentNode(world: World, repo: SimRepo, issue: WithPull, comment: SimReviewComment): Json {
  const rest = world.render.reviewComment(repo, issue, comment);
  const review = issue.pull.reviews.find((r) => r.id === comment.reviewId);
  return {
    __typename: 'PullRequestReviewComment',
    id: comment.nodeId,
    databaseId: comment.id,
    body: comment.body,
    bodyText: comment.body,
    author: accountNode(world, comment.user),
    authorAssociation: rest.author_association,
    url: rest.html_url,
    path: comment.path,
    line: comment.line,
    originalLine: comment.line,
    startLine: comment.startLine,
    originalStartLine: comment.startLine,
    diffHunk: comment.diffHunk,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    publishedAt: comment.createdAt,
    // Outdated-ness (the commented line changed since) is not modelled.
    outdated: false,
    state: review?.state === 'PENDING' ? 'PENDING' : 'SUBMITTED',
    isMinimized: false,
    replyTo: () => {
      const parent = issue.pull.reviewComments.find((c) => c.id === comment.inReplyToId);
      return parent ? reviewCommentNode(world, repo, issue, parent) : null;
    },
    pullRequestReview: () => (review ? reviewNode(world, repo, issue, review) : null),
    commit: () => commitNode(world, repo, comment.commitId),
    originalCommit: () => commitNode(world, repo, comment.originalCommitId),
    pullRequest: () => pullRequestNode(world, repo, issue),
  };
}

function threadNode(world: World, repo: SimRepo, issue: WithPull, thread: SimReviewThread): Json {
  const comments = thread.commentIds.map((id) => issue.pull.reviewComments.find((c) => c.id === id)!).filter(Boolean);
  const first = comments[0];
  return {
    __typename: 'PullRequestReviewThread',
    id: thread.nodeId,
    isResolved: thread.isResolved,
    isOutdated: false,
    isCollapsed: thread.isResolved,
    path: thread.path,
    line: thread.line,
    originalLine: thread.line,
    startLine: first?.startLine ?? null,
    originalStartLine: first?.startLine ?? null,
    diffSide: first?.side ?? 'RIGHT',
    startDiffSide: first?.startLine ? first.side : null,
    subjectType: thread.line === null ? 'FILE' : 'LINE',
    resolvedBy: accountNode(world, thread.resolvedBy),
    viewerCanResolve: true,
    viewerCanUnresolve: true,
    viewerCanReply: true,
    comments: (args: Args) => connection('comments', comments, args, (c) => reviewCommentNode(world, repo, issue, c)),
    pullRequest: () => pullRequestNode(world, repo, issue),
    repository: () => repositoryNode(world, repo),
  };
}

function pullRequestNode(world: World, repo: SimRepo, issue: WithPull): Json {
  const pull = issue.pull;
  let factsPromise: ReturnType<World['pullFacts']> | undefined;
  // Branch tips are read once per query (GraphqlContext.tip), not once per PR.
  const facts = (ctx: GraphqlContext) => (factsPromise ??= world.pullFacts(repo, issue, (branch) => ctx.tip(repo, branch)));
  const html = `${world.render.urls.html}/${repo.owner}/${repo.name}/pull/${issue.number}`;
  return {
    ...commonIssueFields(world, repo, issue),
    __typename: 'PullRequest',
    url: html,
    permalink: html,
    state: pull.merged ? 'MERGED' : upper(issue.state),
    isDraft: pull.draft,
    merged: pull.merged,
    mergedAt: pull.mergedAt,
    mergedBy: accountNode(world, pull.mergedBy),
    headRefName: pull.headRef,
    headRefOid: pull.headSha,
    baseRefName: pull.baseRef,
    baseRefOid: pull.baseSha,
    isCrossRepository: false,
    maintainerCanModify: pull.maintainerCanModify,
    headRepository: () => repositoryNode(world, repo),
    baseRepository: () => repositoryNode(world, repo),
    headRepositoryOwner: () => accountNode(world, repo.owner),
    headRef: () => refNode(world, repo, pull.headRef),
    baseRef: () => refNode(world, repo, pull.baseRef),
    mergeCommit: () => (pull.mergeCommitSha ? commitNode(world, repo, pull.mergeCommitSha) : null),
    additions: async (_args: Args, ctx: GraphqlContext) => (await facts(ctx)).additions,
    deletions: async (_args: Args, ctx: GraphqlContext) => (await facts(ctx)).deletions,
    changedFiles: async (_args: Args, ctx: GraphqlContext) => (await facts(ctx)).changedFiles,
    mergeable: async (_args: Args, ctx: GraphqlContext) => {
      const f = await facts(ctx);
      return f.mergeable === null ? 'UNKNOWN' : f.mergeable ? 'MERGEABLE' : 'CONFLICTING';
    },
    mergeStateStatus: async (_args: Args, ctx: GraphqlContext) => (await facts(ctx)).mergeableState.toUpperCase(),
    reviewDecision: () => world.reviewDecision(repo, issue),
    totalCommentsCount: issue.comments.length + pull.reviewComments.length,
    reviewRequests: (args: Args) =>
      connection('reviewRequests', pull.requestedReviewers, args, (login) => ({ __typename: 'ReviewRequest', id: `RR_${pull.id}_${login}`, asCodeOwner: false, requestedReviewer: accountNode(world, login) })),
    reviews: (args: Args) => {
      const states = Array.isArray(args.states) ? (args.states as string[]) : undefined;
      const author = typeof args.author === 'string' ? args.author.toLowerCase() : undefined;
      const list = pull.reviews.filter((r) => r.state !== 'PENDING' && (!states || states.includes(r.state)) && (!author || r.user.toLowerCase() === author));
      return connection('reviews', list, args, (r) => reviewNode(world, repo, issue, r));
    },
    latestReviews: (args: Args) => connection('latestReviews', [...world.latestReviews(pull).values()], args, (r) => reviewNode(world, repo, issue, r)),
    // Each reviewer's latest approving, change-requesting (or dismissed) review; writersOnly keeps reviewers with write access.
    latestOpinionatedReviews: (args: Args) => {
      const reviews = [...world.latestReviews(pull).values()].filter((r) => args.writersOnly !== true || permissionAtLeast(world.state.permissionOf(repo, r.user), 'write'));
      return connection('latestOpinionatedReviews', reviews, args, (r) => reviewNode(world, repo, issue, r));
    },
    reviewThreads: (args: Args) => connection('reviewThreads', pull.threads, args, (t) => threadNode(world, repo, issue, t)),
    commits: async (args: Args, ctx: GraphqlContext) => {
      const shas = await repo.git.commitsBetween(pull.merged ? pull.baseSha : ((await ctx.tip(repo, pull.baseRef)) ?? pull.baseSha), pull.headSha);
      return connection('commits', shas, args, (sha) => ({
        __typename: 'PullRequestCommit',
        id: `PRC_${pull.id}_${sha}`,
        url: `${html}/commits/${sha}`,
        commit: commitNode(world, repo, sha),
        pullRequest: () => pullRequestNode(world, repo, issue),
      }));
    },
  };
}

function refNode(world: World, repo: SimRepo, branch: string): Promise<Json | null> {
  return repo.git.resolveCommit(`refs/heads/${branch}`).then((sha) =>
    sha
      ? {
          __typename: 'Ref',
          id: `REF_${repo.id}_${branch}`,
          name: branch,
          prefix: 'refs/heads/',
          target: commitNode(world, repo, sha),
          repository: () => repositoryNode(world, repo),
        }
      : null,
  );
}

function viewerPermission(world: World, repo: SimRepo, identity: Identity): string | null {
  if (identity.kind === 'installation') return 'WRITE';
  if (identity.kind === 'user') {
    const permission = world.state.permissionOf(repo, identity.login);
    return permission === 'none' ? null : permission.toUpperCase();
  }
  return null;
}

function repositoryNode(world: World, repo: SimRepo): Json {
  const html = `${world.render.urls.html}/${repo.owner}/${repo.name}`;
  const pulls = () => [...repo.issues.values()].filter((i): i is WithPull => !!i.pull);
  const stateOf = (issue: WithPull) => (issue.pull.merged ? 'MERGED' : issue.state.toUpperCase());
  return {
    __typename: 'Repository',
    id: repo.nodeId,
    databaseId: repo.id,
    name: repo.name,
    nameWithOwner: `${repo.owner}/${repo.name}`,
    owner: accountNode(world, repo.owner),
    description: repo.description,
    url: html,
    resourcePath: `/${repo.owner}/${repo.name}`,
    isPrivate: repo.isPrivate,
    isArchived: false,
    isFork: false,
    visibility: repo.isPrivate ? 'PRIVATE' : 'PUBLIC',
    createdAt: repo.createdAt,
    updatedAt: repo.updatedAt,
    pushedAt: repo.pushedAt,
    viewerPermission: (_args: Args, ctx: GraphqlContext) => viewerPermission(world, repo, ctx.identity),
    defaultBranchRef: () => refNode(world, repo, repo.defaultBranch),
    ref: (args: Args) => refNode(world, repo, String(args.qualifiedName).replace(/^refs\/heads\//, '')),
    pullRequest: (args: Args) => {
      const issue = repo.issues.get(Number(args.number));
      if (!issue?.pull) throw new GithubGraphqlError(`Could not resolve to a PullRequest with the number of ${String(args.number)}.`, 'NOT_FOUND');
      return pullRequestNode(world, repo, issue as WithPull);
    },
    pullRequests: (args: Args) => {
      const states = Array.isArray(args.states) ? (args.states as string[]) : undefined;
      const labels = Array.isArray(args.labels) ? (args.labels as string[]).map((l) => l.toLowerCase()) : undefined;
      const list = pulls().filter(
        (issue) =>
          (!states || states.includes(stateOf(issue))) &&
          (typeof args.headRefName !== 'string' || issue.pull.headRef === args.headRefName) &&
          (typeof args.baseRefName !== 'string' || issue.pull.baseRef === args.baseRefName) &&
          (!labels || labels.some((l) => issue.labels.some((x) => x.toLowerCase() === l))),
      );
      const order = args.orderBy as { field?: string; direction?: string } | undefined;
      const sorted = [...list].sort((a, b) => {
        const key = order?.field === 'UPDATED_AT' ? 'updatedAt' : 'createdAt';
        const cmp = a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : a.number - b.number;
        return order?.direction === 'DESC' ? -cmp : cmp;
      });
      return connection('pullRequests', sorted, args, (issue) => pullRequestNode(world, repo, issue));
    },
    issue: (args: Args) => {
      const issue = repo.issues.get(Number(args.number));
      if (!issue || issue.pull) throw new GithubGraphqlError(`Could not resolve to an Issue with the number of ${String(args.number)}.`, 'NOT_FOUND');
      return issueNode(world, repo, issue);
    },
    issueOrPullRequest: (args: Args) => {
      const issue = repo.issues.get(Number(args.number));
      if (!issue) throw new GithubGraphqlError(`Could not resolve to an issue or pull request with the number of ${String(args.number)}.`, 'NOT_FOUND');
      return issue.pull ? pullRequestNode(world, repo, issue as WithPull) : issueNode(world, repo, issue);
    },
    issues: (args: Args) => {
      const states = Array.isArray(args.states) ? (args.states as string[]) : undefined;
      const labels = Array.isArray(args.labels) ? (args.labels as string[]).map((l) => l.toLowerCase()) : undefined;
      const list = [...repo.issues.values()].filter(
        (issue) => !issue.pull && (!states || states.includes(issue.state.toUpperCase())) && (!labels || labels.some((l) => issue.labels.some((x) => x.toLowerCase() === l))),
      );
      return connection('issues', list, args, (issue) => issueNode(world, repo, issue));
    },
    labels: (args: Args) => connection('labels', [...repo.labels.values()], args, (l) => labelNode(world, repo, l)),
    label: (args: Args) => {
      const label = repo.labels.get(String(args.name).toLowerCase());
      return label ? labelNode(world, repo, label) : null;
    },
  };
}

function canSee(world: World, identity: Identity, repo: SimRepo): boolean {
  if (!repo.isPrivate) return true;
  if (identity.kind === 'installation') return tokenCovers(identity, world.state.installations.get(identity.installationId)?.account, repo);
  if (identity.kind === 'user') return world.state.permissionOf(repo, identity.login) !== 'none';
  return false;
}

function actorLogin(identity: Identity): string {
  if (identity.kind === 'user' || identity.kind === 'installation') return identity.login;
  throw new GithubGraphqlError('Resource not accessible by integration', 'FORBIDDEN');
}

function findNode(world: World, id: string): Json | null {
  for (const repo of world.state.repos.values()) {
    if (repo.nodeId === id) return repositoryNode(world, repo);
    for (const issue of repo.issues.values()) {
      if (issue.pull?.nodeId === id) return pullRequestNode(world, repo, issue as WithPull);
      if (issue.nodeId === id) return issue.pull ? pullRequestNode(world, repo, issue as WithPull) : issueNode(world, repo, issue);
      const comment = issue.comments.find((c) => c.nodeId === id);
      if (comment) return issueCommentNode(world, repo, comment);
      const thread = issue.pull?.threads.find((t) => t.nodeId === id);
      if (thread) return threadNode(world, repo, issue as WithPull, thread);
    }
  }
  return null;
}

function rootValue(context: GraphqlContext): Json {
  const { world, identity } = context;
  const pullByNodeId = (id: unknown) => {
    for (const repo of world.state.repos.values()) {
      for (const issue of repo.issues.values()) if (issue.pull && (issue.pull.nodeId === id || issue.nodeId === id)) return { repo, issue: issue as WithPull };
    }
    throw new GithubGraphqlError(`Could not resolve to a node with the global id of '${String(id)}'`, 'NOT_FOUND');
  };
  return {
    // ---- Query
    repository: (args: Args) => {
      const repo = world.state.repo(String(args.owner), String(args.name));
      if (!repo || !canSee(world, identity, repo)) throw new GithubGraphqlError(`Could not resolve to a Repository with the name '${String(args.owner)}/${String(args.name)}'.`, 'NOT_FOUND');
      return repositoryNode(world, repo);
    },
    // `viewer` is a User; for an installation token GitHub answers with the app's bot under its REST name (`slug[bot]`).
    viewer: () => {
      const node = accountNode(world, actorLogin(identity));
      return identity.kind === 'installation' && node ? { ...node, __typename: 'User', login: identity.login } : node;
    },
    user: (args: Args) => {
      const account = world.state.account(String(args.login));
      return account && account.type === 'User' ? accountNode(world, account.login) : null;
    },
    node: (args: Args) => findNode(world, String(args.id)),
    nodes: (args: Args) => (args.ids as string[]).map((id) => findNode(world, id)),
    rateLimit: () => ({ __typename: 'RateLimit', cost: context.cost, limit: context.rate.limit, nodeCount: 0, remaining: context.rate.remaining, resetAt: context.rate.resetAt, used: context.rate.used }),

    // ---- Mutation
    resolveReviewThread: async (args: Args) => {
      const input = args.input as { threadId: string; clientMutationId?: string };
      const { repo, issue, thread } = await world.setThreadResolved(input.threadId, actorLogin(identity), true);
      return { clientMutationId: input.clientMutationId ?? null, thread: threadNode(world, repo, issue, thread) };
    },
    unresolveReviewThread: async (args: Args) => {
      const input = args.input as { threadId: string; clientMutationId?: string };
      const { repo, issue, thread } = await world.setThreadResolved(input.threadId, actorLogin(identity), false);
      return { clientMutationId: input.clientMutationId ?? null, thread: threadNode(world, repo, issue, thread) };
    },
    markPullRequestReadyForReview: async (args: Args) => {
      const input = args.input as { pullRequestId: string; clientMutationId?: string };
      const { repo, issue } = pullByNodeId(input.pullRequestId);
      await world.markReadyForReview(repo, issue, actorLogin(identity));
      return { clientMutationId: input.clientMutationId ?? null, pullRequest: pullRequestNode(world, repo, issue) };
    },
    convertPullRequestToDraft: async (args: Args) => {
      const input = args.input as { pullRequestId: string; clientMutationId?: string };
      const { repo, issue } = pullByNodeId(input.pullRequestId);
      await world.convertToDraft(repo, issue, actorLogin(identity));
      return { clientMutationId: input.clientMutationId ?? null, pullRequest: pullRequestNode(world, repo, issue) };
    },
    addComment: async (args: Args) => {
      const input = args.input as { subjectId: string; body: string; clientMutationId?: string };
      for (const repo of world.state.repos.values()) {
        for (const issue of repo.issues.values()) {
          if (issue.nodeId !== input.subjectId && issue.pull?.nodeId !== input.subjectId) continue;
          const viaApp = identity.kind === 'installation' ? identity.appId : undefined;
          const comment = await world.createComment(repo, issue, actorLogin(identity), input.body, viaApp);
          const node = issueCommentNode(world, repo, comment);
          const subject = issue.pull ? pullRequestNode(world, repo, issue as WithPull) : issueNode(world, repo, issue);
          return { clientMutationId: input.clientMutationId ?? null, commentEdge: { cursor: cursorOf(issue.comments.length - 1), node }, subject, timelineEdge: { cursor: cursorOf(0), node } };
        }
      }
      throw new GithubGraphqlError(`Could not resolve to a node with the global id of '${input.subjectId}'`, 'NOT_FOUND');
    },
  };
}
