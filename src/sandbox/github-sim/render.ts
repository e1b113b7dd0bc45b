// GitHub-shaped JSON for the simulator's records. One function per object
// kind, shared by REST responses and webhook payloads (GitHub sends the same
// shapes in both, with a few extra fields in webhooks). Conformance tests hold
// every shape here to GitHub's published schemas.

import type {
  SimAccount,
  SimApp,
  SimCheckRun,
  SimCheckSuite,
  SimInstallation,
  SimIssue,
  SimIssueComment,
  SimLabel,
  SimReaction,
  SimRepo,
  SimReview,
  SimReviewComment,
  SimStatus,
  SimState,
  Permission,
} from './model.js';
import type { CommitInfo } from './git.js';

type Json = Record<string, unknown>;

export interface SimUrls {
  /** REST base, e.g. http://127.0.0.1:1234 */
  readonly api: string;
  /** Where "html_url"s point; the simulator's base as well, under /_html. */
  readonly html: string;
}

/** What git says about a pull request, computed by the caller (it is async). */
export interface PullFacts {
  readonly commits: number;
  readonly additions: number;
  readonly deletions: number;
  readonly changedFiles: number;
  readonly mergeable: boolean | null;
  readonly mergeableState: string;
}

const enc = encodeURIComponent;

function encodePath(path: string): string {
  return path.split('/').map(enc).join('/');
}

export class Renderer {
  constructor(
    private readonly state: SimState,
    readonly urls: SimUrls,
  ) {}

  // ---- accounts -------------------------------------------------------

  user(login: string): Json {
    const account = this.state.account(login) ?? this.state.ensureAccount(login);
    return this.account(account);
  }

  userOrNull(login: string | null | undefined): Json | null {
    return login ? this.user(login) : null;
  }

  account(account: SimAccount): Json {
    const api = `${this.urls.api}/users/${enc(account.login)}`;
    const html =
      account.type === 'Bot'
        ? `${this.urls.html}/apps/${enc(account.login.replace(/\[bot\]$/, ''))}`
        : `${this.urls.html}/${enc(account.login)}`;
    return {
      login: account.login,
      id: account.id,
      node_id: account.nodeId,
      avatar_url: `${this.urls.html}/avatars/u/${account.id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: html,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: account.type,
      user_view_type: 'public',
      site_admin: false,
    };
  }

  collaborator(login: string, permission: Permission | 'none'): Json {
    const levels = ['read', 'triage', 'write', 'maintain', 'admin'];
    const rank = permission === 'none' ? -1 : levels.indexOf(permission);
    return {
      ...this.user(login),
      permissions: { pull: rank >= 0, triage: rank >= 1, push: rank >= 2, maintain: rank >= 3, admin: rank >= 4 },
      role_name: permission,
    };
  }

  // ---- apps -----------------------------------------------------------

  app(app: SimApp): Json {
    return {
      id: app.id,
      slug: app.slug,
      node_id: app.nodeId,
      client_id: app.clientId,
      owner: this.user(app.owner),
      name: app.name,
      description: `${app.name} (GitHub simulator)`,
      external_url: `${this.urls.html}/apps/${app.slug}/external`,
      html_url: `${this.urls.html}/apps/${app.slug}`,
      created_at: app.createdAt,
      updated_at: app.createdAt,
      permissions: app.permissions,
      events: app.events,
    };
  }

  installation(inst: SimInstallation): Json {
    const app = this.state.apps.get(inst.appId)!;
    const account = this.state.account(inst.account)!;
    return {
      id: inst.id,
      account: this.account(account),
      repository_selection: 'all',
      access_tokens_url: `${this.urls.api}/app/installations/${inst.id}/access_tokens`,
      repositories_url: `${this.urls.api}/installation/repositories`,
      html_url: `${this.urls.html}/organizations/${enc(account.login)}/settings/installations/${inst.id}`,
      app_id: app.id,
      app_slug: app.slug,
      target_id: account.id,
      target_type: account.type === 'Organization' ? 'Organization' : 'User',
      permissions: app.permissions,
      events: app.events,
      created_at: inst.createdAt,
      updated_at: inst.createdAt,
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      suspended_by: null,
      suspended_at: null,
    };
  }

  // ---- repositories -----------------------------------------------------

  private repoUrls(repo: SimRepo): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const html = `${this.urls.html}/${enc(repo.owner)}/${enc(repo.name)}`;
    const host = new URL(this.urls.html).host;
    return {
      html_url: html,
      url: api,
      forks_url: `${api}/forks`,
      keys_url: `${api}/keys{/key_id}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      teams_url: `${api}/teams`,
      hooks_url: `${api}/hooks`,
      issue_events_url: `${api}/issues/events{/number}`,
      events_url: `${api}/events`,
      assignees_url: `${api}/assignees{/user}`,
      branches_url: `${api}/branches{/branch}`,
      tags_url: `${api}/tags`,
      blobs_url: `${api}/git/blobs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      trees_url: `${api}/git/trees{/sha}`,
      statuses_url: `${api}/statuses/{sha}`,
      languages_url: `${api}/languages`,
      stargazers_url: `${api}/stargazers`,
      contributors_url: `${api}/contributors`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      commits_url: `${api}/commits{/sha}`,
      git_commits_url: `${api}/git/commits{/sha}`,
      comments_url: `${api}/comments{/number}`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      contents_url: `${api}/contents/{+path}`,
      compare_url: `${api}/compare/{base}...{head}`,
      merges_url: `${api}/merges`,
      archive_url: `${api}/{archive_format}{/ref}`,
      downloads_url: `${api}/downloads`,
      issues_url: `${api}/issues{/number}`,
      pulls_url: `${api}/pulls{/number}`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      labels_url: `${api}/labels{/name}`,
      releases_url: `${api}/releases{/id}`,
      deployments_url: `${api}/deployments`,
      git_url: `git://${host}/${repo.owner}/${repo.name}.git`,
      ssh_url: `git@${host}:${repo.owner}/${repo.name}.git`,
      // Clones really work: git smart HTTP with token auth, served by the simulator.
      clone_url: `${this.urls.html}/${repo.owner}/${repo.name}.git`,
      svn_url: html,
      mirror_url: null,
    };
  }

