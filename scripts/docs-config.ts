/**
 * `npm run docs:config`: docs/CONFIGURATION.md, the reference of
 * agent-orchestrator.yaml, generated from the schema in src/core/config.ts
 * (types, defaults, limits, what is required) and the descriptions below.
 * test/action/config-reference.test.ts fails when the committed file is not
 * what this makes, or when a key has no description here.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { configSchema } from '../src/core/config.js';
import { DEFAULT_REACTIONS, REACTION_NAMES } from '../src/core/reactions.js';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  description?: string;
}

export const UNDOCUMENTED = '(undocumented: describe it in scripts/docs-config.ts)';

/** What each key means, by section. A key of the schema that is missing here shows as UNDOCUMENTED, and the test fails. */
const DESCRIPTIONS: Record<string, Record<string, string>> = {
  top: {
    instance: 'Name of this deployment. Two deployments sharing a host stay apart by it (data under `<dataDir>/<instance>/`, tmux names, branches `ao/<instance>/...` when not `default`, backup refs).',
    dataDir: 'Root of the state on each runner host (records, event logs, worktrees, mirrors); a host may set its own.',
    tmuxSocket: 'The private tmux socket sessions run on (`tmux -L <socket>`); default `ao-<hash>` of instance and dataDir. `ao doctor` prints it.',
    hosts: 'The runner hosts. None: the machine ao runs on is the one runner host.',
    projects: 'The repositories agents work on.',
    app: 'How the GitHub App treats repositories.',
    github: 'Where the GitHub API is, when not from `GITHUB_API_URL` / `GITHUB_GRAPHQL_URL` (GitHub Enterprise Server). The token never comes from this file: `GITHUB_TOKEN`, `GH_TOKEN` or `gh auth token`.',
    defaults: 'Defaults for every project, and the thresholds of the lifecycle.',
  },
  local: {
    name: 'Host name, as `--host` and session records name it.',
    local: 'Marks the machine ao runs on, driven through the same interface as an SSH host.',
    capacity: 'Most active sessions on this host.',
    labels: 'Labels a project can require (`projects[].hostLabels`).',
    dataDir: 'This host\'s data root (default: the top-level `dataDir`).',
  },
  ssh: {
    name: 'Host name, as `--host` and session records name it.',
    local: 'Absent or `false` for an SSH host.',
    address: 'Host name or IP address.',
    port: 'SSH port.',
    user: 'SSH user: a dedicated one with a light shell rc (every round trip runs its login shell).',
    privateKey: 'Path of the private key (relative to this file, or `~/...`), or `$NAME` to take the path from the environment: the Action writes its `ssh-private-key` input to a file named by `$AO_SSH_KEY_FILE`.',
    passphraseEnv: 'Name of the environment variable that holds the key\'s passphrase.',
    hostKey: 'The pinned host key: `SHA256:...` (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host) or a known_hosts line. Required: a host without one is refused (only `ao doctor` loads it, to show the key it presents); the Action can supply it from its `known-hosts` input instead.',
    dataDir: 'This host\'s data root (default: the top-level `dataDir`).',
    capacity: 'Most active sessions on this host.',
    labels: 'Labels a project can require (`projects[].hostLabels`).',
    maxChannels: 'Concurrent SSH channels on the pooled connection.',
    connectTimeoutMs: 'How long a connection may take before the host counts as unreachable.',
    keepaliveIntervalMs: 'SSH keepalive interval of the pooled connection.',
  },
  project: {
    repo: 'The GitHub repository, `owner/name`.',
    name: 'Project name; commands accept it or `owner/name`. Default: the repository\'s name.',
    url: 'Where to clone from. Default `https://github.com/<repo>.git`; a local path or `file://` URL works (relative to this file).',
    prefix: 'Session IDs are `<prefix>-<n>`. Default derived from the repository name; two projects may not share one.',
    baseBranch: 'Branch new work starts from and PRs target.',
    agent: 'Agent adapter: `generic`, `claude-code`, `codex`, `aider`, `opencode`, `gemini` (default: `defaults.agent`).',
    agentCommand: 'Command line that starts the agent, replacing the adapter\'s; required for `generic`.',
    postCreate: 'Commands run in each new worktree; a failure rolls the spawn back.',
    rules: 'Project rules added to every task prompt.',
    hostLabels: 'Only hosts with all these labels run this project\'s sessions.',
    disposable: 'Ignored directories kill may delete without saving (default: `defaults.disposable`).',
    reactions: 'Per-reaction overrides for this project (see Reactions); a partial override keeps the other fields.',
    endGraceMin: 'Minutes a merged or closed session whose agent still works goes on (default: `defaults.endGraceMin`).',
    triggerLabel: 'The label that starts a session on an issue (default: `app.triggerLabel`).',
    maxLiveSessions: 'Live sessions of the project at most. The app queues further spawns (the issue says so; they start in order as slots free); `ao spawn` refuses. A repo config may lower it, never raise it.',
    maxSessionAgeHours: 'Hours a session may live; then it is stopped as `kill` stops it (its work saved) and a human is told. A repo config may lower it, never raise it.',
    agentHooks: 'Whether spawn installs the agent\'s hooks (default: `defaults.agentHooks`).',
  },
  app: {
    triggerLabel: 'Adding this label to an issue starts a session (a repository may choose its own in `.github/agent-orchestrator.yml`).',
    repos: '`listed`: only repositories under `projects`; `any`: every repository the app is installed on (defaults apply).',
    repoMayRun: 'Whether a repository\'s own config may set what runs on the hosts (`agentCommand`, `postCreate`).',
    bots: 'Bot accounts whose `/ao` comments run (the app\'s own never do).',
    reconcileIntervalSec: 'Seconds between the app\'s reconcile cycles (webhooks act at once; the loop catches what they missed). Default: `defaults.reconcileIntervalSec`.',
  },
  github: {
    apiUrl: 'REST API root, e.g. `https://ghe.example.com/api/v3`.',
    graphqlUrl: 'GraphQL endpoint (default derived from `apiUrl`: `.../api/graphql`).',
  },
  defaults: {
    agent: 'Agent of the projects that name none.',
    idleAfterSec: 'Quiet this long: the agent is idle.',
    stuckAfterSec: 'Idle this long without a PR: the session is `stuck`.',
    settleSec: 'Generic agents: quiet this long means ready for a message.',
    sendTimeoutSec: 'How long `ao send` waits for the agent to be ready.',
    disposable: 'Ignored directories kill may delete without saving (regenerable by a build or an install).',
    killArchiveMaxMb: 'Kill refuses to delete more ignored material than this, rather than archive it.',
    reactions: 'Reaction overrides for every project (see Reactions).',
    endGraceMin: 'A merged PR or a closed issue ends its session at once when the agent is not working, after this many minutes while it is.',
    reconcileIntervalSec: 'Seconds between cycles of `ao reconcile` without `--once`.',
    agentHooks: 'Spawn installs hooks through which agents that have them (Claude Code, Codex) report their own state.',
  },
  reaction: {
    auto: '`false` turns the reaction off.',
    action: 'What it does: `send-to-agent`, `notify` (an event and a line on stderr; the app\'s status comment), or `auto-merge` (approved-and-green only).',
    message: 'A template replacing the default message, with `{{name}}` placeholders (see the README).',
    retries: '`ci-failed`: messages to the agent about failing CI before a human is notified instead.',
    mergeMethod: '`auto-merge`: `merge`, `squash` or `rebase`.',
  },
  reactions: {
    'ci-failed': 'A check fails: the failing checks, once per head SHA and set of failing checks.',
    'changes-requested': 'Changes requested or new unresolved review comments, from users with write access only, once per set of comments.',
    'merge-conflicts': 'The PR has conflicts with its base, once per episode.',
    'approved-and-green': 'Approved, green and mergeable.',
    'agent-stuck': 'The session is stuck (idle without a PR), once per episode.',
    'agent-needs-input': 'The agent waits for a human (a permission prompt, a question).',
    'agent-exited': 'The agent exited while its session was live.',
    'pr-closed': 'The PR was closed without merging.',
  },
};

