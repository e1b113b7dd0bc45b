import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real agents under test and what an operator sets on a fresh runner
 * host so that each starts straight at its prompt, talks to a model endpoint
 * of the operator's choosing (here the scripted model server) and asks before
 * running commands: settings files in the agent's home and environment
 * variables, never a key in the repository.
 */

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** Where test/support/install-real-agents.sh installs the agents. */
export const REAL_AGENTS_DIR = path.join(REPO, '.cache', 'real-agents');
export const REAL_AGENTS_BIN = path.join(REAL_AGENTS_DIR, 'node_modules', '.bin');
export const INSTALLER = 'sh test/support/install-real-agents.sh';

/** Pinned versions, in step with the installer. */
export const REAL_AGENT_VERSIONS = {
  'claude-code': '2.1.332',
  codex: '0.171.0',
  gemini: '0.61.0',
  opencode: '1.18.33',
} as const;

export type RealAgentName = keyof typeof REAL_AGENT_VERSIONS;

export interface HostLayout {
  /** The agent's HOME: a fresh, empty directory, like a new runner host's account. */
  home: string;
  /** The session's git worktree. */
  worktree: string;
  /** The directory that holds every session's worktree (ao's data root on the host). */
  worktreesRoot: string;
  /** The repository the worktree was added from (ao's mirror of the project). */
  repoRoot: string;
  /** Base URL of the model endpoint (no trailing slash, no /v1). */
  modelUrl: string;
}

export interface RealAgent {
  /** Adapter name in src/agents. */
  adapter: RealAgentName;
  /** Command name on the PATH. */
  bin: string;
  /**
   * Write the operator's settings into the fresh home and return the
   * environment the session runs with.
   */
  prepare(layout: HostLayout): Record<string, string>;
  /** What to type to make the agent exit (followed by Enter). */
  exitCommand: string;
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function writeText(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** A fake credential for the scripted server: never a real key. */
const TOKEN = 'scripted-test-token';

export const claudeCode: RealAgent = {
  adapter: 'claude-code',
  bin: 'claude',
  exitCommand: '/exit',
  prepare({ home, worktree, modelUrl }) {
    // ~/.claude.json: onboarding (theme, login) done; the worktree trusted. Claude Code keeps
    // trust per project directory (inside a git repository only the repository's own folders
    // count), so spawn has to add each new worktree here.
    writeJson(path.join(home, '.claude.json'), {
      hasCompletedOnboarding: true,
      projects: { [worktree]: { hasTrustDialogAccepted: true } },
    });
    // ~/.claude/settings.json: ask before tools run ("default" mode). Auto mode is the default
    // of this version; turning it off also keeps the "make auto mode your default?" offer away.
    writeJson(path.join(home, '.claude', 'settings.json'), {
      permissions: { defaultMode: 'default', disableAutoMode: 'disable' },
    });
    return {
      ANTHROPIC_BASE_URL: modelUrl,
      // A bearer token, not ANTHROPIC_API_KEY: an API key from the environment brings up
      // "Do you want to use this API key?" on first start.
      ANTHROPIC_AUTH_TOKEN: TOKEN,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
    };
  },
};

export const codex: RealAgent = {
  adapter: 'codex',
  bin: 'codex',
  exitCommand: '/quit',
  prepare({ home, repoRoot, modelUrl }) {
    const toml = [
      'model = "scripted-model"',
      'model_provider = "scripted"',
      // Commands run in the workspace sandbox; anything the model wants run outside it is asked for.
      'approval_policy = "on-request"',
      'sandbox_mode = "workspace-write"',
      'check_for_update_on_startup = false',
      '',
      '[model_providers.scripted]',
      'name = "Scripted model server"',
      `base_url = "${modelUrl}/v1"`,
      'env_key = "SCRIPTED_MODEL_API_KEY"',
      'wire_api = "responses"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
      '[analytics]',
      'enabled = false',
      '',
      // Codex keeps trust per repository root; a linked worktree's root is the repository it was
      // added from, so one entry for the project's mirror covers every session's worktree.
      `[projects."${repoRoot}"]`,
      'trust_level = "trusted"',
      '',
    ].join('\n');
    writeText(path.join(home, '.codex', 'config.toml'), toml);
    return { CODEX_HOME: path.join(home, '.codex'), SCRIPTED_MODEL_API_KEY: TOKEN };
  },
};

export const gemini: RealAgent = {
  adapter: 'gemini',
  bin: 'gemini',
  exitCommand: '/quit',
  prepare({ home, worktreesRoot, modelUrl }) {
    writeJson(path.join(home, '.gemini', 'settings.json'), {
      // Without a chosen auth method the first start asks "How would you like to authenticate".
      security: { auth: { selectedType: 'gemini-api-key' } },
      general: { disableAutoUpdate: true, disableUpdateNag: true },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
    });
    // Trust covers every folder below a trusted one: one entry for all worktrees of the host.
    writeJson(path.join(home, '.gemini', 'trustedFolders.json'), { [worktreesRoot]: 'TRUST_FOLDER' });
    return { GOOGLE_GEMINI_BASE_URL: modelUrl, GEMINI_API_KEY: TOKEN };
  },
};

export const opencode: RealAgent = {
  adapter: 'opencode',
  bin: 'opencode',
  exitCommand: '/exit',
  prepare({ home, modelUrl }) {
    writeJson(path.join(home, '.config', 'opencode', 'opencode.json'), {
      $schema: 'https://opencode.ai/config.json',
      model: 'scripted/scripted-model',
      small_model: 'scripted/scripted-model',
      autoupdate: false,
      share: 'disabled',
      // Ask before shell commands and edits (OpenCode allows them by default).
      permission: { bash: 'ask', edit: 'ask' },
      provider: {
        scripted: {
          npm: '@ai-sdk/openai-compatible',
          name: 'Scripted model server',
          options: { baseURL: `${modelUrl}/v1`, apiKey: TOKEN },
          models: { 'scripted-model': { name: 'Scripted model', tool_call: true } },
        },
      },
    });
    return { OPENCODE_DISABLE_MODELS_FETCH: '1', OPENCODE_DISABLE_AUTOUPDATE: '1' };
  },
};

export const REAL_AGENTS: Record<RealAgentName, RealAgent> = { 'claude-code': claudeCode, codex, gemini, opencode };

/** Whether the installer has put this agent's command in the cache (AO_REAL_AGENTS=0 turns the real agents off). */
export function installed(agent: RealAgent): boolean {
  return process.env.AO_REAL_AGENTS !== '0' && existsSync(path.join(REAL_AGENTS_BIN, agent.bin));
}

export function skipReason(agent: RealAgent): string {
  if (process.env.AO_REAL_AGENTS === '0') return 'AO_REAL_AGENTS=0 turns the real agents off';
  return `${agent.bin} is not installed in .cache/real-agents: run \`${INSTALLER}\``;
}
