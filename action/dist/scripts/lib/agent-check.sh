# Shared by the agents' doctor scripts (scripts/*-doctor.sh, see `ao doctor`):
# the agent's locations as its command line sets them, its version, and the
# helpers the checks use. A check prints "need=<what, and the fix>" for what
# would stop a fresh start at a first-run screen or a login (spawn would
# stall), and "note=<...>" for what is worth knowing; the includer ends with
# `ready`. Never fails; writes nothing.
# Args (of the includer): dataDir program setNames pathAssignments
#   setNames: the names of the variables the agent's command line sets,
#     space-separated (names only: their values, keys among them, stay in
#     the operator's config);
#   pathAssignments: NAME=value lines, only for the locations the checks
#     read (the agent's HOME, XDG_CONFIG_HOME, XDG_DATA_HOME, CLAUDE_CONFIG_DIR,
#     CODEX_HOME, GEMINI_CLI_HOME, GEMINI_CLI_TRUSTED_FOLDERS_PATH, OPENCODE_CONFIG).
# shellcheck shell=sh disable=SC2034,SC2088 # data_root is for the includer; "~" is matched literally on purpose
data_root=$1; program=$2; set_names=" $3 "
case $data_root in "~") data_root=$HOME ;; "~/"*) data_root=$HOME/${data_root#"~/"} ;; esac
set -f
old_ifs=$IFS; IFS='
'
for assignment in $4; do
  case ${assignment%%=*} in
    HOME | XDG_CONFIG_HOME | XDG_DATA_HOME | CLAUDE_CONFIG_DIR | CODEX_HOME | GEMINI_CLI_HOME | GEMINI_CLI_TRUSTED_FOLDERS_PATH | OPENCODE_CONFIG) export "${assignment?}" ;;
  esac
done
IFS=$old_ifs
set +f
needs=0
# has_var NAME: the agent will have NAME set, from its command line or the host's environment.
has_var() {
  case $1 in '' | [!A-Za-z_]* | *[!A-Za-z0-9_]*) return 1 ;; esac
  case $set_names in *" $1 "*) return 0 ;; esac
  eval "[ -n \"\${$1:-}\" ]"
}
need() { needs=$((needs + 1)); echo "need=$1"; }
note() { echo "note=$1"; }
ready() { if [ "$needs" -eq 0 ]; then echo ready=yes; else echo ready=no; fi; }
# flat FILE: a JSON file without its blanks, for checks of simple keys and values.
flat() { { tr -d ' \t\r\n' < "$1"; } 2>/dev/null; }
# writable FILE: the agent (and spawn's trust step) can write FILE, or create it.
writable() {
  if [ -e "$1" ]; then [ -w "$1" ]; return; fi
  case $1 in /*) ;; *) return 1 ;; esac
  d=${1%/*}
  while [ -n "$d" ] && [ ! -e "$d" ]; do d=${d%/*}; done
  [ -d "${d:-/}" ] && [ -w "${d:-/}" ]
}
# Its version: the first line of `--version` that has one (the program may be missing: empty).
if command -v "$program" >/dev/null 2>&1; then
  if command -v timeout >/dev/null 2>&1; then
    version=$(timeout 10 "$program" --version < /dev/null 2>/dev/null | awk '/[0-9][.][0-9]/ { print; exit }')
  else
    version=$("$program" --version < /dev/null 2>/dev/null | awk '/[0-9][.][0-9]/ { print; exit }')
  fi
  echo "version=$version"
fi
