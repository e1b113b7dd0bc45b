# Replace a record (temp file + rename) if the record lock is still ours,
# then append events. Expects $lock, $file, $token, $events and the record
# on stdin (then a line holding only \036 and the event lines); sets $status.
# Needs lib/owner.sh.
# shellcheck shell=sh disable=SC2154,SC2034 # the includer sets the inputs and reads $status
read_owner "$lock"
case $seen in
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
