#!/bin/sh
# What became of a delivery whose client lost the connection (see
# deliver.sh): delivered, incomplete, failed, or nothing when it never
# started. Args: dataDir outbox token
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
cat "$root/$1/$2.result" 2>/dev/null
exit 0
