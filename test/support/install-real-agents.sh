#!/bin/sh
# Install the real coding agents the tests in test/agents/real drive, pinned,
# into .cache/real-agents/ (not into the project's package.json). Idempotent:
# a second run with the same pins only checks a stamp file.
#
#   sh test/support/install-real-agents.sh          # install or check
#   AO_REAL_AGENTS=0 sh test/support/install-real-agents.sh   # skip (the tests then skip too)
#
# Install scripts are not run (some would try to download or compile things);
# the two packages whose postinstall only copies the platform binary shipped
# as an optional dependency over a placeholder get that script run by hand.
set -eu

if [ "${AO_REAL_AGENTS:-1}" = "0" ]; then
  echo "real agents: skipped (AO_REAL_AGENTS=0)"
  exit 0
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
cache="$root/.cache/real-agents"

# Keep in step with test/agents/real/agents.ts (REAL_AGENT_VERSIONS).
pins="@anthropic-ai/claude-code@2.1.332 @openai/codex@0.171.0 @google/gemini-cli@0.61.0 opencode-ai@1.18.33"
stamp="$cache/installed.txt"

# Cheap check of an earlier install: every command is there and the two
# native ones are the real binaries, not the placeholders they ship with.
check() {
  for bin in claude codex gemini opencode; do
    [ -x "$cache/node_modules/.bin/$bin" ] || return 1
  done
  for native in @anthropic-ai/claude-code/bin/claude.exe opencode-ai/bin/opencode.exe; do
    [ "$(head -c 4 "$cache/node_modules/$native" | tail -c 3)" = "ELF" ] || return 1
  done
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pins" ] && check; then
  echo "real agents: up to date in .cache/real-agents ($pins)"
  exit 0
fi

echo "real agents: installing $pins"
rm -f "$stamp"
mkdir -p "$cache"
[ -f "$cache/package.json" ] || printf '{ "name": "ao-real-agents", "private": true }\n' >"$cache/package.json"
# shellcheck disable=SC2086 # $pins is a list of package specs
(cd "$cache" && npm install --no-audit --no-fund --save-exact --ignore-scripts --loglevel=error $pins)

# Put each platform binary in place (what their postinstall does); offline, no download.
(cd "$cache/node_modules/@anthropic-ai/claude-code" && node install.cjs >/dev/null)
(cd "$cache/node_modules/opencode-ai" && node postinstall.mjs >/dev/null)

for bin in claude codex gemini opencode; do
  if ! version=$("$cache/node_modules/.bin/$bin" --version 2>&1); then
    echo "real agents: $bin does not start after installing:" >&2
    echo "$version" >&2
    exit 1
  fi
  echo "real agents: $bin $version"
done
printf '%s\n' "$pins" >"$stamp"
