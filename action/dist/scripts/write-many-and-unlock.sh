#!/bin/sh
# Replace many records whose locks we still hold, release every lock, then
# append their events (one append per event log). Stdin: first a line
# "\037<lock>" per lock to release unwritten, then for each record a header
# line "\035<lock>\t<file>\t<events>", the record, and optionally a line
# holding only \036 then event lines (all on stdin: an SSH command line is
# one argument of at most 128 KiB). Prints "<n> ok|lost" per record (n counts
# from 0). Args: dataDir token
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/owner.sh
. "$AO_LIB/owner.sh"
# shellcheck source=lib/append.sh
. "$AO_LIB/append.sh"
token=$1; shift
work=$(mktemp -d "$root/.write-many.XXXXXX") || exit "$EX_FAILED"
trap 'rm -rf "$work"' EXIT
# Split stdin: $work/<n>.meta, $work/<n>.ev, and a list "n lock file log events" per
# record, where log numbers the distinct event logs.
awk -v dir="$work" '
  out == "" && /^\037/ { print substr($0, 2) > (dir "/release"); next }
  /^\035/ {
    if (out != "") close(out)
    n++; split(substr($0, 2), f, "\t")
    if (!(f[3] in logs)) logs[f[3]] = ++k
    print n - 1, f[1], f[2], logs[f[3]], f[3] > (dir "/list")
    out = dir "/" (n - 1) ".meta"; printf "" > out; next
  }
  $0 == "\036" { close(out); out = dir "/" (n - 1) ".ev"; next }
  out != "" { print > out }
' || exit "$EX_FAILED"
logs=
if [ -f "$work/list" ]; then
  while read -r n rel file key events; do
    lock=$root/$rel
    read_owner "$lock"
    case $seen in
      "$token "*)
        target=$root/$file
        # $work is under the data root: one rename, atomic.
        if mv -f "$work/$n.meta" "$target"; then
          rm -rf "$lock"
          if [ -s "$work/$n.ev" ]; then
            [ -f "$work/log.$key" ] || { logs="$logs $key"; printf '%s\n' "$events" > "$work/log.$key.path"; }
            cat "$work/$n.ev" >> "$work/log.$key"
          fi
          echo "$n ok"
        else
          rm -rf "$lock"; echo "$n failed"
        fi
        ;;
      *) echo "$n lost" ;;
    esac
  done < "$work/list"
fi
if [ -f "$work/release" ]; then
  while IFS= read -r rel; do
    lock=$root/$rel
    read_owner "$lock"
    case $seen in "$token "*) rm -rf "$lock" ;; esac
  done < "$work/release"
fi
for key in $logs; do
  read -r events < "$work/log.$key.path"
  append_file "$work/log.$key" "$root/$events"
done
exit 0
