#!/bin/sh
# Release an issue claim, only if the given session holds it.
# Args: dataDir claimDir id
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
dir=$root/$1
[ "$(cat "$dir/owner" 2>/dev/null)" = "$2" ] && rm -rf "$dir"
exit 0
