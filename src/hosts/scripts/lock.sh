#!/bin/sh
# Take a named lock. Args: dataDir lock token staleSec holder dead waitSec
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
lock=$root/$1; token=$2; stale=$3; holder=$4; dead=$5; wait=$6
# shellcheck source=lib/lock.sh
. "$AO_LIB/lock.sh"