const code = (value: unknown) => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return code(s.const);
  if (s.enum) return `one of ${s.enum.map(code).join(', ')}`;
  if (s.anyOf) return s.anyOf.every((v) => v.type === 'object') ? 'mapping' : s.anyOf.map(typeOf).join(' or ');
  switch (s.type) {
    case 'string':
      if (s.pattern) return `string matching ${code(s.pattern)}`;
      return s.minLength ? 'non-empty string' : 'string';
    case 'integer':
    case 'number': {
      const bounds = [
        s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : s.minimum !== undefined ? `>= ${s.minimum}` : '',
        s.maximum !== undefined && s.maximum !== SAFE_MAX ? `<= ${s.maximum}` : '',
      ].filter(Boolean);
      return `${s.type === 'integer' ? 'integer' : 'number'}${bounds.length ? ` ${bounds.join(', ')}` : ''}`;
    }
    case 'array':
      return s.items && (s.items.type === 'object' || s.items.anyOf) && typeOf(s.items) === 'mapping' ? 'list of mappings' : `list of ${s.items ? typeOf(s.items) : 'values'}`;
    case 'object':
      return 'mapping';
    default:
      return s.type ?? 'any';
  }
}

function table(section: string, s: JsonSchema, links: Record<string, string> = {}): string {
  const rows = Object.entries(s.properties ?? {}).map(([key, p]) => {
    const required = s.required?.includes(key) && p.default === undefined;
    const type = links[key] ? `${typeOf(p)} ([${links[key]}](#${links[key]!.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')}))` : typeOf(p);
    const def = p.default === undefined || (typeof p.default === 'object' && p.default !== null && !Array.isArray(p.default)) ? '' : code(p.default);
    const description = p.description ?? DESCRIPTIONS[section]?.[key] ?? UNDOCUMENTED;
    return `| \`${key}\` | ${type.replace(/\|/g, '\\|')} | ${required ? '**required**' : def} | ${description.replace(/\|/g, '\\|')} |`;
  });
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}

