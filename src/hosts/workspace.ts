import { AoError } from '../core/errors.js';
import { execScript, scriptFacts as facts, type Host } from './host.js';

/**
 * Git workspaces on a host: one shared bare mirror per repo, one worktree
 * per session on its own branch. All paths are absolute on the host.
 */

/** Serialize work on one mirror (fetch, worktree add) across processes, where flock exists. */
const MIRROR_LOCK = `exec 9>"$mirror.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
`;

const ENSURE_MIRROR = `if [ ! -d "$mirror" ]; then
  mkdir -p "\${mirror%/*}" || exit 1
  tmp="$mirror.clone.$$"
  if git clone --quiet --bare -- "$url" "$tmp" && git -C "$tmp" config remote.origin.fetch '+refs/heads/*:refs/remotes/origin/*'; then
    mv "$tmp" "$mirror"
  else
    rm -rf "$tmp"; echo "cloning $url failed" >&2; exit 10
  fi
  echo "mirror=cloned"
else
  echo "mirror=warm"
fi
git -C "$mirror" fetch --quiet --prune origin || { echo "fetching $url failed" >&2; exit 11; }
`;

const ADD_WORKTREE = `mirror=$1; url=$2; wt=$3; branch=$4; base=$5
mkdir -p "\${mirror%/*}" || exit 1
${MIRROR_LOCK}${ENSURE_MIRROR}
git -C "$mirror" rev-parse --verify --quiet "refs/remotes/origin/$base^{commit}" >/dev/null || { echo "base branch \\"$base\\" does not exist in $url" >&2; exit 12; }
if git -C "$mirror" show-ref --verify --quiet "refs/heads/$branch" || git -C "$mirror" show-ref --verify --quiet "refs/remotes/origin/$branch"; then
  echo "branch \\"$branch\\" already exists" >&2; exit 13
fi
[ -e "$wt" ] && { echo "worktree path $wt already exists" >&2; exit 14; }
mkdir -p "\${wt%/*}" || exit 1
git -C "$mirror" worktree add --quiet --no-track -b "$branch" "$wt" "refs/remotes/origin/$base" || exit 15
`;

const RESTORE_WORKTREE = `mirror=$1; url=$2; wt=$3; branch=$4
mkdir -p "\${mirror%/*}" || exit 1
${MIRROR_LOCK}
if [ -d "$wt" ] && [ "$(git -C "$wt" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$wt" && pwd -P)" ]; then echo "worktree=present"; exit 0; fi
${ENSURE_MIRROR}
git -C "$mirror" worktree prune
if ! git -C "$mirror" show-ref --verify --quiet "refs/heads/$branch" && ! git -C "$mirror" show-ref --verify --quiet "refs/remotes/origin/$branch"; then
  echo "branch \\"$branch\\" exists neither on the host nor in $url" >&2; exit 16
fi
if [ -e "$wt" ]; then
  # Something is there but git cannot use it: keep it aside, never delete it.
  aside="$wt.orphan.$(date +%s)"
  mv "$wt" "$aside" || exit 1
  echo "aside=$aside"
fi
mkdir -p "\${wt%/*}" || exit 1
if git -C "$mirror" show-ref --verify --quiet "refs/heads/$branch"; then
  git -C "$mirror" worktree add --quiet "$wt" "$branch" || exit 15
elif git -C "$mirror" show-ref --verify --quiet "refs/remotes/origin/$branch"; then
  git -C "$mirror" worktree add --quiet --no-track -b "$branch" "$wt" "refs/remotes/origin/$branch" || exit 15
else
  echo "branch \\"$branch\\" exists neither on the host nor in $url" >&2; exit 16
fi
echo "worktree=recreated"
`;

const REMOVE_WORKTREE = `mirror=$1; wt=$2
if [ -d "$mirror" ]; then
  ${MIRROR_LOCK}
  git -C "$mirror" worktree remove --force "$wt" 2>/dev/null
  rm -rf "$wt"
  git -C "$mirror" worktree prune
else
  rm -rf "$wt"
fi
[ ! -e "$wt" ] || { echo "could not remove $wt" >&2; exit 1; }
`;

/**
 * Save what a kill would destroy: uncommitted changes (tracked and untracked,
 * committed onto a temporary index so the branch is untouched) and commits
 * not on origin, pushed together to a backup ref.
 */
