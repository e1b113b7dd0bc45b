#!/bin/sh
# Replace a record if we still hold its lock, release the lock, then append
# events. Stdin as for create-record.sh. Args: dataDir lock file token events
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/owner.sh
. "$AO_LIB/owner.sh"
# shellcheck source=lib/append.sh
. "$AO_LIB/append.sh"
lock=$root/$1; file=$root/$2; token=$3; events=$root/$4
# shellcheck source=lib/write-record.sh
. "$AO_LIB/write-record.sh"
rm -rf "$lock"
if [ "$status" -eq 0 ] && [ -s "$evtmp" ]; then append_file "$evtmp" "$events"; fi
rm -f "$evtmp"
exit "$status"
