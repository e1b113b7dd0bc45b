# Clone the bare mirror the first time, then fetch it. Expects $mirror, $url,
# and mirror_git and mirror_access (mirror-access.sh): the push guard and the
# credential helper are in place before the first fetch.
# shellcheck shell=sh disable=SC2154 # the includer sets the variables named above
if [ ! -d "$mirror" ]; then
  mkdir -p "${mirror%/*}" || exit "$EX_FAILED"
  tmp="$mirror.clone.$$"
  if mirror_git clone --quiet --bare -- "$url" "$tmp" && git -C "$tmp" config remote.origin.fetch '+refs/heads/*:refs/remotes/origin/*'; then
    mv "$tmp" "$mirror"
  else
    rm -rf "$tmp"; echo "cloning $url failed" >&2; exit "$EX_CLONE_FAILED"
  fi
  echo "mirror=cloned"
else
  echo "mirror=warm"
fi
mirror_access || { echo "setting up the push guard and credentials of $mirror failed" >&2; exit "$EX_FAILED"; }
git -C "$mirror" fetch --quiet --prune origin || { echo "fetching $url failed" >&2; exit "$EX_FETCH_FAILED"; }