const SAVE_WORK = `wt=$1; ref=$2; id=$3
[ -d "$wt" ] || { echo "state=gone"; exit 0; }
cd "$wt" || { echo "state=failed"; echo "cannot enter $wt" >&2; exit 20; }
# Any git failure below means "could not tell": never report clean then.
git rev-parse --git-dir >/dev/null 2>&1 || { echo "state=failed"; echo "$wt is not a usable git worktree (its repository may be missing)" >&2; exit 20; }
# A worktree whose .git is gone can sit inside another repository: that one is not ours to judge.
[ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ] || { echo "state=failed"; echo "$wt is not the top of its own git worktree" >&2; exit 20; }
if ! head=$(git rev-parse --verify --quiet HEAD); then
  # An unborn branch (no commit yet) is only clean when the tree is empty too.
  git symbolic-ref -q HEAD >/dev/null || { echo "state=failed"; echo "cannot read HEAD" >&2; exit 20; }
fi
status_file=$(mktemp) || exit 1
if ! git status --porcelain --untracked-files=all > "$status_file"; then rm -f "$status_file"; echo "state=failed"; echo "git status failed" >&2; exit 20; fi
dirty=$(wc -l < "$status_file" | tr -d ' '); rm -f "$status_file"
unpushed=0
if [ -n "$head" ]; then
  list=$(git rev-list HEAD --not --remotes=origin) || { echo "state=failed"; echo "git rev-list failed" >&2; exit 20; }
  [ -n "$list" ] && unpushed=$(printf '%s\\n' "$list" | wc -l | tr -d ' ')
fi
if [ "$dirty" = 0 ] && [ "$unpushed" = 0 ]; then echo "state=clean"; exit 0; fi
commit=$head
name=$(git config user.name || echo agent-orchestrator)
email=$(git config user.email || echo agent-orchestrator@localhost)
if [ "$dirty" != 0 ]; then
  index=$(mktemp) || exit 1
  # No index yet (nothing ever added): start from none rather than from an empty file git cannot read.
  cp "$(git rev-parse --git-path index)" "$index" 2>/dev/null || rm -f "$index"
  parent=\${head:+-p $head}
  if GIT_INDEX_FILE=$index git add -A && tree=$(GIT_INDEX_FILE=$index git write-tree) &&
     commit=$(git -c user.name="$name" -c user.email="$email" commit-tree "$tree" $parent -m "ao: uncommitted work of $id, saved before kill"); then
    rm -f "$index"
  else
    rm -f "$index"; echo "state=failed"; echo "recording uncommitted changes failed" >&2; exit 20
  fi
fi
# An earlier backup of this session (killed, restored, killed again) is kept as a parent, never overwritten.
old=$(git ls-remote origin "$ref" | cut -f 1)
if [ -n "$old" ] && [ "$old" != "$commit" ]; then
  git fetch --quiet origin "$ref" || { echo "state=failed"; echo "fetching the earlier backup $ref failed" >&2; exit 21; }
  if ! git merge-base --is-ancestor "$old" "$commit"; then
    commit=$(git -c user.name="$name" -c user.email="$email" commit-tree "$commit^{tree}" -p "$commit" -p "$old" -m "ao: backup of $id, keeping the earlier backup") || { echo "state=failed"; exit 21; }
  fi
fi
echo "dirty=$dirty"
echo "unpushed=$unpushed"
echo "commit=$commit"
git push --quiet origin "$commit:$ref" >/dev/null 2>"$wt.push-err.$$"
if [ "$(git ls-remote origin "$ref" | cut -f 1)" = "$commit" ]; then
  rm -f "$wt.push-err.$$"; echo "state=saved"
else
  tail -n 3 "$wt.push-err.$$" >&2; rm -f "$wt.push-err.$$"; echo "state=failed"; exit 21
fi
`;

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
    const result = await execScript(this.host, ADD_WORKTREE, [options.mirror, options.url, options.worktree, options.branch, options.baseBranch], { timeoutMs: 600_000 });
    if (result.code !== 0) {
      const kind = result.code === 13 || result.code === 14 ? 'conflict' : 'failed';
      throw new AoError(kind, `creating the worktree on host "${this.host.name}" failed: ${result.stderr.trim() || `exit ${result.code}`}`);
    }
    return { mirror: facts(result.stdout).mirror === 'cloned' ? 'cloned' : 'warm' };
  }

  /** Make sure the session's worktree exists, recreating it from its branch if it is gone. */
  async restore(options: { mirror: string; url: string; worktree: string; branch: string }): Promise<{ state: 'present' | 'recreated'; movedAside?: string }> {
    const result = await execScript(this.host, RESTORE_WORKTREE, [options.mirror, options.url, options.worktree, options.branch], { timeoutMs: 600_000 });
    if (result.code !== 0) throw new AoError('failed', `restoring the worktree on host "${this.host.name}" failed: ${result.stderr.trim() || `exit ${result.code}`}`);
    const f = facts(result.stdout);
    return { state: f.worktree === 'recreated' ? 'recreated' : 'present', movedAside: f.aside };
  }

  async remove(options: { mirror: string; worktree: string }): Promise<void> {
    const result = await execScript(this.host, REMOVE_WORKTREE, [options.mirror, options.worktree], { timeoutMs: 120_000 });
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
    const result = await execScript(this.host, SAVE_WORK, [worktree, ref, id], { timeoutMs: 300_000 });
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
