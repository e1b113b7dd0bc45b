#!/bin/sh
# Create a record that must not exist yet (a hard link fails if the name is
# taken), and append events in the same round trip. Stdin: the record, then
# optionally a line holding only \036 and the event lines.
# Args: dataDir file events
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/append.sh
. "$AO_LIB/append.sh"
file=$root/$1; events=$root/$2
dir=${file%/*}; mkdir -p "$dir" || exit "$EX_FAILED"
tmp=$dir/.${file##*/}.new.$$
evtmp=$dir/.${file##*/}.ev.$$
awk -v meta="$tmp" -v ev="$evtmp" 'BEGIN { out = meta } $0 == "\036" { out = ev; next } { print > out }' || { rm -f "$tmp" "$evtmp"; exit "$EX_FAILED"; }
if ln "$tmp" "$file" 2>/dev/null; then rm -f "$tmp"; else rm -f "$tmp" "$evtmp"; echo "session record $1 already exists" >&2; exit "$EX_EXISTS"; fi
[ -s "$evtmp" ] && append_file "$evtmp" "$events"
rm -f "$evtmp"
exit 0
