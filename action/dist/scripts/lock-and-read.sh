#!/bin/sh
# Take a session's record lock and print the record.
# Args: dataDir lock file token staleSec holder dead waitSec
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
lock=$root/$1; file=$root/$2; token=$3; stale=$4; holder=$5; dead=$6; wait=$7
# shellcheck source=lib/owner.sh
. "$AO_LIB/owner.sh"
# shellcheck source=lib/lock.sh
. "$AO_LIB/lock.sh"
if [ -f "$file" ]; then cat "$file"; else echo "no session record at $file" >&2; rm -rf "$lock"; exit "$EX_NO_RECORD"; fi