  private openIssueCount(repo: SimRepo): number {
    let count = 0;
    for (const issue of repo.issues.values()) if (issue.state === 'open') count++;
    return count;
  }

  /** The `repository` shape (PR head/base, webhooks) with the common fields. */
  repository(repo: SimRepo, forViewer?: Permission | 'none'): Json {
    const open = this.openIssueCount(repo);
    const out: Json = {
      id: repo.id,
      node_id: repo.nodeId,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      private: repo.isPrivate,
      owner: this.user(repo.owner),
      description: repo.description,
      fork: false,
      ...this.repoUrls(repo),
      homepage: null,
      language: null,
      forks_count: 0,
      stargazers_count: 0,
      watchers_count: 0,
      size: 0,
      default_branch: repo.defaultBranch,
      open_issues_count: open,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: true,
      has_wiki: true,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      visibility: repo.isPrivate ? 'private' : 'public',
      pushed_at: repo.pushedAt,
      created_at: repo.createdAt,
      updated_at: repo.updatedAt,
      allow_forking: true,
      web_commit_signoff_required: false,
      license: null,
      forks: 0,
      open_issues: open,
      watchers: 0,
    };
    if (forViewer) out.permissions = permissionFlags(forViewer);
    return out;
  }

  fullRepository(repo: SimRepo, forViewer?: Permission | 'none'): Json {
    return {
      ...this.repository(repo, forViewer),
      allow_squash_merge: true,
      allow_merge_commit: true,
      allow_rebase_merge: true,
      allow_auto_merge: false,
      delete_branch_on_merge: false,
      allow_update_branch: false,
      use_squash_pr_title_as_default: false,
      squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
      squash_merge_commit_message: 'COMMIT_MESSAGES',
      merge_commit_title: 'MERGE_MESSAGE',
      merge_commit_message: 'PR_TITLE',
      network_count: 0,
      subscribers_count: 0,
    };
  }

  minimalRepository(repo: SimRepo): Json {
    const { allow_forking: _a, web_commit_signoff_required: _w, ...rest } = this.repository(repo);
    return rest;
  }

  /** The push event's repository: timestamps as Unix seconds, as GitHub sends them there. */
  pushRepository(repo: SimRepo): Json {
    const base = this.repository(repo);
    return {
      ...base,
      created_at: Math.floor(Date.parse(repo.createdAt) / 1000),
      pushed_at: Math.floor(Date.parse(repo.pushedAt) / 1000),
      stargazers: 0,
      master_branch: repo.defaultBranch,
      custom_properties: {},
    };
  }

