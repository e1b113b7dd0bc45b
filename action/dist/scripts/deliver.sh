#!/bin/sh
# Deliver a message to an agent whole or not at all. The message (stdin) is
# first staged to a private file and checked against the size and CRC the
# sender computed; only a complete message is pasted (one bracketed paste
# from a uniquely named buffer), followed by exactly one Enter once the pane
# shows the paste. From the moment the message is complete the script no
# longer depends on its caller: interrupts and hang-ups are ignored, so a
# killed client or a dropped connection cannot leave half a delivery. It
# writes the outcome to a result file and the event log itself, verbatim.
# Prints delivered=yes|no and confirmed=yes|no.
# Args: dataDir events socket target buffer enter(0|1) confirmPolls cksum outbox token eventHead [stillPolls]
#   events and outbox: paths below the data root;
#   cksum: "CRC SIZE" as POSIX cksum prints it; eventHead: the event's JSON
#   without its closing brace and text ('{"at":...,"type":"message_sent"');
#   stillPolls: for agents that take a paste in pieces (full-screen UIs), the
#   Enter waits until the pane has not changed for this many 50 ms polls; and
#   a paste such an agent never shows (it dropped it: still starting) gets no
#   Enter at all: delivered=no shown=no, and the caller may try again.
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/append.sh
. "$AO_LIB/append.sh"
trap '' HUP INT TERM PIPE
events=$root/$1; sock=$2; target=$3; buffer=$4; enter=$5; polls=$6; expected=$7; outbox=$root/$8; token=$9
shift 9
head=$1; still=${2:-0}
[ -d "$outbox" ] || mkdir -p "$outbox" || exit "$EX_FAILED"
staged=$outbox/$token.msg
result=$outbox/$token.result
# The event line: its head, the outcome, and the text as a JSON string (only \n and \t can
# occur in it: the sender neutralised every other control character). The head comes through
# the environment, where awk takes it as it is (a -v value would have its backslashes read).
# The text is written out line by line (building it in one string is quadratic: ~15 s for
# 2 MB), to a file beside the message, which is then appended whole to the log.
# shellcheck disable=SC2016 # awk's own expressions
EVENT_AWK='
  function esc(s) { gsub(/\\/, "&&", s); gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); return s }
  BEGIN { printf "%s,%s,\"text\":\"", ENVIRON["AO_HEAD"], ENVIRON["AO_TAIL"] }
  { printf "%s%s", (NR > 1 ? "\\n" : ""), esc($0) }
  END { printf "\"}\n" }'
record() {
  AO_HEAD=$head AO_TAIL=$1 awk "$EVENT_AWK" "$staged" > "$staged.event" && append_file "$staged.event" "$events"
  rm -f "$staged.event"
}
cat > "$staged"
got=$(cksum < "$staged")
if [ "$got" != "$expected" ]; then
  record '"delivered":false,"reason":"the message arrived incomplete; nothing was pasted"'
  echo "incomplete" > "$result"
  rm -f "$staged"
  if printf 'delivered=no\n' 2>/dev/null; then rm -f "$result"; fi
  exit "$EX_INCOMPLETE"
fi
before=$(tmux -u -L "$sock" capture-pane -p -J -t "$target" 2>/dev/null)
if ! tmux -u -L "$sock" load-buffer -b "$buffer" "$staged" \; paste-buffer -p -r -d -b "$buffer" -t "$target" 2>/dev/null; then
  tmux -u -L "$sock" delete-buffer -b "$buffer" 2>/dev/null
  record '"delivered":false,"reason":"tmux refused the paste"'
  echo "failed" > "$result"
  rm -f "$staged"
  if printf 'delivered=no\n' 2>/dev/null; then rm -f "$result"; fi
  exit "$EX_FAILED"
fi
if [ "$enter" = 1 ]; then
  # Enter goes once the application has taken the paste (the pane shows it), not after a fixed pause.
  i=0; wait_polls=50
  [ "$still" -gt 0 ] && wait_polls=250
  while [ "$i" -lt "$wait_polls" ] && [ "$(tmux -u -L "$sock" capture-pane -p -J -t "$target" 2>/dev/null)" = "$before" ]; do
    sleep 0.02; i=$((i + 1))
  done
  pasted=$(tmux -u -L "$sock" capture-pane -p -J -t "$target" 2>/dev/null)
  if [ "$still" -gt 0 ]; then
    # An Enter that comes while the agent still takes the paste is lost in it (Claude Code):
    # it goes once the pane holds still (at most 2 s).
    calm=0; i=0
    while [ "$calm" -lt "$still" ] && [ "$i" -lt 40 ]; do
      sleep 0.05; i=$((i + 1))
      now=$(tmux -u -L "$sock" capture-pane -p -J -t "$target" 2>/dev/null)
      if [ "$now" = "$pasted" ]; then calm=$((calm + 1)); else calm=0; pasted=$now; fi
    done
    # A full-screen agent shows what is pasted. One whose screen is as before (it showed
    # nothing in 5 s, or redrew itself over the paste: still starting up) did not take it.
    if [ "$pasted" = "$before" ]; then
      record '"delivered":false,"reason":"the agent did not show the paste; no Enter was pressed"'
      echo "failed" > "$result"
      rm -f "$staged"
      if printf 'delivered=no\nshown=no\n' 2>/dev/null; then rm -f "$result"; fi
      exit 0
    fi
  fi
  tmux -u -L "$sock" send-keys -t "$target" Enter
else
  pasted=$before
fi
echo "delivered" > "$result"
echo "delivered=yes"
# Delivery is confirmed when the pane changes after the Enter (for a full-screen agent:
# to something else than it showed before the paste, which a redraw over the message
# would bring back).
confirmed=no
i=0
while [ "$i" -lt "$polls" ]; do
  now=$(tmux -u -L "$sock" capture-pane -p -J -t "$target" 2>/dev/null)
  if [ "$now" != "$pasted" ] && { [ "$still" -eq 0 ] || [ "$now" != "$before" ]; }; then confirmed=yes; break; fi
  sleep 0.05; i=$((i + 1))
done
if [ "$still" -gt 0 ] && [ "$confirmed" = no ] && [ "$now" = "$before" ]; then
  # The message went with a redraw: the agent's screen is as it was before the paste.
  record '"delivered":false,"reason":"the agent redrew its screen over the message; it did not take it"'
  echo "failed" > "$result"
  rm -f "$staged"
  if printf 'delivered=no\nshown=no\n' 2>/dev/null; then rm -f "$result"; fi
  exit 0
fi
echo "confirmed=$confirmed"
if [ "$confirmed" = yes ]; then record '"delivered":true,"confirmed":true'; else record '"delivered":true,"confirmed":false'; fi
rm -f "$staged"
# The result file is for a client that lost us; one still listening has had the answer.
if printf 'done=yes\n' 2>/dev/null; then rm -f "$result"; fi
exit 0
