#!/usr/bin/python3
"""Runs a command with its standard error on a pseudo-terminal, as when a person runs it in a
terminal with its output piped or redirected (`outpost flush > log`): what a command shows
only to someone watching (a progress line) can be tested without a terminal of our own.

Usage: stderr_tty.py OUT ERR COMMAND [ARG ...]
Writes the command's standard output to OUT and the bytes of the terminal (its standard
error, as the terminal driver passes them on: a newline becomes CR LF) to ERR, and exits
with the command's exit code. Standard input is /dev/null.
"""
import errno
import os
import subprocess
import sys

out_path, err_path, *command = sys.argv[1:]
master, slave = os.openpty()
with open(out_path, "wb") as out:
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
    os.close(slave)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError as e:  # EIO: the command and everything it started closed the terminal
            if e.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        seen += chunk
    code = child.wait()
with open(err_path, "wb") as err:
    err.write(seen)
sys.exit(code)
