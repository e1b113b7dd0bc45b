import { AoError } from '../core/errors.js';
import { execScript, type Host } from './host.js';
import { scriptFacts as facts } from './script-output.js';
import { EXIT, hostScript } from './scripts.js';

/**
 * Git workspaces on a host: one shared bare mirror per repo, one worktree
 * per session on its own branch. All paths are absolute on the host.
 */

export interface SaveResult {
  state: 'clean' | 'gone' | 'saved' | 'failed';
  dirty: number;
  unpushed: number;
  commit?: string;
  ref?: string;
  error?: string;
}

export class Workspace {
  constructor(readonly host: Host) {}

  /** Fetch the mirror (cloning it the first time) and add a worktree on a new branch. */
  async add(options: { mirror: string; url: string; worktree: string; branch: string; baseBranch: string }): Promise<{ mirror: 'cloned' | 'warm' }> {
    const result = await execScript(this.host, hostScript('add-worktree'), [options.mirror, options.url, options.worktree, options.branch, options.baseBranch], { timeoutMs: 600_000 });
    if (result.code !== 0) {
      const kind = result.code === EXIT.BRANCH_EXISTS || result.code === EXIT.PATH_EXISTS ? 'conflict' : 'failed';
      throw new AoError(kind, `creating the worktree on host "${this.host.name}" failed: ${result.stderr.trim() || `exit ${result.code}`}`);
    }
    return { mirror: facts(result.stdout).mirror === 'cloned' ? 'cloned' : 'warm' };
  }

  /** Make sure the session's worktree exists, recreating it from its branch if it is gone. */
  async restore(options: { mirror: string; url: string; worktree: string; branch: string }): Promise<{ state: 'present' | 'recreated'; movedAside?: string }> {
    const result = await execScript(this.host, hostScript('restore-worktree'), [options.mirror, options.url, options.worktree, options.branch], { timeoutMs: 600_000 });
    if (result.code !== 0) throw new AoError('failed', `restoring the worktree on host "${this.host.name}" failed: ${result.stderr.trim() || `exit ${result.code}`}`);
    const f = facts(result.stdout);
    return { state: f.worktree === 'recreated' ? 'recreated' : 'present', movedAside: f.aside };
  }

  async remove(options: { mirror: string; worktree: string }): Promise<void> {
    const result = await execScript(this.host, hostScript('remove-worktree'), [options.mirror, options.worktree], { timeoutMs: 120_000 });
    if (result.code !== 0) throw new AoError('failed', `removing the worktree on host "${this.host.name}" failed: ${result.stderr.trim() || `exit ${result.code}`}`);
  }

  /** Run operator-configured post-create commands in the worktree, in order; stop at the first failure. */
  async postCreate(worktree: string, commands: readonly string[], timeoutMs = 600_000): Promise<void> {
    for (const command of commands) {
      const result = await this.host.exec(['sh', '-c', command], { cwd: worktree, timeoutMs });
      if (result.code !== 0) {
        const tail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
        throw new AoError('failed', `post-create command ${JSON.stringify(command)} ${result.timedOut ? 'timed out' : `exited with ${result.code}`}${tail ? `: ${tail}` : ''}`, 'fix the command under projects[].postCreate');
      }
    }
  }

  async saveWork(worktree: string, ref: string, id: string): Promise<SaveResult> {
    const result = await execScript(this.host, hostScript('save-work'), [worktree, ref, id], { timeoutMs: 300_000 });
    const f = facts(result.stdout);
    const state = (f.state as SaveResult['state'] | undefined) ?? 'failed';
    return {
      state: result.code === 0 ? state : 'failed',
      dirty: Number(f.dirty ?? 0),
      unpushed: Number(f.unpushed ?? 0),
      commit: f.commit,
      ref: state === 'saved' ? ref : undefined,
      error: result.code === 0 ? undefined : result.stderr.trim() || `exit ${result.code}`,
    };
  }
}
