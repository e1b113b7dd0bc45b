import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { actionCommands } from '../../action/src/inputs.js';
import { NoOperationTraceWriter, parseAction, parseWorkflow } from './parser.js';
import { ACTION_SRC } from './support.js';

/**
 * action.yml and the example workflows (docs/workflows) against GitHub's
 * published action and workflow schemas, with GitHub's own parser
 * (@actions/workflow-parser); and every use of the action in an example
 * names only inputs the action has, with a command it knows.
 */

const WORKFLOWS = path.join(import.meta.dirname, '../../docs/workflows');
const trace = new NoOperationTraceWriter();
const actionErrors = (content: string) => parseAction({ name: 'action.yml', content }, trace).context.errors.getErrors().map((e) => e.message);
const workflowErrors = (name: string, content: string) => parseWorkflow({ name, content }, trace).context.errors.getErrors().map((e) => e.message);
const workflows = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

describe("GitHub's schemas", () => {
  it('action.yml validates as an action', () => {
    expect(actionErrors(readFileSync(path.join(ACTION_SRC, 'action.yml'), 'utf8'))).toEqual([]);
  });

  it('the validator is the real one: it rejects a broken action and a broken workflow', () => {
    const action = readFileSync(path.join(ACTION_SRC, 'action.yml'), 'utf8');
    expect(actionErrors(action.replace('shell: bash', 'shel: bash'))).toEqual(expect.arrayContaining([expect.stringMatching(/Unexpected value 'shel'/)]));
    expect(actionErrors(action.replace('${{ inputs.command }}', '${{ input.command }}'))).toEqual(expect.arrayContaining([expect.stringMatching(/Unrecognized named-value: 'input'/)]));
    const workflow = readFileSync(path.join(WORKFLOWS, workflows[0]!), 'utf8');
    expect(workflowErrors('w.yml', workflow.replace('runs-on:', 'run-on:'))).not.toEqual([]);
  });

  it('the examples are the ones the docs promise', () => {
    expect(workflows.sort()).toEqual(['ci-failure.yml', 'nightly-cleanup.yml', 'serverless.yml', 'spawn-on-label.yml', 'status-summary.yml']);
  });

  it.each(workflows)('%s validates as a workflow, and uses the action as it is', (file) => {
    const content = readFileSync(path.join(WORKFLOWS, file), 'utf8');
    expect(workflowErrors(file, content)).toEqual([]);
    const action = parseYaml(readFileSync(path.join(ACTION_SRC, 'action.yml'), 'utf8')) as { inputs: Record<string, { required?: boolean }> };
    const doc = parseYaml(content) as { jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }> };
    const uses = Object.values(doc.jobs).flatMap((job) => job.steps ?? []).filter((s) => s.uses && /agent-orchestrator\/action@/.test(s.uses));
    expect(uses.length, 'the example uses the action').toBeGreaterThan(0);
    const commands = actionCommands().map((c) => c.name);
    for (const step of uses) {
      const given = Object.keys(step.with ?? {});
      // The runner only warns about an input the action does not have, and the step runs without it: here it is an error.
      expect(given.filter((k) => !(k in action.inputs))).toEqual([]);
      for (const [name, input] of Object.entries(action.inputs)) if (input.required) expect(given).toContain(name);
      expect(commands).toContain(step.with!.command);
    }
  });
});
