#!/bin/sh
# `gh` for agent sessions whose repo gets its token from the GitHub App: it
# is first on the session's PATH, reads the repo's current installation token
# from the file the app rewrites (AO_GH_TOKEN_FILE), and runs the real gh
# with it, so `gh pr create` an hour into a session uses a live token. An
# environment variable set at spawn could not follow a refresh.
file=${AO_GH_TOKEN_FILE:-}
if [ -n "$file" ] && [ -r "$file" ]; then
  token=
  IFS= read -r token < "$file"
  if [ -n "$token" ]; then
    # gh reads GH_TOKEN for github.com and GH_ENTERPRISE_TOKEN for a GitHub Enterprise Server host.
    GH_TOKEN=$token
    GH_ENTERPRISE_TOKEN=$token
    export GH_TOKEN GH_ENTERPRISE_TOKEN
  fi
fi
self=$(cd "${0%/*}" 2>/dev/null && pwd -P)
# The real gh: the first on the PATH that is not this shim.
set -f
IFS=:
real=
for dir in $PATH; do
  if [ -n "$dir" ] && [ -f "$dir/gh" ] && [ -x "$dir/gh" ] && [ "$(cd "$dir" 2>/dev/null && pwd -P)" != "$self" ]; then
    real=$dir/gh
    break
  fi
done
[ -z "$real" ] || exec "$real" "$@"
echo "gh: not installed on this host (ao's gh shim found no other gh on the PATH)" >&2
exit 127
