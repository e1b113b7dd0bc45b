// The REST routes, keyed by GitHub's own path templates (the conformance
// tests check each template exists in GitHub's OpenAPI description).

import { ApiError, forbiddenForIntegration, missingField, notFound, validationFailed } from './errors.js';
import { tokenCovers, tokenGrant, type AuthRegistry, type Identity } from './auth.js';
import { permissionAtLeast, type CheckConclusion, type CheckStatus, type Permission, type SimIssue, type SimPull, type SimReaction, type SimRepo } from './model.js';
import type { World } from './world.js';

type Json = Record<string, unknown>;

export interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Send `body` as this content type instead of JSON (raw file contents). */
  readonly rawContentType?: string;
}

export class RouteContext {
  constructor(
    readonly world: World,
    readonly auth: AuthRegistry,
    readonly identity: Identity,
    readonly params: Record<string, string>,
    readonly query: Record<string, string>,
    readonly body: Json,
    readonly headers: Record<string, string | undefined>,
    /** Absolute URL of this request, for Link headers. */
    readonly requestUrl: URL,
    private readonly autoSync: boolean,
  ) {}

  /** The login acting (a user or the app's bot); anonymous callers cannot write. */
  actor(): string {
    if (this.identity.kind === 'user' || this.identity.kind === 'installation') return this.identity.login;
    if (this.identity.kind === 'app') throw new ApiError(403, 'Resource not accessible by integration');
    throw new ApiError(401, 'Requires authentication');
  }

  appIdForChecks(): number {
    if (this.identity.kind === 'installation') return this.identity.appId;
    if (this.identity.kind === 'anonymous') throw new ApiError(401, 'Requires authentication');
    throw new ApiError(403, 'You must authenticate via a GitHub App.');
  }

  requireApp(): number {
    if (this.identity.kind !== 'app') throw new ApiError(401, 'A JSON web token could not be decoded');
    return this.identity.appId;
  }

  /**
   * The repo in the path, checked for access. `need` is the role a user must
   * have; `scope` the app permission an installation must have.
   */
  async repo(need: Permission = 'read', scope: [string, 'read' | 'write'] = ['metadata', 'read']): Promise<SimRepo> {
    const repo = this.world.state.repo(this.params.owner!, this.params.repo!);
    if (!repo) throw notFound();
    const identity = this.identity;
    if (identity.kind === 'anonymous') {
      if (repo.isPrivate) throw notFound();
      if (need !== 'read' || scope[1] === 'write') throw new ApiError(401, 'Requires authentication');
    } else if (identity.kind === 'app') {
      throw forbiddenForIntegration();
    } else if (identity.kind === 'installation') {
      const installation = this.world.state.installations.get(identity.installationId)!;
      if (!tokenCovers(identity, installation.account, repo)) {
        if (repo.isPrivate) throw notFound();
        if (scope[1] === 'write') throw forbiddenForIntegration();
      }
      const app = this.world.state.apps.get(identity.appId)!;
      const granted = tokenGrant(identity, app.permissions, scope[0]);
      if (scope[0] !== 'metadata' && (!granted || (scope[1] === 'write' && granted !== 'write'))) throw forbiddenForIntegration();
    } else {
      const permission = this.world.state.permissionOf(repo, identity.login);
      if (permission === 'none') throw notFound();
      if (!permissionAtLeast(permission, need)) {
        throw new ApiError(403, need === 'admin' ? 'Must have admin rights to Repository.' : `Must have ${need === 'read' ? 'pull' : need === 'write' ? 'push' : need} access to repository`);
      }
    }
    if (this.autoSync) await this.world.syncRefs(repo);
    return repo;
  }

  /** The caller's role on a repo (installations act with write). */
  roleOn(repo: SimRepo): Permission | 'none' {
    if (this.identity.kind === 'installation') return 'write';
    if (this.identity.kind === 'user') return this.world.state.permissionOf(repo, this.identity.login);
    return repo.isPrivate ? 'none' : 'read';
  }

  numberParam(name: string): number {
    const value = Number(this.params[name]);
    if (!Number.isInteger(value) || value <= 0) throw notFound();
    return value;
  }

