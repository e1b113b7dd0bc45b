#!/bin/sh
# Will OpenCode reach a model on this host (see `ao doctor`, README "Agents
# on a runner host")? It has no first-run screen: without a provider in its
# config (or a login) it starts at its prompt with its hosted default model,
# which a host may not reach. So this only notes; it is ready when installed.
# Args: dataDir program setNames pathAssignments (lib/agent-check.sh)
# shellcheck source=lib/agent-check.sh
. "$AO_LIB/agent-check.sh"
config=${XDG_CONFIG_HOME:-$HOME/.config}/opencode
data=${XDG_DATA_HOME:-$HOME/.local/share}/opencode
if has_var OPENCODE_CONFIG_CONTENT || [ -f "$data/auth.json" ] || grep -Eqs '"(provider|model)"' "$config/opencode.json" "$config/opencode.jsonc" "$config/config.json" "${OPENCODE_CONFIG:-/nonexistent}"; then
  :
else
  note "provider: no \"model\" or \"provider\" in $config/opencode.json and no login ($data/auth.json), so it starts with its hosted default model: name the provider and model there"
fi
ready
