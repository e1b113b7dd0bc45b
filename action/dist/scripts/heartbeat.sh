#!/bin/sh
# Refresh the time of locks we hold, so a long hold is not taken for
# abandoned. Args: dataDir token lock...
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/owner.sh
. "$AO_LIB/owner.sh"
token=$1; shift
for rel in "$@"; do
  lock=$root/$rel
  read_owner "$lock"
  case $seen in
    "$token "*)
      rest=${seen#* }; holder=${rest#* }
      # Written aside and renamed, so a waiter never reads an empty owner file.
      echo "$token $(date +%s) $holder" > "$lock/owner.$$" && mv -f "$lock/owner.$$" "$lock/owner"
      ;;
  esac
done
exit 0
