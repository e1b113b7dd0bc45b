#!/bin/sh
# Release locks, only those we hold. Args: dataDir token lock...
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/owner.sh
. "$AO_LIB/owner.sh"
token=$1; shift
for rel in "$@"; do
  lock=$root/$rel
  read_owner "$lock"
  case $seen in "$token "*) rm -rf "$lock" ;; esac
done
exit 0