  // ---- issues -------------------------------------------------------------

  label(repo: SimRepo, label: SimLabel): Json {
    return {
      id: label.id,
      node_id: label.nodeId,
      url: `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}/labels/${enc(label.name)}`,
      name: label.name,
      color: label.color,
      default: label.isDefault,
      description: label.description,
    };
  }

  labels(repo: SimRepo, names: readonly string[]): Json[] {
    return names.map((name) => repo.labels.get(name.toLowerCase())).filter((l): l is SimLabel => !!l).map((l) => this.label(repo, l));
  }

  reactionSummary(url: string, reactions: readonly SimReaction[]): Json {
    const count = (content: string) => reactions.filter((r) => r.content === content).length;
    return {
      url,
      total_count: reactions.length,
      '+1': count('+1'),
      '-1': count('-1'),
      laugh: count('laugh'),
      hooray: count('hooray'),
      confused: count('confused'),
      heart: count('heart'),
      rocket: count('rocket'),
      eyes: count('eyes'),
    };
  }

  reaction(reaction: SimReaction): Json {
    return {
      id: reaction.id,
      node_id: reaction.nodeId,
      user: this.user(reaction.user),
      content: reaction.content,
      created_at: reaction.createdAt,
    };
  }

  authorAssociation(repo: SimRepo, login: string): string {
    if (login.toLowerCase() === repo.owner.toLowerCase()) return 'OWNER';
    const role = repo.permissions.get(login.toLowerCase());
    if (role && role !== 'none') return 'COLLABORATOR';
    const account = this.state.account(login);
    if (account?.defaultPermission && account.defaultPermission !== 'read') return 'MEMBER';
    return 'NONE';
  }

