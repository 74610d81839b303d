"""Drives an interactive supervisorctl through a pseudo-terminal: types
commands (with a Tab completion), quits, and prints the whole transcript.

Usage: python pty_shell.py SUPERVISORCTL CONFIG HISTORY_FILE
"""
import os
import pty
import select
import sys
import time

ctl, conf, hist = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(ctl, [ctl, "-c", conf, "-r", hist])

out = b""


def read_for(seconds):
    global out
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return
            if not data:
                return
            out += data


def until(text, seconds=10, count=1):
    end = time.time() + seconds
    while out.count(text.encode()) < count and time.time() < end:
        read_for(0.05)


until("supervisor> ")
os.write(fd, b"help\r")
until("default commands")
os.write(fd, b"vers\t\r")
until("4.3.0")
os.write(fd, b"status\r")
until("RUNNING", 5, count=2)
until("supervisor> ", 5, count=4)
os.write(fd, b"quit\r")
# Bounded: the shell must exit by itself within 5 s.
end = time.time() + 5
exited = False
while time.time() < end:
    read_for(0.05)
    done, _ = os.waitpid(pid, os.WNOHANG)
    if done:
        exited = True
        break
if not exited:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    out += b"\n[driver: the shell did not exit after quit]\n"
sys.stdout.write(out.decode(errors="replace"))
