#!/bin/sh
# Give a reserved session number back. Args: dataDir reservation
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
rmdir "$root/$1" 2>/dev/null
exit 0
