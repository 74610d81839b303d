"""An event listener that records every event it receives, one line per
event: the header's eventname, then the payload with newlines as '|'.
It answers OK to everything.

Usage: python record_listener.py OUTPUT_FILE
"""
import sys

out = open(sys.argv[1], "a")
while True:
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        break
    headers = dict(x.split(":", 1) for x in line.split())
    data = sys.stdin.read(int(headers["len"]))
    out.write(headers["eventname"] + " " + data.replace("\n", "|") + "\n")
    out.flush()
    sys.stdout.write("RESULT 2\nOK")
    sys.stdout.flush()
