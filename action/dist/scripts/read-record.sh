#!/bin/sh
# One session record. Args: dataDir file
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
cat "$root/$1" 2>/dev/null || exit "$EX_NO_RECORD"
