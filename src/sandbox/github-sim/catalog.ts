// What the simulator implements, in one place: the conformance tests check
// that each entry exists in GitHub's descriptions and is exercised, and the
// README lists the same.

import { restRoutes } from './rest.js';

/** Every webhook (`event` or `event.action`) the simulator can send. */
export const SIMULATED_WEBHOOKS = [
  'issues.opened',
  'issues.edited',
  'issues.closed',
  'issues.reopened',
  'issues.labeled',
  'issues.unlabeled',
  'issues.assigned',
  'issues.unassigned',
  'issue_comment.created',
  'issue_comment.edited',
  'issue_comment.deleted',
  'pull_request.opened',
  'pull_request.edited',
  'pull_request.synchronize',
  'pull_request.closed',
  'pull_request.reopened',
  'pull_request.labeled',
  'pull_request.unlabeled',
  'pull_request.assigned',
  'pull_request.unassigned',
  'pull_request.review_requested',
  'pull_request.ready_for_review',
  'pull_request.converted_to_draft',
  'pull_request_review.submitted',
  'pull_request_review_comment.created',
  'pull_request_review_thread.resolved',
  'pull_request_review_thread.unresolved',
  'check_run.created',
  'check_run.completed',
  'check_run.requested_action',
  'check_suite.completed',
  'status',
  'push',
] as const;

/** Every REST route (`METHOD /template`) the simulator serves, plus GET /rate_limit. */
export function simulatedRestRoutes(): string[] {
  return [...restRoutes().map((r) => `${r.method} ${r.template}`), 'GET /rate_limit'];
}

/** GraphQL root fields the simulator resolves (others validate but resolve to null). */
export const SIMULATED_GRAPHQL_ROOT_FIELDS = {
  query: ['repository', 'viewer', 'user', 'node', 'nodes', 'rateLimit'],
  mutation: ['resolveReviewThread', 'unresolveReviewThread', 'markPullRequestReadyForReview', 'convertPullRequestToDraft', 'addComment'],
} as const;
