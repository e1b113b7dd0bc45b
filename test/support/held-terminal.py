"""Run a program in a terminal of its own whose output can be held back.

Test instrumentation for a real agent in a tmux pane: the program (the real
agent, unmodified) runs on a pseudo-terminal of the pane's size; everything
it draws is copied to the pane, except while the file named by
AO_HOLD_FILE exists: then its output waits (the program itself runs on,
unaware), and appears when the file is removed. A test uses it to look at
ao's reading of a session at a moment when the agent has acted but its
screen does not show it yet.

Usage: python3 held-terminal.py program [args...]   (exit status: the program's)
"""

import fcntl
import os
import pty
import select
import signal
import sys
import termios
import time
import tty

hold_file = os.environ.get("AO_HOLD_FILE", "")
argv = sys.argv[1:]

pid, master = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)


def copy_size(*_):
    try:
        size = fcntl.ioctl(sys.stdin.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(master, termios.TIOCSWINSZ, size)
    except OSError:
        pass


copy_size()
signal.signal(signal.SIGWINCH, copy_size)
stdin = sys.stdin.fileno()
try:
    saved = termios.tcgetattr(stdin)
    tty.setraw(stdin)
except termios.error:
    saved = None

try:
    while True:
        if hold_file and os.path.exists(hold_file):
            # Keys wait too: nothing reaches the program while its screen is held.
            time.sleep(0.05)
            continue
        ready, _, _ = select.select([master, stdin], [], [], 0.5)
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            os.write(sys.stdout.fileno(), data)
        if stdin in ready:
            data = os.read(stdin, 65536)
            if data:
                os.write(master, data)
finally:
    if saved is not None:
        termios.tcsetattr(stdin, termios.TCSADRAIN, saved)

_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
