#!/bin/sh
# Release locks, only those we hold. Args: dataDir token lock...
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
token=$1; shift
for rel in "$@"; do
  lock=$root/$rel
  case $(cat "$lock/owner" 2>/dev/null) in "$token "*) rm -rf "$lock" ;; esac
done
exit 0
