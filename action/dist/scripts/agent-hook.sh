#!/bin/sh
# Run by an agent's own hooks (Claude Code's hooks, Codex's notify program),
# which spawn installs on the agent's command line (src/agents/hooks.ts): it
# appends "<epoch> <event> <detail>" to the session's state file, read by the
# snapshot's agent-state probe in its round trip, and brings the session's
# token counts up to date from the transcripts the agent named.
# It runs in the agent's environment, often, while the agent waits: quick,
# never a failure, never a word on stdout (Claude Code reads a hook's
# stdout as its answer). The session's environment carries this script
# (AO_AGENT_HOOK, run with eval) and its state directory (AO_AGENT_STATE),
# so the hooks on the agent's command line are short and all alike.
# Args: event [json]  (Codex appends its JSON as the last argument; Claude
# Code writes it on stdin)
umask 077
dir=${AO_AGENT_STATE:-}; event=${1:-}; argc=$#
# Leaving early still takes what the agent writes on stdin: a writer whose
# reader is gone gets EPIPE (never from a terminal, which nobody writes).
leave() { [ "$argc" -ge 2 ] || [ -t 0 ] || cat >/dev/null 2>&1; exit 0; }
case $event in '' | *[!A-Za-z0-9_-]*) leave ;; esac
case $dir in /*) ;; *) leave ;; esac
mkdir -p "$dir" 2>/dev/null || leave
if [ $# -ge 2 ]; then json=$2; elif [ -t 0 ]; then json=; else json=$(cat); fi
# One awk: the time (srand() returns the previous seed, the time of day),
# the detail (tool, notification kind or Codex's event type, a plain word or
# nothing), the line appended (a new conversation starts the file afresh),
# and on stdout where the transcript is: Claude Code's path, Codex's thread.
found=$(printf '%s\n' "$json" | AO_OUT="$dir/events" awk -v event="$event" '
  function field(name, chars,   m) {
    if (!match(all, "\"" name "\" *: *\"" chars "\"")) return ""
    m = substr(all, RSTART, RLENGTH)
    sub(/^"[^"]*" *: *"/, "", m)
    return substr(m, 1, length(m) - 1)
  }
  { all = all $0 }
  END {
    srand(); now = srand()
    detail = field("tool_name", "[A-Za-z0-9_.:-]*")
    if (detail == "") detail = field("notification_type", "[A-Za-z0-9_.:-]*")
    if (detail == "") detail = field("type", "[A-Za-z0-9_.:-]*")
    line = now " " event (detail == "" ? "" : " " detail)
    if (event == "SessionStart") print line > ENVIRON["AO_OUT"]
    else print line >> ENVIRON["AO_OUT"]
    path = field("transcript_path", "[^\"\\\\]*")
    if (event == "SessionStart" && path ~ /^\/.*[.]jsonl$/) print "path " path
    thread = field("thread-id", "[A-Za-z0-9-]*")
    if (thread != "") print "thread " thread
  }' 2>/dev/null)
transcript=
case $found in
  "path "*) transcript=${found#path } ;;
  "thread "*)
    # Codex names its log after the thread: $CODEX_HOME/sessions/Y/M/D/rollout-<time>-<thread>.jsonl.
    for f in "${CODEX_HOME:-$HOME/.codex}"/sessions/*/*/*/rollout-*-"${found#thread }".jsonl; do
      [ -f "$f" ] && transcript=$f
    done ;;
esac
if [ -n "$transcript" ] && ! grep -qxF -- "$transcript" "$dir/transcripts" 2>/dev/null; then
  printf '%s\n' "$transcript" >> "$dir/transcripts"
fi
# Token counts, except where a moment counts (before a tool runs; a
# permission request, whose dialog is on its way). Each transcript's new
# bytes are read once: usage-<n> (n its line in transcripts) keeps the bytes
# read and the counts so far.
case $event in PreToolUse | PermissionRequest) exit 0 ;; esac
count_tokens() {
  [ -f "$dir/transcripts" ] || return 0
  n=0
  while IFS= read -r t; do
    n=$((n + 1))
    [ -f "$t" ] || continue
    cache=$dir/usage-$n
    prev=
    [ -f "$cache" ] && IFS= read -r prev < "$cache"
    read_bytes=${prev%% *}
    case $read_bytes in '' | *[!0-9]*) read_bytes=0; prev= ;; esac
    size=$(wc -c < "$t" 2>/dev/null) || continue
    size=$((size + 0))
    # A transcript that shrank was rewritten: counted again from the start.
    if [ "$size" -lt "$read_bytes" ]; then read_bytes=0; prev=; fi
    [ "$size" -gt "$read_bytes" ] || continue
    tail -c +"$((read_bytes + 1))" "$t" 2>/dev/null | AO_PREV=$prev LC_ALL=C awk -v size="$((size - read_bytes))" '
      function num(text, name) {
        if (!match(text, "\"" name "\" *: *[0-9.eE+-]+")) return 0
        text = substr(text, RSTART, RLENGTH)
        sub(/^"[^"]*" *: */, "", text)
        return text + 0
      }
      BEGIN {
        n = split(ENVIRON["AO_PREV"], p, " ")
        done = p[1] + 0; inp = p[2] + 0; outp = p[3] + 0; cr = p[4] + 0; cw = p[5] + 0
        cost = n >= 6 ? p[6] : "-"; id = n >= 7 ? p[7] : "-"
        li = p[8] + 0; lo = p[9] + 0; lr = p[10] + 0; lw = p[11] + 0
      }
      {
        # A last line without its line end is still being written: next time.
        if (used + length($0) + 1 > size) exit
        used += length($0) + 1
      }
      # Claude Code: one entry per content block, each with its message usage
      # so far; the last entry of a message counts, once.
      /"type":"assistant"/ && /"usage":\{/ {
        u = substr($0, index($0, "\"usage\":{"))
        m = substr($0, index($0, "\"message\":{"))
        mid = match(m, /"id":"msg_[^"]*"/) ? substr(m, RSTART + 6, RLENGTH - 7) : "-"
        if (mid == id && mid != "-") { inp -= li; outp -= lo; cr -= lr; cw -= lw }
        id = mid
        li = num(u, "input_tokens"); lo = num(u, "output_tokens")
        lr = num(u, "cache_read_input_tokens"); lw = num(u, "cache_creation_input_tokens")
        inp += li; outp += lo; cr += lr; cw += lw
        next
      }
      # Claude Code: what the conversation has cost so far, by its own count.
      /"type":"cost-state"/ { c = num($0, "totalCostUSD"); if (c > 0) cost = c; next }
      # Codex: running totals for the whole session (cached input is part of the input).
      /"type":"token_count"/ && /"total_token_usage":\{/ {
        u = substr($0, index($0, "\"total_token_usage\":{"))
        cr = num(u, "cached_input_tokens"); inp = num(u, "input_tokens") - cr
        outp = num(u, "output_tokens"); cw = 0
      }
      END { print done + used, inp, outp, cr, cw, cost, id, li, lo, lr, lw }' > "$cache.$$" 2>/dev/null &&
      mv -f "$cache.$$" "$cache" 2>/dev/null
    rm -f "$cache.$$" 2>/dev/null
  done < "$dir/transcripts"
}
# An agent writes its transcript a little after the event (the turn's last
# usage comes after its Stop, Codex's after its notify): at the end of a
# turn the counting waits a moment, detached (no stdio), so the agent does
# not wait for it.
case $event in
  Stop | SessionEnd | notify) (sleep 2; count_tokens) < /dev/null > /dev/null 2>&1 & ;;
  *) count_tokens ;;
esac
exit 0
