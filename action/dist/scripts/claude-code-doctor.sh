#!/bin/sh
# Will Claude Code start on this host straight at its prompt, with a model
# it may use (see `ao doctor`, README "Agents on a runner host")? Onboarding
# done in its global config, credentials it takes without asking, and no
# offer about auto mode in the way. (Trust of each new worktree is spawn's:
# scripts/claude-code-trust.sh, which needs the global config writable.)
# Args: dataDir program setNames pathAssignments (lib/agent-check.sh)
# shellcheck source=lib/agent-check.sh
. "$AO_LIB/agent-check.sh"
config=${CLAUDE_CONFIG_DIR:-$HOME/.claude}
if [ -n "${CLAUDE_CONFIG_DIR:-}" ]; then global=$CLAUDE_CONFIG_DIR/.claude.json; else global=$HOME/.claude.json; fi
settings=$config/settings.json
global_text=$(flat "$global")
settings_text=$(flat "$settings")
if [ ! -f "$global" ]; then
  need "onboarding: there is no $global, so Claude Code starts with its theme picker: write {\"hasCompletedOnboarding\": true} there (or start claude once by hand)"
else
  case $global_text in
    *'"hasCompletedOnboarding":true'*) ;;
    *) need "onboarding: $global lacks \"hasCompletedOnboarding\": true, so Claude Code starts with its theme picker: add it" ;;
  esac
  writable "$global" || need "trust: $global is not writable, so spawn cannot mark a new worktree trusted (Claude Code would ask \"Do you trust the files in this folder?\")"
fi
case $settings_text in *'"apiKeyHelper":'*) helper=yes ;; *) helper=no ;; esac
if has_var ANTHROPIC_AUTH_TOKEN || has_var CLAUDE_CODE_OAUTH_TOKEN || has_var CLAUDE_CODE_USE_BEDROCK || has_var CLAUDE_CODE_USE_VERTEX || has_var CLAUDE_CODE_USE_FOUNDRY || [ "$helper" = yes ] || [ -f "$config/.credentials.json" ]; then
  :
elif has_var ANTHROPIC_API_KEY; then
  case $global_text in
    *'"customApiKeyResponses":{"approved":["'*) note "credentials: ANTHROPIC_API_KEY, with keys approved in $global; a key not approved there is asked about (\"Do you want to use this API key?\")" ;;
    *) need "credentials: a key in ANTHROPIC_API_KEY is asked about on the first start (\"Do you want to use this API key?\"): hand it over by an apiKeyHelper in $settings (a command that prints it), or as ANTHROPIC_AUTH_TOKEN where the endpoint takes a bearer token, or approve it once by hand" ;;
  esac
else
  need "credentials: none (Claude Code would say \"Not logged in\"): an apiKeyHelper in $settings, ANTHROPIC_AUTH_TOKEN (or CLAUDE_CODE_OAUTH_TOKEN from \`claude setup-token\`) in the agent's environment, or \`claude /login\` once as this user"
fi
case $settings_text in
  *'"defaultMode":"auto"'* | *'"disableAutoMode":"disable"'*) ;;
  *'"defaultMode":'*)
    case $global_text in
      *'"hasSeenAutoDefaultNudge":true'*) ;;
      *) need "auto mode: with permissions.defaultMode set, Claude Code first offers to make auto mode the default: add \"disableAutoMode\": \"disable\" to permissions in $settings" ;;
    esac ;;
  *) note "permissions: no permissions.defaultMode in $settings, so the agent's own default applies (auto mode in recent versions: tools it judges safe run without asking); set \"defaultMode\": \"default\" and \"disableAutoMode\": \"disable\" to be asked" ;;
esac
ready
