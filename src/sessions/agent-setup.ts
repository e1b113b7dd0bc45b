import type { AgentAdapter, LaunchContext } from '../agents/adapter.js';
import { hookEnv, type HookTarget } from '../agents/hooks.js';
import type { ProjectConfig } from '../core/config.js';
import type { HostPaths } from '../core/layout.js';
import { hostScript } from '../hosts/scripts.js';
import type { Orchestrator } from './orchestrator.js';

/**
 * Where a session's agent reports its own state, for spawn and restore: the
 * launch context's hook target (the session's state directory on the host,
 * outside its worktree, and the hook script) and the environment its tmux
 * session gets for them. Nothing when the project turns hooks off
 * (projects[].agentHooks, defaults.agentHooks): the screen alone tells.
 */
export function agentHooks(orch: Orchestrator, project: ProjectConfig, paths: HostPaths, id: string): { hooks?: HookTarget; env: Record<string, string> } {
  if (!(project.agentHooks ?? orch.config.defaults.agentHooks)) return { env: {} };
  const hooks = { stateDir: paths.agentState(project.name, id), script: hostScript('agent-hook') };
  return { hooks, env: hookEnv(hooks) };
}

/**
 * Spawn's prepare step (scripts/prepare-launch.sh: the task prompt, the
 * agent's program) with the agent's first-run setup after it, in the same
 * round trip. Args: promptFile program, then the setup's own.
 */
export function prepareLaunch(adapter: AgentAdapter, ctx: LaunchContext): { script: string; setupArgs: string[] } {
  const prepare = hostScript('prepare-launch');
  if (!adapter.firstRun) return { script: prepare, setupArgs: [] };
  // The setup runs in a subshell of its own, with its arguments as its only ones; it never fails the step.
  return { script: `${prepare}( shift 2\n${hostScript(adapter.firstRun.script)})\nexit 0\n`, setupArgs: adapter.firstRun.args(ctx) };
}
