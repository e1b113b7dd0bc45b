#!/bin/sh
# Will Codex start on this host without its sign-in screen (see `ao doctor`,
# README "Agents on a runner host")? A login (auth.json), or a model
# provider in config.toml whose key variable the agent has; an API key in
# the environment alone still shows sign-in. (Trust of each new worktree is
# spawn's: scripts/codex-trust.sh, which needs config.toml writable.)
# Args: dataDir program setNames pathAssignments (lib/agent-check.sh)
# shellcheck source=lib/agent-check.sh
. "$AO_LIB/agent-check.sh"
home=${CODEX_HOME:-$HOME/.codex}
config=$home/config.toml
login="\`codex login\` (or \`printenv OPENAI_API_KEY | codex login --with-api-key\`) once as this user"
if [ -f "$config" ]; then
  # The top-level model_provider, and the env_key of its [model_providers.<name>] table.
  found=$(awk '
    /^[ \t]*\[/ { section = $0; gsub(/[ \t"]/, "", section); gsub(/^\[+|\]+.*$/, "", section); next }
    section == "" && /^[ \t]*model_provider[ \t]*=/ { v = $0; sub(/^[^=]*=[ \t]*"?/, "", v); sub(/".*$/, "", v); provider = v }
    section ~ /^model_providers\./ && /^[ \t]*env_key[ \t]*=/ { v = $0; sub(/^[^=]*=[ \t]*"?/, "", v); sub(/".*$/, "", v); key[substr(section, 17)] = v }
    END { if (provider != "") print provider " " ((provider in key) ? key[provider] : "") }' "$config" 2>/dev/null)
  provider=${found%% *}; env_key=${found#* }
else
  provider=
fi
if [ -n "$provider" ] && [ "$provider" != openai ]; then
  if [ -n "$env_key" ] && ! has_var "$env_key"; then
    need "credentials: the model provider \"$provider\" reads its key from $env_key, which the agent's environment lacks: set it in the host's environment or in projects[].agentCommand"
  fi
elif [ ! -f "$home/auth.json" ]; then
  need "sign-in: no auth.json in $home and no model provider of its own in $config, so Codex starts at \"Sign in with ChatGPT\" (an OPENAI_API_KEY alone does not skip it): $login, or a [model_providers.<name>] table with env_key and model_provider = \"<name>\""
fi
if ! writable "$config"; then
  need "trust: $config is not writable, so spawn cannot mark a new worktree trusted (Codex would ask \"Trust this folder?\")"
fi
ready
