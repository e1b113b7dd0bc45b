#!/bin/sh
# Every session record of an instance on this host, in one awk process (no
# process per file), each preceded by \036 and its path.
# Args: dataDir instance
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
dir=$root/$1
[ -d "$dir" ] || exit 0
cd "$dir" || exit "$EX_FAILED"
set -- */sessions/*
[ -e "$1" ] || exit 0
awk 'FNR == 1 { printf "\036%s\n", FILENAME } { print }' "$@"
