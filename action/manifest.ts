import { stringify } from 'yaml';
import { ACTION_INPUTS, actionCommands, commandInputs } from './src/inputs.js';

/**
 * action.yml, generated from the command registry (`npm run build:action`
 * writes it; test/action/bundle.test.ts fails when the committed file
 * differs): one input per argument or option a command offers on the
 * `action` surface, each handed to the step as INPUT_<NAME>.
 */

interface InputDoc {
  description: string;
  required: boolean;
  default?: string;
}

const ACTION_INPUT_DOCS: Record<(typeof ACTION_INPUTS)[number], InputDoc> = {
  command: {
    description: `The operation to run: ${actionCommands()
      .map((c) => c.name)
      .join(', ')}. Each runs the \`ao\` CLI command of that name (\`ao session kill\` for kill, ...) with --json; \`reconcile\` runs one cycle (--once).`,
    required: true,
  },
  config: {
    description: 'Path of agent-orchestrator.yaml, relative to the workspace (default: as the CLI looks for it: $AO_CONFIG, ./agent-orchestrator.yaml, ~/.config/agent-orchestrator/config.yaml). Point SSH hosts at the key with `privateKey: $AO_SSH_KEY_FILE`.',
    required: false,
    default: '',
  },
  'ssh-private-key': {
    description: 'Private key for the runner hosts, from a secret. Written to a mode-600 file in a private directory under RUNNER_TEMP, named by $AO_SSH_KEY_FILE, masked in the log, and removed when the step ends, whatever happened.',
    required: false,
    default: '',
  },
  'known-hosts': {
    description: 'Pinned host keys, as known_hosts lines ("[10.0.0.5]:2222 ssh-ed25519 AAAA..."). They pin the SSH hosts whose hostKey the configuration leaves out, and must agree with those it gives. A host pinned by neither is refused: nothing is trusted on first use.',
    required: false,
    default: '',
  },
  'github-token': {
    description: "Token ao reads GitHub with (PRs, CI, reviews; reconcile's reactions). Default: the workflow's token. Empty: no GitHub columns, nothing that needs GitHub.",
    required: false,
    default: '${{ github.token }}',
  },
};

const inputEnv = (name: string) => `INPUT_${name.toUpperCase().replace(/-/g, '_')}`;

/** Each command input's description: what it means for each command, with the CLI flag it becomes. */
function commandInputDocs(): Record<string, InputDoc> {
  const docs: Record<string, InputDoc> = {};
  for (const input of commandInputs()) {
    // "spawn, kill: what it means (--flag)", once per distinct meaning.
    const meanings = new Map<string, string[]>();
    for (const use of input.uses) {
      const meaning = `${use.help} (${use.cli})`;
      meanings.set(meaning, [...(meanings.get(meaning) ?? []), use.command]);
    }
    const text = [...meanings].map(([meaning, commands]) => `${commands.join(', ')}: ${meaning}`).join('. ');
    docs[input.name] = {
      description: `${text}.${input.boolean ? ' true or false.' : ''}`,
      required: false,
      default: input.boolean ? 'false' : '',
    };
  }
  return docs;
}

export function actionManifest(): string {
  const inputs = { ...ACTION_INPUT_DOCS, ...commandInputDocs() };
  const doc = {
    name: 'Agent Orchestrator',
    description: 'Run Agent Orchestrator operations (spawn, send, status, kill, cleanup, restore, reconcile, doctor) from a workflow step, through the ao CLI.',
    author: 'Agent Orchestrator',
    branding: { icon: 'cpu', color: 'purple' },
    inputs,
    outputs: {
      'session-id': { description: 'The session the step acted on (spawn: the new one), or the `session` input.', value: '${{ steps.run.outputs.session-id }}' },
      status: { description: "That session's status after the step (spawning, working, pr_open, ..., killed); empty when there is none.", value: '${{ steps.run.outputs.status }}' },
      json: { description: "The command's JSON document (ao --json), or {\"error\": {kind, message, hint}}.", value: '${{ steps.run.outputs.json }}' },
      'exit-code': { description: 'Exit code of ao: 0 ok, 1 the operation failed, 2 the request was wrong (nothing was done).', value: '${{ steps.run.outputs.exit-code }}' },
    },
    runs: {
      using: 'composite',
      steps: [
        {
          name: 'Private directory for the step',
          id: 'prep',
          shell: 'bash',
          run: 'echo "dir=$(mktemp -d "${RUNNER_TEMP:-/tmp}/ao-action.XXXXXXXX")" >> "$GITHUB_OUTPUT"',
        },
        {
          name: 'ao',
          id: 'run',
          shell: 'bash',
          env: {
            AO_ACTION_TEMP: '${{ steps.prep.outputs.dir }}',
            ...Object.fromEntries(Object.keys(inputs).map((name) => [inputEnv(name), `\${{ inputs.${name} }}`])),
          },
          run: 'node "$GITHUB_ACTION_PATH/dist/runner/main.mjs"',
        },
        {
          name: 'Remove the private directory',
          if: 'always()',
          shell: 'bash',
          env: { AO_ACTION_TEMP: '${{ steps.prep.outputs.dir }}' },
          run: 'if [ -n "$AO_ACTION_TEMP" ]; then rm -rf -- "$AO_ACTION_TEMP"; fi',
        },
      ],
    },
  };
  const header = '# Generated from the command registry (src/commands) by `npm run build:action`: edit action/manifest.ts, not this file.\n';
  return header + stringify(doc, { lineWidth: 0 });
}

/** The inputs as a Markdown table, for action/README.md. */
export function inputsTable(): string {
  const docs = { ...ACTION_INPUT_DOCS, ...commandInputDocs() };
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = Object.entries(docs).map(([name, d]) => `| \`${name}\` | ${d.required ? 'yes' : d.default ? `\`${d.default}\`` : ''} | ${cell(d.description)} |`);
  return ['| input | required / default | meaning |', '|---|---|---|', ...rows].join('\n') + '\n';
}
