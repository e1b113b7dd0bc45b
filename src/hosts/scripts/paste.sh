#!/bin/sh
# Paste stdin into a pane through a uniquely named buffer (bracketed paste),
# optionally press Enter once, and watch the pane for a change.
# Args: socket target buffer enter(0|1) confirmPolls
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
sock=$1; target=$2; buffer=$3; enter=$4; confirm_polls=$5
before=$(tmux -u -L "$sock" capture-pane -p -J -t "$target" 2>/dev/null)
if ! tmux -u -L "$sock" load-buffer -b "$buffer" -; then exit "$EX_FAILED"; fi
if ! tmux -u -L "$sock" paste-buffer -p -r -d -b "$buffer" -t "$target"; then
  tmux -u -L "$sock" delete-buffer -b "$buffer" 2>/dev/null
  exit "$EX_FAILED"
fi
if [ "$enter" = 1 ]; then
  # Let the application finish reading the paste before the Enter arrives.
  sleep 0.05
  tmux -u -L "$sock" send-keys -t "$target" Enter
fi
# Delivery is confirmed when the pane changes; polled here to save round trips.
i=0
while [ "$i" -lt "$confirm_polls" ]; do
  sleep 0.1
  if [ "$(tmux -u -L "$sock" capture-pane -p -J -t "$target" 2>/dev/null)" != "$before" ]; then echo confirmed; exit 0; fi
  i=$((i + 1))
done
echo unconfirmed
