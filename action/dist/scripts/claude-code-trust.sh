#!/bin/sh
# Before Claude Code first starts in a new worktree: mark the worktree
# trusted in its global config (<config dir>/.claude.json, or ~/.claude.json),
# as accepting the "Do you trust the files in this folder?" dialog would.
# Claude Code keeps trust per folder, and in a git worktree only the
# worktree's own folder counts, so no one-time setting covers the worktrees
# spawn makes. Only that one entry changes: the file is read whole, edited
# as text by a JSON-aware scan (strings and nesting), and replaced by
# rename, so a reader never sees half a file.
# Prints "trust=added|present|skipped <why>". Never fails the spawn: without
# the entry the agent shows its trust dialog and ao reads it as a question.
# Args: worktree configDir home  (configDir/home: the agent's CLAUDE_CONFIG_DIR
# and HOME when its command line sets them, else empty)
worktree=$1; config_dir=${2:-${CLAUDE_CONFIG_DIR:-}}; home=${3:-$HOME}
case $worktree in /*) ;; *) echo "trust=skipped not an absolute path"; exit 0 ;; esac
# The path goes into the file as a JSON string: nothing in it may need escaping.
case $worktree in *[\"\\]* | *[![:print:]]*) echo "trust=skipped the path has characters JSON would escape"; exit 0 ;; esac
if [ -n "$config_dir" ]; then file=$config_dir/.claude.json; else file=$home/.claude.json; fi
if [ ! -f "$file" ]; then
  # No config at all: Claude Code's onboarding comes first (ao doctor says so);
  # the trust entry is all this adds.
  mkdir -p "${file%/*}" 2>/dev/null
  printf '{"projects":{"%s":{"hasTrustDialogAccepted":true}}}\n' "$worktree" > "$file.ao.$$" 2>/dev/null &&
    mv -f "$file.ao.$$" "$file" && { echo "trust=added"; exit 0; }
  rm -f "$file.ao.$$"
  echo "trust=skipped cannot write $file"
  exit 0
fi
# The awk prints the edited file, or nothing when the entry is already there;
# its exit status says which (0 edited, 2 present, 1 not JSON it can read).
AO_KEY=$worktree awk '
  BEGIN { RS = "\001" }
  { text = text $0 }
  END {
    key = ENVIRON["AO_KEY"]; n = length(text)
    depth = 0; instr = 0; esc = 0; expectkey = 0
    projects = 0; pstart = 0; pend = 0; entry = 0; estart = 0; eend = 0; flag = 0; fvalue = 0; top = 0
    last = ""
    for (i = 1; i <= n; i++) {
      c = substr(text, i, 1)
      if (instr) {
        if (esc) esc = 0
        else if (c == "\\") esc = 1
        else if (c == "\"") { instr = 0; s = substr(text, sstart, i - sstart + 1); after = i }
        continue
      }
      if (c == "\"") { instr = 1; sstart = i; continue }
      if (c == ":") {
        # The string just closed was a key: note the keys that matter, by depth.
        if (depth == 1 && s == "\"projects\"") projects = 1
        else if (depth == 2 && pstart && !pend && s == "\"" key "\"") entry = 1
        else if (depth == 3 && estart && !eend && s == "\"hasTrustDialogAccepted\"") { flag = 1; fvalue = i + 1 }
        continue
      }
      if (c == "{") {
        depth++
        if (depth == 1 && !top) top = i
        if (depth == 2 && projects == 1 && !pstart) pstart = i
        if (depth == 3 && entry == 1 && !estart) estart = i
        continue
      }
      if (c == "}") {
        if (depth == 2 && pstart && !pend) pend = i
        if (depth == 3 && estart && !eend) eend = i
        depth--
        continue
      }
    }
    if (!top || depth != 0 || instr) exit 1
    new = "\"" key "\":{\"hasTrustDialogAccepted\":true}"
    if (flag) {
      v = substr(text, fvalue)
      sub(/^[ \t\r\n]*/, "", v)
      if (substr(v, 1, 4) == "true") exit 2
      # "false" (or null): the one value changes.
      p = index(substr(text, fvalue), substr(v, 1, 1)) + fvalue - 1
      w = (substr(v, 1, 5) == "false") ? 5 : 4
      printf "%s%s%s", substr(text, 1, p - 1), "true", substr(text, p + w)
    } else if (estart) {
      rest = substr(text, estart + 1)
      sep = (rest ~ /^[ \t\r\n]*\}/) ? "" : ","
      printf "%s%s%s%s", substr(text, 1, estart), "\"hasTrustDialogAccepted\":true", sep, rest
    } else if (pstart) {
      rest = substr(text, pstart + 1)
      sep = (rest ~ /^[ \t\r\n]*\}/) ? "" : ","
      printf "%s%s%s%s", substr(text, 1, pstart), new, sep, rest
    } else {
      rest = substr(text, top + 1)
      sep = (rest ~ /^[ \t\r\n]*\}/) ? "" : ","
      printf "%s%s%s%s", substr(text, 1, top), "\"projects\":{" new "}", sep, rest
    }
    exit 0
  }' "$file" > "$file.ao.$$" 2>/dev/null
status=$?
case $status in
  0) if mv -f "$file.ao.$$" "$file"; then echo "trust=added"; else rm -f "$file.ao.$$"; echo "trust=skipped cannot replace $file"; fi ;;
  2) rm -f "$file.ao.$$"; echo "trust=present" ;;
  *) rm -f "$file.ao.$$"; echo "trust=skipped $file is not JSON ao can read" ;;
esac
exit 0
