#!/bin/sh
# Claim an issue for a session (exclusive mkdir); prints the holder's ID.
# Args: dataDir claimDir id
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
dir=$root/$1
mkdir -p "${dir%/*}" || exit "$EX_FAILED"
if mkdir "$dir" 2>/dev/null; then printf '%s\n' "$2" > "$dir/owner"; echo "$2"; exit 0; fi
i=0; while [ ! -s "$dir/owner" ] && [ $i -lt 50 ]; do sleep 0.02; i=$((i + 1)); done
cat "$dir/owner" 2>/dev/null || echo unknown