export function configReference(): string {
  const root = z.toJSONSchema(configSchema, { io: 'input' }) as JsonSchema;
  const props = root.properties!;
  const variants = props.hosts!.items!.anyOf!;
  const local = variants.find((v) => v.properties?.local?.const === true)!;
  const ssh = variants.find((v) => v.properties?.local?.const !== true)!;
  const project = props.projects!.items!;
  const reactionFields = Object.values(project.properties!.reactions!.properties!)[0]!;
  const topLinks = { hosts: 'Hosts', projects: 'Projects', app: 'app', github: 'github', defaults: 'defaults' };
  const reactionRows = REACTION_NAMES.map((name) => {
    const d = DEFAULT_REACTIONS[name];
    const policy = `${d.action}${name === 'ci-failed' ? `, retries ${d.retries}` : ''}`;
    return `| \`${name}\` | ${policy} | ${DESCRIPTIONS.reactions![name] ?? UNDOCUMENTED} |`;
  });
  const unknownReactions = Object.keys(project.properties!.reactions!.properties!).filter((n) => !(REACTION_NAMES as readonly string[]).includes(n));
  return `# Configuration reference

<!-- Generated by \`npm run docs:config\` from the schema in src/core/config.ts and the descriptions in scripts/docs-config.ts. Do not edit: a test fails when this file and the schema disagree. -->

\`agent-orchestrator.yaml\` is found via \`--config\`, \`$AO_CONFIG\`,
\`./agent-orchestrator.yaml\` or \`~/.config/agent-orchestrator/config.yaml\`
(the GitHub Action: its \`config\` input). The whole file is checked when it
loads: an unknown key, a wrong type or a broken rule fails with exit code 2,
naming the key and the fix. Relative paths in it are relative to the file.
An empty file (or none) means: the local machine is the one runner host, no
projects.

## Top level

${table('top', root, topLinks)}
## Hosts

\`hosts\` is a list; each entry is a local host or an SSH host.

### Local host

${table('local', local)}
### SSH host

${table('ssh', ssh)}
## Projects

Each entry of \`projects\`:

${table('project', project, { reactions: 'Reactions' })}
## app

${table('app', props.app!)}
## github

${table('github', props.github!)}
## defaults

${table('defaults', props.defaults!, { reactions: 'Reactions' })}
## Reactions

\`reactions\` (under \`defaults\`, or a project) maps a reaction's name to
the fields to change; a field not given keeps its default, and a project's
override applies over \`defaults.reactions\`. Each runs at most once per
fact (see the README, "GitHub access, status and reactions").

| reaction | default | when |
|---|---|---|
${reactionRows.join('\n')}
${unknownReactions.map((n) => `| \`${n}\` | | ${UNDOCUMENTED} |`).join('\n')}
Fields of each:

${table('reaction', reactionFields)}`.replace(/\n{3,}/g, '\n\n');
}

export const CONFIG_REFERENCE = path.join(import.meta.dirname, '../docs/CONFIGURATION.md');

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  writeFileSync(CONFIG_REFERENCE, configReference());
  process.stdout.write(`docs:config: ${path.relative(process.cwd(), CONFIG_REFERENCE)}\n`);
}