  issue(repo: SimRepo, issue: SimIssue): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const html = `${this.urls.html}/${enc(repo.owner)}/${enc(repo.name)}`;
    const url = `${api}/issues/${issue.number}`;
    const out: Json = {
      url,
      repository_url: api,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: issue.pull ? `${html}/pull/${issue.number}` : `${html}/issues/${issue.number}`,
      id: issue.id,
      node_id: issue.nodeId,
      number: issue.number,
      title: issue.title,
      user: this.user(issue.user),
      labels: this.labels(repo, issue.labels),
      state: issue.state,
      locked: issue.locked,
      assignee: this.userOrNull(issue.assignees[0]),
      assignees: issue.assignees.map((login) => this.user(login)),
      milestone: null,
      comments: issue.comments.length,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: this.authorAssociation(repo, issue.user),
      active_lock_reason: null,
      body: issue.body,
      closed_by: this.userOrNull(issue.closedBy),
      reactions: this.reactionSummary(`${url}/reactions`, issue.reactions),
      timeline_url: `${url}/timeline`,
      performed_via_github_app: null,
      state_reason: issue.stateReason,
    };
    if (issue.pull) {
      out.draft = issue.pull.draft;
      out.pull_request = {
        url: `${api}/pulls/${issue.number}`,
        html_url: `${html}/pull/${issue.number}`,
        diff_url: `${html}/pull/${issue.number}.diff`,
        patch_url: `${html}/pull/${issue.number}.patch`,
        merged_at: issue.pull.mergedAt,
      };
    }
    return out;
  }

  issueComment(repo: SimRepo, comment: SimIssueComment): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const issue = repo.issues.get(comment.issueNumber)!;
    const html = `${this.urls.html}/${enc(repo.owner)}/${enc(repo.name)}/${issue.pull ? 'pull' : 'issues'}/${comment.issueNumber}`;
    const url = `${api}/issues/comments/${comment.id}`;
    const app = comment.viaAppId ? this.state.apps.get(comment.viaAppId) : undefined;
    return {
      url,
      html_url: `${html}#issuecomment-${comment.id}`,
      issue_url: `${api}/issues/${comment.issueNumber}`,
      id: comment.id,
      node_id: comment.nodeId,
      user: this.user(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: this.authorAssociation(repo, comment.user),
      body: comment.body,
      reactions: this.reactionSummary(`${url}/reactions`, comment.reactions),
      performed_via_github_app: app ? this.app(app) : null,
    };
  }

  // ---- pull requests -------------------------------------------------------

  private pullLinks(repo: SimRepo, issue: SimIssue): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const html = `${this.urls.html}/${enc(repo.owner)}/${enc(repo.name)}/pull/${issue.number}`;
    return {
      self: { href: `${api}/pulls/${issue.number}` },
      html: { href: html },
      issue: { href: `${api}/issues/${issue.number}` },
      comments: { href: `${api}/issues/${issue.number}/comments` },
      review_comments: { href: `${api}/pulls/${issue.number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${issue.number}/commits` },
      statuses: { href: `${api}/statuses/${issue.pull!.headSha}` },
    };
  }

  /** `pull-request-simple`: what list endpoints return (no git-derived counts). */
  pullRequestSimple(repo: SimRepo, issue: SimIssue): Json {
    const pull = issue.pull!;
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const html = `${this.urls.html}/${enc(repo.owner)}/${enc(repo.name)}/pull/${issue.number}`;
    const repoJson = this.repository(repo);
    const owner = this.user(repo.owner);
    return {
      url: `${api}/pulls/${issue.number}`,
      id: pull.id,
      node_id: pull.nodeId,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${api}/issues/${issue.number}`,
      number: issue.number,
      state: issue.state,
      locked: issue.locked,
      title: issue.title,
      user: this.user(issue.user),
      body: issue.body,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      assignee: this.userOrNull(issue.assignees[0]),
      assignees: issue.assignees.map((login) => this.user(login)),
      requested_reviewers: pull.requestedReviewers.map((login) => this.user(login)),
      requested_teams: [],
      labels: this.labels(repo, issue.labels),
      milestone: null,
      draft: pull.draft,
      commits_url: `${api}/pulls/${issue.number}/commits`,
      review_comments_url: `${api}/pulls/${issue.number}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`,
      comments_url: `${api}/issues/${issue.number}/comments`,
      statuses_url: `${api}/statuses/${pull.headSha}`,
      head: { label: `${repo.owner}:${pull.headRef}`, ref: pull.headRef, sha: pull.headSha, user: owner, repo: repoJson },
      base: { label: `${repo.owner}:${pull.baseRef}`, ref: pull.baseRef, sha: pull.baseSha, user: owner, repo: repoJson },
      _links: this.pullLinks(repo, issue),
      author_association: this.authorAssociation(repo, issue.user),
      auto_merge: null,
      active_lock_reason: null,
    };
  }

  pullRequest(repo: SimRepo, issue: SimIssue, facts: PullFacts): Json {
    const pull = issue.pull!;
    return {
      ...this.pullRequestSimple(repo, issue),
      merged: pull.merged,
      mergeable: facts.mergeable,
      rebaseable: facts.mergeable,
      mergeable_state: facts.mergeableState,
      merged_by: this.userOrNull(pull.mergedBy),
      comments: issue.comments.length,
      review_comments: pull.reviewComments.length,
      maintainer_can_modify: pull.maintainerCanModify,
      commits: facts.commits,
      additions: facts.additions,
      deletions: facts.deletions,
      changed_files: facts.changedFiles,
    };
  }

  review(repo: SimRepo, issue: SimIssue, review: SimReview): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const html = `${this.urls.html}/${enc(repo.owner)}/${enc(repo.name)}/pull/${issue.number}#pullrequestreview-${review.id}`;
    const out: Json = {
      id: review.id,
      node_id: review.nodeId,
      user: this.user(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: `${api}/pulls/${issue.number}`,
      author_association: this.authorAssociation(repo, review.user),
      _links: { html: { href: html }, pull_request: { href: `${api}/pulls/${issue.number}` } },
      commit_id: review.commitId,
    };
    if (review.submittedAt) out.submitted_at = review.submittedAt;
    return out;
  }

  reviewComment(repo: SimRepo, issue: SimIssue, comment: SimReviewComment): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const url = `${api}/pulls/comments/${comment.id}`;
    const html = `${this.urls.html}/${enc(repo.owner)}/${enc(repo.name)}/pull/${issue.number}#discussion_r${comment.id}`;
    const out: Json = {
      url,
      pull_request_review_id: comment.reviewId,
      id: comment.id,
      node_id: comment.nodeId,
      diff_hunk: comment.diffHunk,
      path: comment.path,
      position: comment.line === null ? null : 1,
      original_position: 1,
      commit_id: comment.commitId,
      original_commit_id: comment.originalCommitId,
      user: this.user(comment.user),
      body: comment.body,
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      html_url: html,
      pull_request_url: `${api}/pulls/${issue.number}`,
      author_association: this.authorAssociation(repo, comment.user),
      _links: { self: { href: url }, html: { href: html }, pull_request: { href: `${api}/pulls/${issue.number}` } },
      reactions: this.reactionSummary(`${url}/reactions`, comment.reactions),
      start_line: comment.startLine,
      original_start_line: comment.startLine,
      start_side: comment.startLine === null ? null : comment.side,
      line: comment.line,
      original_line: comment.line,
      side: comment.side,
      subject_type: comment.line === null ? 'file' : 'line',
    };
    if (comment.inReplyToId !== null) out.in_reply_to_id = comment.inReplyToId;
    return out;
  }

  // ---- checks and statuses ---------------------------------------------------

  /** `pull-request-minimal` entries for the open PRs whose head is `sha`. */
  pullsForSha(repo: SimRepo, sha: string): Json[] {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const repoRef = { id: repo.id, url: api, name: repo.name };
    const out: Json[] = [];
    for (const issue of repo.issues.values()) {
      const pull = issue.pull;
      if (!pull || issue.state !== 'open' || pull.headSha !== sha) continue;
      out.push({
        url: `${api}/pulls/${issue.number}`,
        id: pull.id,
        number: issue.number,
        head: { ref: pull.headRef, sha: pull.headSha, repo: repoRef },
        base: { ref: pull.baseRef, sha: pull.baseSha, repo: repoRef },
      });
    }
    return out;
  }

  checkRun(repo: SimRepo, run: SimCheckRun, suite?: SimCheckSuite, headCommit?: CommitInfo): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const app = this.state.apps.get(run.appId)!;
    const url = `${api}/check-runs/${run.id}`;
    const html = `${this.urls.html}/${enc(repo.owner)}/${enc(repo.name)}/runs/${run.id}`;
    const out: Json = {
      id: run.id,
      name: run.name,
      node_id: run.nodeId,
      head_sha: run.headSha,
      external_id: run.externalId ?? '',
      url,
      html_url: html,
      details_url: run.detailsUrl ?? html,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: run.output.title,
        summary: run.output.summary,
        text: run.output.text,
        annotations_count: 0,
        annotations_url: `${url}/annotations`,
      },
      check_suite: suite && headCommit ? this.checkSuite(repo, suite, headCommit) : { id: run.suiteId },
      app: this.app(app),
      pull_requests: this.pullsForSha(repo, run.headSha),
    };
    return out;
  }

  checkSuite(repo: SimRepo, suite: SimCheckSuite, headCommit: CommitInfo): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const app = this.state.apps.get(suite.appId)!;
    const runs = repo.checkRuns.filter((run) => run.suiteId === suite.id);
    return {
      id: suite.id,
      node_id: suite.nodeId,
      head_branch: suite.headBranch,
      head_sha: suite.headSha,
      status: suite.status,
      conclusion: suite.conclusion,
      url: `${api}/check-suites/${suite.id}`,
      before: suite.before,
      after: suite.headSha,
      pull_requests: this.pullsForSha(repo, suite.headSha),
      app: this.app(app),
      repository: this.minimalRepository(repo),
      created_at: suite.createdAt,
      updated_at: suite.updatedAt,
      head_commit: simpleCommit(headCommit),
      latest_check_runs_count: runs.length,
      check_runs_url: `${api}/check-suites/${suite.id}/check-runs`,
      rerequestable: true,
      runs_rerequestable: true,
    };
  }

  status(repo: SimRepo, status: SimStatus): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const creator = this.user(status.creator);
    return {
      url: `${api}/statuses/${status.sha}`,
      avatar_url: creator.avatar_url,
      id: status.id,
      node_id: status.nodeId,
      state: status.state,
      description: status.description,
      target_url: status.targetUrl,
      context: status.context,
      created_at: status.createdAt,
      updated_at: status.createdAt,
      creator,
    };
  }

  /** A commit as the REST commit endpoints (and the status event) show it. */
  commit(repo: SimRepo, info: CommitInfo): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const html = `${this.urls.html}/${enc(repo.owner)}/${enc(repo.name)}`;
    const person = (who: { name: string; email: string; date: string }) => ({ name: who.name, email: who.email, date: who.date });
    return {
      sha: info.sha,
      node_id: makeCommitNodeId(info.sha),
      commit: {
        author: person(info.author),
        committer: person(info.committer),
        message: info.message.replace(/\n$/, ''),
        tree: { sha: info.tree, url: `${api}/git/trees/${info.tree}` },
        url: `${api}/git/commits/${info.sha}`,
        comment_count: 0,
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
      url: `${api}/commits/${info.sha}`,
      html_url: `${html}/commit/${info.sha}`,
      comments_url: `${api}/commits/${info.sha}/comments`,
      author: null,
      committer: null,
      parents: info.parents.map((sha) => ({ sha, url: `${api}/commits/${sha}`, html_url: `${html}/commit/${sha}` })),
    };
  }

  /** A commit as push events list them. */
  pushCommit(repo: SimRepo, info: CommitInfo, distinct: boolean, files: { added: string[]; removed: string[]; modified: string[] }): Json {
    const html = `${this.urls.html}/${enc(repo.owner)}/${enc(repo.name)}`;
    return {
      id: info.sha,
      tree_id: info.tree,
      distinct,
      message: info.message.replace(/\n$/, ''),
      timestamp: info.committer.date,
      url: `${html}/commit/${info.sha}`,
      author: { name: info.author.name, email: info.author.email },
      committer: { name: info.committer.name, email: info.committer.email },
      added: files.added,
      removed: files.removed,
      modified: files.modified,
    };
  }

  // ---- contents and refs ------------------------------------------------------

  contentEntry(repo: SimRepo, ref: string, entry: { type: string; name: string; path: string; sha: string; size: number }): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    const html = `${this.urls.html}/${enc(repo.owner)}/${enc(repo.name)}`;
    const self = `${api}/contents/${encodePath(entry.path)}?ref=${enc(ref)}`;
    const isDir = entry.type === 'dir';
    const gitUrl = `${api}/git/${isDir ? 'trees' : 'blobs'}/${entry.sha}`;
    const htmlUrl = `${html}/${isDir ? 'tree' : 'blob'}/${encodePath(ref)}/${encodePath(entry.path)}`;
    return {
      type: entry.type,
      size: entry.size,
      name: entry.name,
      path: entry.path,
      sha: entry.sha,
      url: self,
      git_url: gitUrl,
      html_url: htmlUrl,
      download_url: isDir ? null : `${this.urls.html}/_raw/${enc(repo.owner)}/${enc(repo.name)}/${encodePath(ref)}/${encodePath(entry.path)}`,
      _links: { self, git: gitUrl, html: htmlUrl },
    };
  }

  contentFile(repo: SimRepo, ref: string, path: string, sha: string, content: Buffer): Json {
    const name = path.split('/').pop()!;
    return {
      ...this.contentEntry(repo, ref, { type: 'file', name, path, sha, size: content.length }),
      // GitHub wraps base64 at 60 characters per line.
      content: (content.toString('base64').match(/.{1,60}/g) ?? ['']).join('\n') + '\n',
      encoding: 'base64',
    };
  }

  gitRef(repo: SimRepo, ref: string, sha: string, type: string): Json {
    const api = `${this.urls.api}/repos/${enc(repo.owner)}/${enc(repo.name)}`;
    return {
      ref,
      node_id: `REF_${Buffer.from(`${repo.id}:${ref}`).toString('base64url')}`,
      url: `${api}/git/${ref.split('/').map(enc).join('/')}`,
      object: { sha, type, url: `${api}/git/${type === 'tag' ? 'tags' : 'commits'}/${sha}` },
    };
  }
}

export function permissionFlags(permission: Permission | 'none'): Json {
  const levels = ['read', 'triage', 'write', 'maintain', 'admin'];
  const rank = permission === 'none' ? -1 : levels.indexOf(permission);
  return { admin: rank >= 4, maintain: rank >= 3, push: rank >= 2, triage: rank >= 1, pull: rank >= 0 };
}

export function simpleCommit(info: CommitInfo): Json {
  return {
    id: info.sha,
    tree_id: info.tree,
    message: info.message.replace(/\n$/, ''),
    timestamp: info.committer.date,
    author: { name: info.author.name, email: info.author.email },
    committer: { name: info.committer.name, email: info.committer.email },
  };
}

export function makeCommitNodeId(sha: string): string {
  return `C_kwDO${Buffer.from(sha, 'hex').toString('base64url')}`;
}
