import { register } from 'node:module';

/**
 * GitHub's own parser for action.yml and workflow files
 * (@actions/workflow-parser, with the published action and workflow
 * schemas). Its modules import those schemas as JSON without an import
 * attribute, which bundlers and tsx accept and Node's loader does not; a
 * load hook gives .json imports their type, as bundlers do. Vitest loads
 * the package with Node's loader, so tests get it through here.
 */
const hook = `export async function load(url, context, next) {
  if (url.endsWith('.json') && !context.importAttributes?.type) return next(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);

const workflowParser = await import('@actions/workflow-parser');
const actions = await import('@actions/workflow-parser/actions/index');

export const { parseWorkflow, NoOperationTraceWriter, isBasicExpression, isMapping, isSequence, isString } = workflowParser;
export const { parseAction } = actions;
