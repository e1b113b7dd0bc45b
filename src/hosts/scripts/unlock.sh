#!/bin/sh
# Release a lock, only if we hold it. Args: dataDir lock token
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
lock=$root/$1; token=$2
case $(cat "$lock/owner" 2>/dev/null) in "$token "*) rm -rf "$lock" ;; esac
exit 0
