# What every session of a repo gets from the repo's mirror, set up under the
# mirror lock each time a session is added or restored. Expects $mirror,
# $url, $guard (the push guard's text, see pre-push.sh, or empty) and
# $credential (a credential.helper value for $url, or empty: the host's own
# git credentials, as without the GitHub App).
# shellcheck shell=sh disable=SC2154 # the includer sets the variables named above

# git with the credential helper for $url before the mirror's config can
# hold it (the first clone). The empty value first empties the list of
# helpers the host's own config names, so git asks ours alone and never hands
# the token to another (a `store` helper would keep it on disk).
mirror_git() {
  if [ -n "$credential" ]; then
    git -c "credential.$url.helper=" -c "credential.$url.helper=$credential" -c "credential.$url.useHttpPath=true" "$@"
  else
    git "$@"
  fi
}

# The push guard as the mirror's pre-push hook (git runs a mirror's hooks in
# all its worktrees), and the credential helper in the mirror's config
# (shared by its worktrees), scoped to $url with its path, so one host serves
# several repos, each with its own token. Prints guard=off when the
# repository's own tools point core.hooksPath elsewhere.
mirror_access() {
  if [ -n "$guard" ]; then
    hooks=$mirror/hooks
    mkdir -p "$hooks" || return 1
    # A pre-push hook the repo's tools installed still runs, after the guard.
    if [ -f "$hooks/pre-push" ] && ! grep -q '^: ao-push-guard' "$hooks/pre-push"; then
      mv -f "$hooks/pre-push" "$hooks/pre-push.ao-chained" || return 1
    fi
    # Written whole under a name of its own, then renamed: a push meanwhile runs the old guard or the new one.
    { printf '%s' "$guard" > "$hooks/pre-push.$$" && chmod 700 "$hooks/pre-push.$$" && mv -f "$hooks/pre-push.$$" "$hooks/pre-push"; } || { rm -f "$hooks/pre-push.$$"; return 1; }
    # A host-wide core.hooksPath would silence the mirror's hooks: the mirror's own setting wins over it.
    hooks_path=$(git -C "$mirror" config --local --get core.hooksPath)
    if [ -z "$hooks_path" ]; then
      git -C "$mirror" config --local core.hooksPath "$hooks" || return 1
    elif [ "$hooks_path" != "$hooks" ]; then
      echo "guard=off"
    fi
  fi
  if [ -n "$credential" ]; then
    key=credential.$url
    if [ "$(git -C "$mirror" config --local --get-all "$key.helper")" != "$(printf '\n%s' "$credential")" ]; then
      git -C "$mirror" config --local --unset-all "$key.helper"
      { git -C "$mirror" config --local --add "$key.helper" "" && git -C "$mirror" config --local --add "$key.helper" "$credential"; } || return 1
    fi
    git -C "$mirror" config --local "$key.useHttpPath" true || return 1
  fi
}
