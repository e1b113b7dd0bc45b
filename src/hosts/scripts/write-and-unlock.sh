#!/bin/sh
# Replace a record (temp file + rename) if we still hold its lock, release
# the lock, then append events. Stdin as for create-record.sh.
# Args: dataDir lock file token events
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/append.sh
. "$AO_LIB/append.sh"
lock=$root/$1; file=$root/$2; token=$3; events=$root/$4
case $(cat "$lock/owner" 2>/dev/null) in
  "$token "*) ;;
  *) echo "the session lock was lost (held too long and broken as stale); nothing written" >&2; exit "$EX_LOCK_LOST" ;;
esac
dir=${file%/*}
tmp=$dir/.${file##*/}.tmp.$$
evtmp=$dir/.${file##*/}.ev.$$
if awk -v meta="$tmp" -v ev="$evtmp" 'BEGIN { out = meta } $0 == "\036" { out = ev; next } { print > out }' && mv -f "$tmp" "$file"; then
  status=0
else
  status=$EX_FAILED; rm -f "$tmp"
fi
rm -rf "$lock"
if [ "$status" -eq 0 ] && [ -s "$evtmp" ]; then append_file "$evtmp" "$events"; fi
rm -f "$evtmp"
exit "$status"
