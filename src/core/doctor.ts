/**
 * `ao doctor`'s reading of an agent on a host (pure): what an agent's doctor
 * script (src/hosts/scripts/<agent>-doctor.sh) is given about the agent's
 * command line, and what its lines mean.
 */

/** What an agent's doctor script says: its version, whether it starts unattended, and why not. */
export interface AgentReadiness {
  /** The version number (or the `--version` line when it has none); undefined when the program did not answer. */
  version?: string;
  /** Whether it will start straight at its prompt, with no first-run screen or login in the way. */
  ready: boolean;
  /** What would stop a fresh start, each with its fix. */
  needs: string[];
  /** What is worth knowing but stops nothing. */
  notes: string[];
}

/**
 * The locations the doctor scripts read, whose values may come from the
 * agent's command line (projects[].agentCommand): its home and config
 * directories. Of every other variable the command line sets, only the name
 * travels (a key's value never leaves the operator's config).
 */
export const AGENT_PATH_VARIABLES = [
  'HOME',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'CLAUDE_CONFIG_DIR',
  'CODEX_HOME',
  'GEMINI_CLI_HOME',
  'GEMINI_CLI_TRUSTED_FOLDERS_PATH',
  'OPENCODE_CONFIG',
] as const;

/**
 * The doctor script's arguments for the variables an agent's command line
 * sets: their names (space-separated) and the path assignments (NAME=value
 * lines). A path with a line break cannot travel as a line and is left out.
 */
export function agentCheckArgs(env: Readonly<Record<string, string>>): { setNames: string; pathAssignments: string } {
  const names = Object.keys(env).filter((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
  const paths = names.filter((name) => (AGENT_PATH_VARIABLES as readonly string[]).includes(name) && !/[\n\r]/.test(env[name]!));
  return { setNames: names.join(' '), pathAssignments: paths.map((name) => `${name}=${env[name]}`).join('\n') };
}

/** The version number in a `--version` line ("codex-cli 0.171.0" -> "0.171.0"), else the line itself. */
export function versionOf(line: string): string | undefined {
  const text = line.trim();
  if (!text) return undefined;
  return /\d+\.\d+(?:\.\d+)*(?:[-+][0-9A-Za-z.]+)?/.exec(text)?.[0] ?? text;
}

/**
 * Read a doctor script's lines: `version=`, any number of `need=` and
 * `note=`, then `ready=yes|no`. Output cut short (no `ready=` line) is not
 * ready, and says so.
 */
export function parseAgentCheck(output: string): AgentReadiness {
  const needs: string[] = [];
  const notes: string[] = [];
  let version: string | undefined;
  let ready: boolean | undefined;
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key === 'version') version = versionOf(value);
    else if (key === 'need' && value) needs.push(value);
    else if (key === 'note' && value) notes.push(value);
    else if (key === 'ready') ready = value === 'yes';
  }
  if (ready === undefined) needs.push("the check did not finish on the host (no answer from its script): run `ao doctor` again, or start the agent there by hand");
  return { ...(version ? { version } : {}), ready: ready === true && needs.length === 0, needs, notes };
}
