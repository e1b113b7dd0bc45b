#!/bin/sh
# A project's event log. Args: dataDir events
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
cat "$root/$1" 2>/dev/null
exit 0
