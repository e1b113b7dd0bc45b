#!/bin/sh
# Will Gemini CLI start on this host without asking how to authenticate or
# whether to trust the worktree's folder (see `ao doctor`, README "Agents on
# a runner host")? An auth method in settings.json with what it needs, and
# the data dir trusted (trust of a folder covers the folders below it, so
# one entry serves every worktree).
# Args: dataDir program setNames pathAssignments (lib/agent-check.sh)
# shellcheck source=lib/agent-check.sh
. "$AO_LIB/agent-check.sh"
dir=${GEMINI_CLI_HOME:-$HOME}/.gemini
settings=$dir/settings.json
trusted=${GEMINI_CLI_TRUSTED_FOLDERS_PATH:-$dir/trustedFolders.json}
settings_text=$(flat "$settings")
auth=$(printf '%s\n' "$settings_text" | sed -n 's/.*"selectedType":"\([A-Za-z-]*\)".*/\1/p')
# has_key NAME: the agent has NAME, or finds it in a .env file of its home.
has_key() { has_var "$1" || grep -Eqs "^(export[[:space:]]+)?$1=" "$dir/.env" "${GEMINI_CLI_HOME:-$HOME}/.env"; }
case $auth in
  '') need "auth: no security.auth.selectedType in $settings, so Gemini CLI asks \"How would you like to authenticate\" (even with GEMINI_API_KEY set): set it, e.g. \"gemini-api-key\"" ;;
  gemini-api-key) has_key GEMINI_API_KEY || need "credentials: auth is gemini-api-key, but the agent's environment has no GEMINI_API_KEY (nor $dir/.env)" ;;
  vertex-ai) has_key GOOGLE_API_KEY || has_key GOOGLE_CLOUD_PROJECT || need "credentials: auth is vertex-ai, but the agent's environment has neither GOOGLE_API_KEY nor GOOGLE_CLOUD_PROJECT" ;;
  oauth-personal) [ -f "$dir/oauth_creds.json" ] || need "credentials: auth is oauth-personal, but there is no $dir/oauth_creds.json: log in once by hand as this user" ;;
  *) note "auth: $auth (not checked further)" ;;
esac
case $settings_text in
  *'"folderTrust":{"enabled":false'*) note "trust: folder trust is off in $settings" ;;
  *)
    real=$(cd "$data_root" 2>/dev/null && pwd -P) || real=$data_root
    # A folder trusted at or above the data dir: a TRUST_FOLDER key, or the parent of a TRUST_PARENT key.
    found=$(AO_ROOT=$data_root AO_REAL=$real awk '
      { text = text $0 " " }
      END {
        while (match(text, /"[^"]*"[ \t]*:[ \t]*"TRUST_(FOLDER|PARENT)"/)) {
          m = substr(text, RSTART + 1, RLENGTH - 1); text = substr(text, RSTART + RLENGTH)
          k = substr(m, 1, index(m, "\"") - 1)
          if (m ~ /TRUST_PARENT"$/) sub(/\/[^\/]*\/?$/, "", k)
          sub(/\/$/, "", k)
          if (k == "") k = "/"
          for (i = 1; i <= 2; i++) {
            r = (i == 1) ? ENVIRON["AO_ROOT"] : ENVIRON["AO_REAL"]
            if (r == k || k == "/" || index(r, k "/") == 1) { print "yes"; exit }
          }
        }
      }' "$trusted" 2>/dev/null)
    [ "$found" = yes ] || need "trust: $real is not trusted in $trusted, so Gemini CLI asks \"Do you trust the files in this folder?\" in every new worktree: add \"$real\": \"TRUST_FOLDER\" there"
    ;;
esac
ready
