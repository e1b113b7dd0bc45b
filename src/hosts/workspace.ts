import { AoError } from '../core/errors.js';
import { execScript, type Host } from './host.js';
import { scriptFacts as facts } from './script-output.js';
import { EXIT, hostScript } from './scripts.js';

/**
 * Git workspaces on a host: one shared bare mirror per repo, one worktree
 * per session on its own branch. All paths are absolute on the host.
 */

/** What kill saved (or would lose): counts as git and the archive saw them. */
export interface SaveResult {
  state: 'clean' | 'gone' | 'saved' | 'failed';
  /** The script's named exit code when it failed (EXIT.TOO_BIG: the archive would be over the limit). */
  code: number;
  unpushed: number;
  staged: number;
  unstaged: number;
  untracked: number;
  /** Ignored paths kept in the archive (a directory counts once). */
  ignored: number;
  /** Nested git repositories kept in the archive. */
  nested: number;
  /** Ignored paths deleted as regenerable (projects[].disposable). */
  dropped: string[];
  archiveKb: number;
  /** The biggest kept paths, when the archive would be too big. */
  biggest?: string;
  commit?: string;
  ref?: string;
  archive?: string;
  error?: string;
}

export interface SaveOptions {
  worktree: string;
  ref: string;
  id: string;
  /** Where ignored files and nested repositories are archived on the host. */
  archive: string;
  /** Refuse (state failed, code TOO_BIG) above this; negative: archive nothing and count it as dropped. */
  maxArchiveKb: number;
  /** Names of regenerable ignored directories (node_modules...), deleted without saving. */
  disposable: readonly string[];
}

export interface RestoredWorktree {
  state: 'present' | 'recreated';
  movedAside?: string;
  /** What happened to the work kill saved: put back, left in the backup ref (the branch moved on), or there was none. */
  saved: 'applied' | 'unapplied' | 'none';
  archive: 'restored' | 'missing' | 'none';
}

/** The push guard (scripts/pre-push.sh) as a hook file: git runs hooks directly, so it needs its interpreter line. */
export function pushGuard(): string {
  return `#!/bin/sh\n${hostScript('pre-push')}`;
}

export class Workspace {
  constructor(readonly host: Host) {}

  /**
   * Fetch the mirror (cloning it the first time) and add a worktree on a new
   * branch. The mirror gets the push guard, and `credentialHelper` (a git
   * `credential.helper` value) for the URL when the surface provides
   * credentials for agents; without it the host's own git credentials serve.
   */
  async add(options: { mirror: string; url: string; worktree: string; branch: string; baseBranch: string; credentialHelper?: string }): Promise<{ mirror: 'cloned' | 'warm'; guard: 'on' | 'off' }> {
    const result = await execScript(
      this.host,
      hostScript('add-worktree'),
      [options.mirror, options.url, options.worktree, options.branch, options.baseBranch, pushGuard(), options.credentialHelper ?? ''],
      { timeoutMs: 600_000 },
    );
    if (result.code !== 0) {
      const kind = result.code === EXIT.BRANCH_EXISTS || result.code === EXIT.PATH_EXISTS ? 'conflict' : 'failed';
      throw new AoError(kind, `creating the worktree on host "${this.host.name}" failed: ${result.stderr.trim() || `exit ${result.code}`}`);
    }
    const f = facts(result.stdout);
    return { mirror: f.mirror === 'cloned' ? 'cloned' : 'warm', guard: f.guard === 'off' ? 'off' : 'on' };
  }

  /**
   * Make sure the session's worktree exists; when it must be recreated, from
   * the newest saved state (the branch, then the work kill saved in
   * `savedCommit` and `archive`).
   */
  async restore(options: { mirror: string; url: string; worktree: string; branch: string; backupRef?: string; savedCommit?: string; archive?: string; credentialHelper?: string }): Promise<RestoredWorktree> {
    const result = await execScript(
      this.host,
      hostScript('restore-worktree'),
      [options.mirror, options.url, options.worktree, options.branch, options.backupRef ?? '', options.savedCommit ?? '', options.archive ?? '', pushGuard(), options.credentialHelper ?? ''],
      { timeoutMs: 600_000 },
    );
    if (result.code !== 0) throw new AoError('failed', `restoring the worktree on host "${this.host.name}" failed: ${result.stderr.trim() || `exit ${result.code}`}`);
    const f = facts(result.stdout);
    return {
      state: f.worktree === 'recreated' ? 'recreated' : 'present',
      movedAside: f.aside,
      saved: f.saved === 'applied' || f.saved === 'unapplied' ? f.saved : 'none',
      archive: f.archive === 'restored' || f.archive === 'missing' ? f.archive : 'none',
    };
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

  async saveWork(options: SaveOptions): Promise<SaveResult> {
    const result = await execScript(
      this.host,
      hostScript('save-work'),
      [options.worktree, options.ref, options.id, options.archive, String(Math.round(options.maxArchiveKb)), ...options.disposable],
      { timeoutMs: 600_000 },
    );
    const f = facts(result.stdout);
    const state = (f.state as SaveResult['state'] | undefined) ?? 'failed';
    const n = (key: string) => Number(f[key] ?? 0) || 0;
    return {
      state: result.code === 0 ? state : 'failed',
      code: result.code ?? -1,
      unpushed: n('unpushed'),
      staged: n('staged'),
      unstaged: n('unstaged'),
      untracked: n('untracked'),
      ignored: n('ignored'),
      nested: n('nested'),
      dropped: (f.droppedNames ?? '').split(' ').filter(Boolean),
      archiveKb: n('archiveKb'),
      biggest: f.biggest?.trim() || undefined,
      commit: f.commit,
      ref: f.ref,
      archive: f.archive,
      error: result.code === 0 ? undefined : result.stderr.trim() || `exit ${result.code}`,
    };
  }
}