  /** One page of `items` and GitHub's Link header for the others. */
  paginate<T>(items: readonly T[]): { page: T[]; headers: Record<string, string> } {
    const perPage = Math.min(Math.max(Number(this.query.per_page) || 30, 1), 100);
    const page = Math.max(Number(this.query.page) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const link = (n: number) => {
      const url = new URL(this.requestUrl);
      url.searchParams.set('per_page', String(perPage));
      url.searchParams.set('page', String(n));
      return `<${url.toString()}>`;
    };
    const parts: string[] = [];
    if (page > 1) parts.push(`${link(page - 1)}; rel="prev"`);
    if (page < last) parts.push(`${link(page + 1)}; rel="next"`);
    if (page < last) parts.push(`${link(last)}; rel="last"`);
    if (page > 1) parts.push(`${link(1)}; rel="first"`);
    return { page: slice, headers: parts.length > 0 ? { link: parts.join(', ') } : {} };
  }

  string(name: string): string | undefined {
    const value = this.body[name];
    return typeof value === 'string' ? value : undefined;
  }

  stringList(name: string): string[] | undefined {
    const value = this.body[name];
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw validationFailed([{ resource: 'Issue', field: name, code: 'invalid' }]);
    return value.map((item) => (typeof item === 'object' && item && 'name' in item ? String((item as Json).name) : String(item)));
  }
}

export type Handler = (ctx: RouteContext) => Promise<RouteResult>;
export interface RouteDefinition {
  readonly method: string;
  readonly template: string;
  readonly handler: Handler;
}

const ok = (body: unknown, headers?: Record<string, string>): RouteResult => ({ status: 200, body, ...(headers ? { headers } : {}) });
const created = (body: unknown): RouteResult => ({ status: 201, body });
const noContent = (): RouteResult => ({ status: 204 });

function sortIssues(list: SimIssue[], sort: string | undefined, direction: string | undefined): SimIssue[] {
  const key = sort === 'updated' ? 'updatedAt' : sort === 'comments' ? 'comments' : 'createdAt';
  const sign = direction === 'asc' ? 1 : -1;
  return [...list].sort((a, b) => {
    const va = key === 'comments' ? a.comments.length : a[key];
    const vb = key === 'comments' ? b.comments.length : b[key];
    if (va === vb) return sign * (a.number - b.number);
    return va < vb ? -sign : sign;
  });
}

async function pullJson(ctx: RouteContext, repo: SimRepo, issue: SimIssue & { pull: SimPull }): Promise<Json> {
  return ctx.world.render.pullRequest(repo, issue, await ctx.world.pullFacts(repo, issue));
}

async function resolveRef(repo: SimRepo, ref: string): Promise<string> {
  const sha = await repo.git.resolveCommit(ref);
  if (!sha) throw new ApiError(422, `No commit found for SHA: ${ref}`);
  return sha;
}

function checkStatus(value: unknown): CheckStatus | undefined {
  return typeof value === 'string' ? (value as CheckStatus) : undefined;
}

export function restRoutes(): RouteDefinition[] {
  const routes: RouteDefinition[] = [];
  const route = (method: string, template: string, handler: Handler) => routes.push({ method, template, handler });

  // ---- apps and installations -------------------------------------------------

  route('GET', '/app', async (ctx) => {
    const appId = ctx.identity.kind === 'installation' ? ctx.identity.appId : ctx.requireApp();
    return ok(ctx.world.render.app(ctx.world.state.apps.get(appId)!));
  });

  route('GET', '/app/installations', async (ctx) => {
    const appId = ctx.requireApp();
    const list = [...ctx.world.state.installations.values()].filter((i) => i.appId === appId);
    const { page, headers } = ctx.paginate(list);
    return ok(page.map((i) => ctx.world.render.installation(i)), headers);
  });

  route('GET', '/app/installations/{installation_id}', async (ctx) => {
    const appId = ctx.requireApp();
    const installation = ctx.world.state.installations.get(Number(ctx.params.installation_id));
    if (!installation || installation.appId !== appId) throw notFound();
    return ok(ctx.world.render.installation(installation));
  });

  route('POST', '/app/installations/{installation_id}/access_tokens', async (ctx) => {
    const appId = ctx.requireApp();
    const installation = ctx.world.state.installations.get(Number(ctx.params.installation_id));
    if (!installation || installation.appId !== appId) throw notFound();
    const app = ctx.world.state.apps.get(appId)!;
    // A token may be narrowed to some of the installation's repositories and to fewer permissions, never widened.
    const names = ctx.stringList('repositories');
    const ids = Array.isArray(ctx.body.repository_ids) ? (ctx.body.repository_ids as unknown[]).map(Number) : undefined;
    let selected: SimRepo[] | undefined;
    if (names || ids) {
      const mine = [...ctx.world.state.repos.values()].filter((r) => r.owner.toLowerCase() === installation.account.toLowerCase());
      selected = [];
      for (const name of names ?? []) {
        const repo = mine.find((r) => r.name.toLowerCase() === name.toLowerCase());
        if (!repo) throw new ApiError(422, 'There is at least one repository that does not exist or is not accessible to the parent installation.');
        selected.push(repo);
      }
      for (const id of ids ?? []) {
        const repo = mine.find((r) => r.id === id);
        if (!repo) throw new ApiError(422, 'There is at least one repository that does not exist or is not accessible to the parent installation.');
        if (!selected.includes(repo)) selected.push(repo);
      }
    }
    const asked = ctx.body.permissions && typeof ctx.body.permissions === 'object' ? (ctx.body.permissions as Record<string, unknown>) : undefined;
    let permissions: Record<string, string> | undefined;
    if (asked) {
      permissions = {};
      for (const [scope, level] of Object.entries(asked)) {
        const has = app.permissions[scope];
        if (typeof level !== 'string' || !has || (level === 'write' && has !== 'write') || (level !== 'read' && level !== 'write')) {
          throw new ApiError(422, 'The permissions requested are not granted to this installation.');
        }
        permissions[scope] = level;
      }
      permissions.metadata ??= 'read';
    }
    const { token, expiresAt } = ctx.auth.issueInstallationToken(installation.id, { ...(selected ? { repositories: selected.map((r) => r.name) } : {}), ...(permissions ? { permissions } : {}) });
    return created({
      token,
      expires_at: expiresAt,
      permissions: permissions ?? app.permissions,
      repository_selection: selected ? 'selected' : 'all',
      ...(selected ? { repositories: selected.map((r) => ctx.world.render.repository(r, 'write')) } : {}),
    });
  });

  route('GET', '/repos/{owner}/{repo}/installation', async (ctx) => {
    const appId = ctx.requireApp();
    const repo = ctx.world.requireRepo(ctx.params.owner!, ctx.params.repo!);
    const installation = [...ctx.world.state.installations.values()].find((i) => i.appId === appId && i.account.toLowerCase() === repo.owner.toLowerCase());
    if (!installation) throw notFound();
    return ok(ctx.world.render.installation(installation));
  });

  route('GET', '/installation/repositories', async (ctx) => {
    if (ctx.identity.kind !== 'installation') throw new ApiError(403, 'This endpoint can only be accessed with an installation access token.');
    const identity = ctx.identity;
    const installation = ctx.world.state.installations.get(identity.installationId)!;
    const repos = [...ctx.world.state.repos.values()].filter((r) => tokenCovers(identity, installation.account, r));
    const { page, headers } = ctx.paginate(repos);
    return ok({ total_count: repos.length, repository_selection: identity.repositories ? 'selected' : 'all', repositories: page.map((r) => ctx.world.render.repository(r, 'write')) }, headers);
  });

  // ---- repository ---------------------------------------------------------------

  route('GET', '/repos/{owner}/{repo}', async (ctx) => {
    const repo = await ctx.repo();
    return ok(ctx.world.render.fullRepository(repo, ctx.roleOn(repo)));
  });

  route('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', async (ctx) => {
    const repo = await ctx.repo('read');
    const account = ctx.world.state.account(ctx.params.username!);
    if (!account) throw new ApiError(404, `${ctx.params.username} is not a user`);
    const role = ctx.world.state.permissionOf(repo, account.login);
    // The classic `permission` field folds maintain into write and triage into read.
    const classic = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
    return ok({ permission: classic, role_name: role, user: ctx.world.render.collaborator(account.login, role) });
  });

  route('GET', '/repos/{owner}/{repo}/collaborators/{username}', async (ctx) => {
    const repo = await ctx.repo('read');
    const account = ctx.world.state.account(ctx.params.username!);
    const isCollaborator = account && ctx.world.state.permissionOf(repo, account.login) !== 'none' && (account.login.toLowerCase() === repo.owner.toLowerCase() || repo.permissions.has(account.login.toLowerCase()) || account.defaultPermission);
    if (!isCollaborator) throw notFound();
    return noContent();
  });

  // ---- issues --------------------------------------------------------------------

  route('GET', '/repos/{owner}/{repo}/issues', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'read']);
    const state = ctx.query.state ?? 'open';
    const labels = ctx.query.labels ? ctx.query.labels.split(',').map((l) => l.trim().toLowerCase()) : [];
    const since = ctx.query.since ? Date.parse(ctx.query.since) : undefined;
    let list = [...repo.issues.values()].filter(
      (issue) =>
        (state === 'all' || issue.state === state) &&
        labels.every((l) => issue.labels.some((x) => x.toLowerCase() === l)) &&
        (!ctx.query.creator || issue.user.toLowerCase() === ctx.query.creator.toLowerCase()) &&
        (!ctx.query.assignee ||
          (ctx.query.assignee === 'none' ? issue.assignees.length === 0 : ctx.query.assignee === '*' ? issue.assignees.length > 0 : issue.assignees.some((a) => a.toLowerCase() === ctx.query.assignee!.toLowerCase()))) &&
        (since === undefined || Date.parse(issue.updatedAt) >= since),
    );
    list = sortIssues(list, ctx.query.sort, ctx.query.direction);
    const { page, headers } = ctx.paginate(list);
    return ok(page.map((issue) => ctx.world.render.issue(repo, issue)), headers);
  });

  route('POST', '/repos/{owner}/{repo}/issues', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'write']);
    const triage = permissionAtLeast(ctx.roleOn(repo), 'triage');
    const issue = await ctx.world.createIssue(repo, ctx.actor(), {
      title: ctx.string('title') ?? (typeof ctx.body.title === 'number' ? String(ctx.body.title) : undefined),
      body: ctx.string('body') ?? null,
      // People without triage rights cannot set labels or assignees; GitHub drops them silently.
      labels: triage ? ctx.stringList('labels') : undefined,
      assignees: triage ? [...(ctx.stringList('assignees') ?? []), ...(ctx.string('assignee') ? [ctx.string('assignee')!] : [])] : undefined,
    });
    return created(ctx.world.render.issue(repo, issue));
  });

  route('GET', '/repos/{owner}/{repo}/issues/{issue_number}', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'read']);
    return ok(ctx.world.render.issue(repo, ctx.world.requireIssue(repo, ctx.numberParam('issue_number'))));
  });

  route('PATCH', '/repos/{owner}/{repo}/issues/{issue_number}', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'write']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    const actor = ctx.actor();
    const triage = permissionAtLeast(ctx.roleOn(repo), 'triage');
    const isAuthor = issue.user.toLowerCase() === actor.toLowerCase();
    if (!triage && !isAuthor) throw new ApiError(403, 'Must have triage access to update this issue');
    const state = ctx.string('state');
    if (state !== undefined && state !== 'open' && state !== 'closed') throw validationFailed([{ resource: 'Issue', field: 'state', code: 'invalid', value: state }]);
    const assignees = ctx.stringList('assignees') ?? (ctx.body.assignee === null ? [] : ctx.string('assignee') ? [ctx.string('assignee')!] : undefined);
    await ctx.world.updateIssue(repo, issue, actor, {
      title: ctx.body.title === null ? undefined : ctx.string('title'),
      body: ctx.body.body === null ? null : ctx.string('body'),
      state: state as 'open' | 'closed' | undefined,
      stateReason: (ctx.string('state_reason') as 'completed' | 'not_planned' | undefined) ?? undefined,
      labels: triage ? ctx.stringList('labels') : undefined,
      assignees: triage ? assignees : undefined,
    });
    return ok(ctx.world.render.issue(repo, issue));
  });

  // ---- labels and assignees ----------------------------------------------------------------

  route('GET', '/repos/{owner}/{repo}/labels', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'read']);
    const { page, headers } = ctx.paginate([...repo.labels.values()]);
    return ok(page.map((l) => ctx.world.render.label(repo, l)), headers);
  });

  route('POST', '/repos/{owner}/{repo}/labels', async (ctx) => {
    const repo = await ctx.repo('write', ['issues', 'write']);
    const label = ctx.world.createLabel(repo, { name: ctx.string('name'), color: ctx.string('color'), description: ctx.string('description') ?? null });
    return created(ctx.world.render.label(repo, label));
  });

  route('GET', '/repos/{owner}/{repo}/labels/{name}', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'read']);
    const label = repo.labels.get(ctx.params.name!.toLowerCase());
    if (!label) throw notFound();
    return ok(ctx.world.render.label(repo, label));
  });

  route('GET', '/repos/{owner}/{repo}/issues/{issue_number}/labels', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'read']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    const { page, headers } = ctx.paginate(ctx.world.render.labels(repo, issue.labels));
    return ok(page, headers);
  });

  const labelsFromBody = (ctx: RouteContext): string[] => {
    // Octokit sends `{ labels: [...] }`; GitHub also takes a bare array.
    const raw = Array.isArray(ctx.body) ? ctx.body : ctx.body.labels;
    if (!Array.isArray(raw) || raw.length === 0) throw missingField('Label', 'labels');
    return raw.map((item) => (typeof item === 'object' && item ? String((item as Json).name) : String(item)));
  };

  route('POST', '/repos/{owner}/{repo}/issues/{issue_number}/labels', async (ctx) => {
    const repo = await ctx.repo('triage', ['issues', 'write']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    await ctx.world.addLabels(repo, issue, ctx.actor(), labelsFromBody(ctx));
    return ok(ctx.world.render.labels(repo, issue.labels));
  });

  route('PUT', '/repos/{owner}/{repo}/issues/{issue_number}/labels', async (ctx) => {
    const repo = await ctx.repo('triage', ['issues', 'write']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    const raw = Array.isArray(ctx.body) ? ctx.body : ((ctx.body.labels as unknown[]) ?? []);
    await ctx.world.setLabels(repo, issue, ctx.actor(), raw.map((item) => (typeof item === 'object' && item ? String((item as Json).name) : String(item))));
    return ok(ctx.world.render.labels(repo, issue.labels));
  });

  route('DELETE', '/repos/{owner}/{repo}/issues/{issue_number}/labels', async (ctx) => {
    const repo = await ctx.repo('triage', ['issues', 'write']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    await ctx.world.setLabels(repo, issue, ctx.actor(), []);
    return noContent();
  });

  route('DELETE', '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', async (ctx) => {
    const repo = await ctx.repo('triage', ['issues', 'write']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    await ctx.world.removeLabel(repo, issue, ctx.actor(), ctx.params.name!);
    return ok(ctx.world.render.labels(repo, issue.labels));
  });

  route('POST', '/repos/{owner}/{repo}/issues/{issue_number}/assignees', async (ctx) => {
    const repo = await ctx.repo('triage', ['issues', 'write']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    await ctx.world.addAssignees(repo, issue, ctx.actor(), ctx.stringList('assignees') ?? []);
    return created(ctx.world.render.issue(repo, issue));
  });

  route('DELETE', '/repos/{owner}/{repo}/issues/{issue_number}/assignees', async (ctx) => {
    const repo = await ctx.repo('triage', ['issues', 'write']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    await ctx.world.removeAssignees(repo, issue, ctx.actor(), ctx.stringList('assignees') ?? []);
    return ok(ctx.world.render.issue(repo, issue));
  });

  // ---- issue comments and reactions ------------------------------------------------------------

  route('GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'read']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    const since = ctx.query.since ? Date.parse(ctx.query.since) : undefined;
    const list = issue.comments.filter((c) => since === undefined || Date.parse(c.updatedAt) >= since);
    const { page, headers } = ctx.paginate(list);
    return ok(page.map((c) => ctx.world.render.issueComment(repo, c)), headers);
  });

  route('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'write']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    const viaApp = ctx.identity.kind === 'installation' ? ctx.identity.appId : undefined;
    const comment = await ctx.world.createComment(repo, issue, ctx.actor(), ctx.string('body'), viaApp);
    return created(ctx.world.render.issueComment(repo, comment));
  });

  route('GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'read']);
    const { comment } = ctx.world.findIssueComment(repo, ctx.numberParam('comment_id'));
    return ok(ctx.world.render.issueComment(repo, comment));
  });

  const mayEditComment = (ctx: RouteContext, repo: SimRepo, author: string) => {
    const actor = ctx.actor();
    if (actor.toLowerCase() !== author.toLowerCase() && !permissionAtLeast(ctx.roleOn(repo), 'write')) throw new ApiError(403, 'Must have push access to edit or delete this comment');
    return actor;
  };

  route('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'write']);
    const { comment } = ctx.world.findIssueComment(repo, ctx.numberParam('comment_id'));
    const actor = mayEditComment(ctx, repo, comment.user);
    await ctx.world.updateComment(repo, comment.id, actor, ctx.string('body'));
    return ok(ctx.world.render.issueComment(repo, comment));
  });

  route('DELETE', '/repos/{owner}/{repo}/issues/comments/{comment_id}', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'write']);
    const { comment } = ctx.world.findIssueComment(repo, ctx.numberParam('comment_id'));
    const actor = mayEditComment(ctx, repo, comment.user);
    await ctx.world.deleteComment(repo, comment.id, actor);
    return noContent();
  });

  const reactionList = (ctx: RouteContext, list: readonly SimReaction[]) => {
    const content = ctx.query.content;
    const filtered = content ? list.filter((r) => r.content === content) : list;
    const { page, headers } = ctx.paginate(filtered);
    return ok(page.map((r) => ctx.world.render.reaction(r)), headers);
  };

  route('GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'read']);
    const { comment } = ctx.world.findIssueComment(repo, ctx.numberParam('comment_id'));
    return reactionList(ctx, comment.reactions);
  });

  route('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'write']);
    const { comment } = ctx.world.findIssueComment(repo, ctx.numberParam('comment_id'));
    const { reaction, existed } = ctx.world.addReaction(comment.reactions, ctx.actor(), ctx.string('content'));
    return { status: existed ? 200 : 201, body: ctx.world.render.reaction(reaction) };
  });

  route('DELETE', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions/{reaction_id}', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'write']);
    const { comment } = ctx.world.findIssueComment(repo, ctx.numberParam('comment_id'));
    const index = comment.reactions.findIndex((r) => r.id === Number(ctx.params.reaction_id) && r.user.toLowerCase() === ctx.actor().toLowerCase());
    if (index === -1) throw notFound();
    comment.reactions.splice(index, 1);
    return noContent();
  });

  route('GET', '/repos/{owner}/{repo}/issues/{issue_number}/reactions', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'read']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    return reactionList(ctx, issue.reactions);
  });

  route('POST', '/repos/{owner}/{repo}/issues/{issue_number}/reactions', async (ctx) => {
    const repo = await ctx.repo('read', ['issues', 'write']);
    const issue = ctx.world.requireIssue(repo, ctx.numberParam('issue_number'));
    const { reaction, existed } = ctx.world.addReaction(issue.reactions, ctx.actor(), ctx.string('content'));
    return { status: existed ? 200 : 201, body: ctx.world.render.reaction(reaction) };
  });

  // ---- pull requests ---------------------------------------------------------------------------

  route('GET', '/repos/{owner}/{repo}/pulls', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'read']);
    const state = ctx.query.state ?? 'open';
    const [headOwner, headBranch] = ctx.query.head ? (ctx.query.head.includes(':') ? ctx.query.head.split(':', 2) : [repo.owner, ctx.query.head]) : [];
    let list = [...repo.issues.values()].filter(
      (issue): issue is SimIssue & { pull: SimPull } =>
        !!issue.pull &&
        (state === 'all' || issue.state === state) &&
        (!ctx.query.base || issue.pull.baseRef === ctx.query.base) &&
        (!headBranch || (headOwner!.toLowerCase() === repo.owner.toLowerCase() && issue.pull.headRef === headBranch)),
    );
    list = sortIssues(list, ctx.query.sort === 'popularity' || ctx.query.sort === 'long-running' ? 'created' : ctx.query.sort, ctx.query.direction) as typeof list;
    const { page, headers } = ctx.paginate(list);
    return ok(page.map((issue) => ctx.world.render.pullRequestSimple(repo, issue)), headers);
  });

  route('POST', '/repos/{owner}/{repo}/pulls', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'write']);
    const issue = await ctx.world.createPull(repo, ctx.actor(), {
      head: ctx.string('head'),
      base: ctx.string('base'),
      title: ctx.string('title'),
      body: ctx.string('body') ?? null,
      draft: ctx.body.draft === true,
      issue: typeof ctx.body.issue === 'number' ? ctx.body.issue : undefined,
      maintainerCanModify: ctx.body.maintainer_can_modify !== false,
    });
    return created(await pullJson(ctx, repo, issue));
  });

  route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'read']);
    return ok(await pullJson(ctx, repo, ctx.world.requirePull(repo, ctx.numberParam('pull_number'))));
  });

  route('PATCH', '/repos/{owner}/{repo}/pulls/{pull_number}', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'write']);
    const issue = ctx.world.requirePull(repo, ctx.numberParam('pull_number'));
    const actor = ctx.actor();
    if (actor.toLowerCase() !== issue.user.toLowerCase() && !permissionAtLeast(ctx.roleOn(repo), 'write')) throw new ApiError(403, 'Must have push access to update this pull request');
    const state = ctx.string('state');
    if (state !== undefined && state !== 'open' && state !== 'closed') throw validationFailed([{ resource: 'PullRequest', field: 'state', code: 'invalid', value: state }]);
    await ctx.world.updatePull(repo, issue, actor, {
      title: ctx.string('title'),
      body: ctx.body.body === null ? null : ctx.string('body'),
      state: state as 'open' | 'closed' | undefined,
      base: ctx.string('base'),
    });
    return ok(await pullJson(ctx, repo, issue));
  });

  route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/merge', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'read']);
    const issue = ctx.world.requirePull(repo, ctx.numberParam('pull_number'));
    if (!issue.pull.merged) throw notFound();
    return noContent();
  });

  route('PUT', '/repos/{owner}/{repo}/pulls/{pull_number}/merge', async (ctx) => {
    const repo = await ctx.repo('write', ['contents', 'write']);
    const issue = ctx.world.requirePull(repo, ctx.numberParam('pull_number'));
    const method = ctx.string('merge_method') ?? 'merge';
    const { sha } = await ctx.world.mergePull(repo, issue, ctx.actor(), {
      method: method as 'merge' | 'squash' | 'rebase',
      sha: ctx.string('sha'),
      commitTitle: ctx.string('commit_title'),
      commitMessage: ctx.string('commit_message'),
    });
    return ok({ sha, merged: true, message: 'Pull Request successfully merged' });
  });

  route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'read']);
    const issue = ctx.world.requirePull(repo, ctx.numberParam('pull_number'));
    return ok({ users: issue.pull.requestedReviewers.map((l) => ctx.world.render.user(l)), teams: [] });
  });

  route('POST', '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'write']);
    const issue = ctx.world.requirePull(repo, ctx.numberParam('pull_number'));
    await ctx.world.requestReviewers(repo, issue, ctx.actor(), ctx.stringList('reviewers') ?? []);
    return created(ctx.world.render.pullRequestSimple(repo, issue));
  });

  // ---- reviews and review comments --------------------------------------------------------------

  route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'read']);
    const issue = ctx.world.requirePull(repo, ctx.numberParam('pull_number'));
    const actor = ctx.identity.kind === 'user' || ctx.identity.kind === 'installation' ? ctx.identity.login.toLowerCase() : '';
    // Pending reviews are visible only to their author.
    const list = issue.pull.reviews.filter((r) => r.state !== 'PENDING' || r.user.toLowerCase() === actor);
    const { page, headers } = ctx.paginate(list);
    return ok(page.map((r) => ctx.world.render.review(repo, issue, r)), headers);
  });

  route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'read']);
    const issue = ctx.world.requirePull(repo, ctx.numberParam('pull_number'));
    const review = issue.pull.reviews.find((r) => r.id === Number(ctx.params.review_id));
    if (!review) throw notFound();
    return ok(ctx.world.render.review(repo, issue, review));
  });

  route('POST', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'write']);
    const issue = ctx.world.requirePull(repo, ctx.numberParam('pull_number'));
    const rawComments = Array.isArray(ctx.body.comments) ? (ctx.body.comments as Json[]) : [];
    const review = await ctx.world.createReview(repo, issue, ctx.actor(), {
      event: ctx.string('event') as 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT' | undefined,
      body: ctx.string('body'),
      commitId: ctx.string('commit_id'),
      comments: rawComments.map((c) => ({
        path: String(c.path ?? ''),
        body: String(c.body ?? ''),
        line: typeof c.line === 'number' ? c.line : typeof c.position === 'number' ? c.position : undefined,
        startLine: typeof c.start_line === 'number' ? c.start_line : undefined,
        side: c.side === 'LEFT' ? 'LEFT' : 'RIGHT',
      })),
    });
    return ok(ctx.world.render.review(repo, issue, review));
  });

  route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/comments', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'read']);
    const issue = ctx.world.requirePull(repo, ctx.numberParam('pull_number'));
    // Comments of a pending (unsubmitted) review are not listed.
    const pending = new Set(issue.pull.reviews.filter((r) => r.state === 'PENDING').map((r) => r.id));
    const list = issue.pull.reviewComments.filter((c) => c.reviewId === null || !pending.has(c.reviewId));
    const { page, headers } = ctx.paginate(list);
    return ok(page.map((c) => ctx.world.render.reviewComment(repo, issue, c)), headers);
  });

  route('POST', '/repos/{owner}/{repo}/pulls/{pull_number}/comments', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'write']);
    const issue = ctx.world.requirePull(repo, ctx.numberParam('pull_number'));
    const comment = await ctx.world.createReviewComment(repo, issue, ctx.actor(), {
      body: ctx.string('body'),
      path: ctx.string('path'),
      line: typeof ctx.body.line === 'number' ? ctx.body.line : undefined,
      side: ctx.body.side === 'LEFT' ? 'LEFT' : 'RIGHT',
      commitId: ctx.string('commit_id'),
      inReplyTo: typeof ctx.body.in_reply_to === 'number' ? ctx.body.in_reply_to : undefined,
    });
    return created(ctx.world.render.reviewComment(repo, issue, comment));
  });

  route('POST', '/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'write']);
    const issue = ctx.world.requirePull(repo, ctx.numberParam('pull_number'));
    const comment = await ctx.world.createReviewComment(repo, issue, ctx.actor(), { body: ctx.string('body'), inReplyTo: ctx.numberParam('comment_id') });
    return created(ctx.world.render.reviewComment(repo, issue, comment));
  });

  route('GET', '/repos/{owner}/{repo}/pulls/comments/{comment_id}', async (ctx) => {
    const repo = await ctx.repo('read', ['pull_requests', 'read']);
    const { issue, comment } = ctx.world.findReviewComment(repo, ctx.numberParam('comment_id'));
    return ok(ctx.world.render.reviewComment(repo, issue, comment));
  });

  // ---- checks -------------------------------------------------------------------------------------

  const checkRunInput = (ctx: RouteContext) => {
    const output = ctx.body.output as Json | undefined;
    const actions = Array.isArray(ctx.body.actions) ? (ctx.body.actions as Json[]) : undefined;
    return {
      name: ctx.string('name')!,
      headSha: ctx.string('head_sha')!,
      status: checkStatus(ctx.body.status),
      conclusion: (ctx.string('conclusion') as CheckConclusion | undefined) ?? undefined,
      detailsUrl: ctx.string('details_url'),
      externalId: ctx.string('external_id'),
      startedAt: ctx.string('started_at'),
      completedAt: ctx.string('completed_at'),
      output: output ? { title: (output.title as string) ?? null, summary: (output.summary as string) ?? null, text: (output.text as string) ?? null } : undefined,
      actions: actions?.map((a) => ({ label: String(a.label ?? ''), description: String(a.description ?? ''), identifier: String(a.identifier ?? '') })),
    };
  };

  route('POST', '/repos/{owner}/{repo}/check-runs', async (ctx) => {
    const appId = ctx.appIdForChecks();
    const repo = await ctx.repo('read', ['checks', 'write']);
    const run = await ctx.world.createCheckRun(repo, appId, checkRunInput(ctx));
    return created(await ctx.world.checkRunJson(repo, run));
  });

  route('GET', '/repos/{owner}/{repo}/check-runs/{check_run_id}', async (ctx) => {
    const repo = await ctx.repo('read', ['checks', 'read']);
    const run = repo.checkRuns.find((r) => r.id === ctx.numberParam('check_run_id'));
    if (!run) throw notFound();
    return ok(await ctx.world.checkRunJson(repo, run));
  });

  route('PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}', async (ctx) => {
    const appId = ctx.appIdForChecks();
    const repo = await ctx.repo('read', ['checks', 'write']);
    const run = repo.checkRuns.find((r) => r.id === ctx.numberParam('check_run_id'));
    if (!run) throw notFound();
    const input = checkRunInput(ctx);
    await ctx.world.updateCheckRun(repo, run, appId, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.status !== undefined ? { status: input.status } : {}),
      ...(input.conclusion !== undefined ? { conclusion: input.conclusion } : {}),
      ...(input.detailsUrl !== undefined ? { detailsUrl: input.detailsUrl } : {}),
      ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
      ...(input.startedAt !== undefined ? { startedAt: input.startedAt } : {}),
      ...(input.completedAt !== undefined ? { completedAt: input.completedAt } : {}),
      ...(input.output !== undefined ? { output: input.output } : {}),
      ...(input.actions !== undefined ? { actions: input.actions } : {}),
    });
    return ok(await ctx.world.checkRunJson(repo, run));
  });

  route('GET', '/repos/{owner}/{repo}/commits/{ref}/check-runs', async (ctx) => {
    const repo = await ctx.repo('read', ['checks', 'read']);
    const sha = await resolveRef(repo, ctx.params.ref!);
    let runs = ctx.query.filter === 'all' ? repo.checkRuns.filter((r) => r.headSha === sha) : ctx.world.latestChecks(repo, sha).runs;
    if (ctx.query.check_name) runs = runs.filter((r) => r.name === ctx.query.check_name);
    if (ctx.query.status) runs = runs.filter((r) => r.status === ctx.query.status);
    if (ctx.query.app_id) runs = runs.filter((r) => r.appId === Number(ctx.query.app_id));
    runs = [...runs].sort((a, b) => b.id - a.id);
    const { page, headers } = ctx.paginate(runs);
    return ok({ total_count: runs.length, check_runs: await Promise.all(page.map((r) => ctx.world.checkRunJson(repo, r))) }, headers);
  });

  route('GET', '/repos/{owner}/{repo}/commits/{ref}/check-suites', async (ctx) => {
    const repo = await ctx.repo('read', ['checks', 'read']);
    const sha = await resolveRef(repo, ctx.params.ref!);
    let suites = repo.checkSuites.filter((s) => s.headSha === sha);
    if (ctx.query.app_id) suites = suites.filter((s) => s.appId === Number(ctx.query.app_id));
    const { page, headers } = ctx.paginate(suites);
    return ok({ total_count: suites.length, check_suites: await Promise.all(page.map((s) => ctx.world.suiteJson(repo, s))) }, headers);
  });

  route('GET', '/repos/{owner}/{repo}/check-suites/{check_suite_id}', async (ctx) => {
    const repo = await ctx.repo('read', ['checks', 'read']);
    const suite = repo.checkSuites.find((s) => s.id === ctx.numberParam('check_suite_id'));
    if (!suite) throw notFound();
    return ok(await ctx.world.suiteJson(repo, suite));
  });

  // ---- commit statuses -----------------------------------------------------------------------------

  route('POST', '/repos/{owner}/{repo}/statuses/{sha}', async (ctx) => {
    const repo = await ctx.repo('write', ['statuses', 'write']);
    const status = await ctx.world.createStatus(repo, ctx.actor(), ctx.params.sha!, {
      state: ctx.string('state'),
      context: ctx.string('context'),
      description: ctx.string('description') ?? null,
      targetUrl: ctx.string('target_url') ?? null,
    });
    return created(ctx.world.render.status(repo, status));
  });

  route('GET', '/repos/{owner}/{repo}/commits/{ref}/statuses', async (ctx) => {
    const repo = await ctx.repo('read', ['statuses', 'read']);
    const sha = await resolveRef(repo, ctx.params.ref!);
    const list = repo.statuses.filter((s) => s.sha === sha).reverse();
    const { page, headers } = ctx.paginate(list);
    return ok(page.map((s) => ctx.world.render.status(repo, s)), headers);
  });

  route('GET', '/repos/{owner}/{repo}/commits/{ref}/status', async (ctx) => {
    const repo = await ctx.repo('read', ['statuses', 'read']);
    const sha = await resolveRef(repo, ctx.params.ref!);
    const latest = ctx.world.latestChecks(repo, sha).statuses;
    const { page, headers } = ctx.paginate(latest);
    const api = `${ctx.world.render.urls.api}/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
    return ok(
      {
        state: ctx.world.combinedState(latest),
        statuses: page.map((s) => ctx.world.render.status(repo, s)),
        sha,
        total_count: latest.length,
        repository: ctx.world.render.minimalRepository(repo),
        commit_url: `${api}/commits/${sha}`,
        url: `${api}/commits/${sha}/status`,
      },
      headers,
    );
  });

  route('GET', '/repos/{owner}/{repo}/commits/{ref}', async (ctx) => {
    const repo = await ctx.repo('read', ['contents', 'read']);
    const sha = await repo.git.resolveCommit(ctx.params.ref!);
    if (!sha) throw new ApiError(422, `No commit found for SHA: ${ctx.params.ref}`);
    const info = await repo.git.commitInfo(sha);
    const files = await repo.git.commitChanges(sha);
    const additions = files.reduce((sum, f) => sum + f.additions, 0);
    const deletions = files.reduce((sum, f) => sum + f.deletions, 0);
    return ok({
      ...ctx.world.render.commit(repo, info),
      stats: { total: additions + deletions, additions, deletions },
      files: files.map((f) => ({
        sha: null,
        filename: f.path,
        status: f.status,
        additions: f.additions,
        deletions: f.deletions,
        changes: f.additions + f.deletions,
        blob_url: `${ctx.world.render.urls.html}/${repo.owner}/${repo.name}/blob/${sha}/${f.path}`,
        raw_url: `${ctx.world.render.urls.html}/${repo.owner}/${repo.name}/raw/${sha}/${f.path}`,
        contents_url: `${ctx.world.render.urls.api}/repos/${repo.owner}/${repo.name}/contents/${f.path}?ref=${sha}`,
      })),
    });
  });

  // ---- contents and refs -----------------------------------------------------------------------------

  route('GET', '/repos/{owner}/{repo}/contents/{path}', async (ctx) => {
    const repo = await ctx.repo('read', ['contents', 'read']);
    const ref = ctx.query.ref || repo.defaultBranch;
    const sha = await repo.git.resolveCommit(ref);
    if (!sha) throw new ApiError(404, `No commit found for the ref ${ref}`);
    const path = ctx.params.path!;
    const content = await repo.git.readPath(sha, path);
    if (!content) throw notFound();
    const accept = ctx.headers.accept ?? '';
    if (content.type === 'file') {
      // `application/vnd.github.raw` (Probot's config loader asks for this) returns the bytes.
      if (/application\/vnd\.github(\.v3)?\.raw/.test(accept)) return { status: 200, body: content.content, rawContentType: 'text/plain; charset=utf-8' };
      return ok(ctx.world.render.contentFile(repo, ref, path.replace(/^\/+|\/+$/g, ''), content.sha, content.content));
    }
    return ok(content.entries.map((entry) => ctx.world.render.contentEntry(repo, ref, entry)));
  });

  route('GET', '/repos/{owner}/{repo}/git/ref/{ref}', async (ctx) => {
    const repo = await ctx.repo('read', ['contents', 'read']);
    const full = `refs/${ctx.params.ref!}`;
    const found = (await repo.git.listRefs(full)).find((r) => r.ref === full);
    if (!found) throw notFound();
    return ok(ctx.world.render.gitRef(repo, found.ref, found.sha, found.type));
  });

  route('GET', '/repos/{owner}/{repo}/git/matching-refs/{ref}', async (ctx) => {
    const repo = await ctx.repo('read', ['contents', 'read']);
    const prefix = `refs/${ctx.params.ref!}`;
    const refs = (await repo.git.listRefs('refs/')).filter((r) => r.ref.startsWith(prefix));
    return ok(refs.map((r) => ctx.world.render.gitRef(repo, r.ref, r.sha, r.type)));
  });

  route('POST', '/repos/{owner}/{repo}/git/refs', async (ctx) => {
    const repo = await ctx.repo('write', ['contents', 'write']);
    const ref = ctx.string('ref');
    const sha = ctx.string('sha');
    if (!ref || !/^refs\/.+/.test(ref) || ref.split('/').length < 3) throw new ApiError(422, 'Reference name must start with \'refs/\' and have at least two slashes.');
    if (!sha || !(await repo.git.resolveCommit(sha))) throw new ApiError(422, 'Object does not exist');
    if ((await repo.git.listRefs(ref)).some((r) => r.ref === ref)) throw new ApiError(422, 'Reference already exists');
    await repo.git.updateRef(ref, sha);
    await ctx.world.syncRefs(repo, ctx.actor());
    return created(ctx.world.render.gitRef(repo, ref, sha, 'commit'));
  });

  route('DELETE', '/repos/{owner}/{repo}/git/refs/{ref}', async (ctx) => {
    const repo = await ctx.repo('write', ['contents', 'write']);
    const full = `refs/${ctx.params.ref!}`;
    if (!(await repo.git.listRefs(full)).some((r) => r.ref === full)) throw new ApiError(422, 'Reference does not exist');
    await repo.git.deleteRef(full);
    await ctx.world.syncRefs(repo, ctx.actor());
    return noContent();
  });

  return routes;
}
