#!/usr/bin/env python3
"""Runs `kstruct import` with its stderr on a pseudo-terminal of a given
width and prints what the terminal received (bytes, escapes kept as
repr-free text), for cli.sh to check the progress bar.
usage: progress_pty.py COLUMNS KSTRUCT ARGS..."""
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

cols = int(sys.argv[1])
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=slave)
os.close(slave)
out = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: the child closed the terminal
        break
    if not chunk:
        break
    out += chunk
p.wait()
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(p.returncode)
