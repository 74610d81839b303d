#!/usr/bin/env python3
"""Log reads of a 2 GiB log, for each implementation, interleaved: the wall
time of `supervisorctl tail NAME` (its default 1600 bytes), the time until
ten `supervisorctl tail -f NAME` followers have all printed the log's last
line, and the daemon's peak resident set (VmHWM) after each. The log is
sparse but for its last MiB (reading it whole still copies 2 GiB). Prints the harness's line
format: a raw line per measurement, then `summary` lines (medians) that
scripts/bench_table.py turns into table rows.

Usage: bench_logtail.py [--reps N] LABEL SUPERVISORD SUPERVISORCTL [LABEL SUPERVISORD SUPERVISORCTL]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

LOG_SIZE = 2 << 30
LAST = b"the last line of a big log\n"


def peak_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def wait_until(pred, limit=60.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return False


def one_run(daemon, ctl):
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "big.log")
        text = b"x" * 99 + b"\n"
        tail = text * ((1 << 20) // len(text)) + LAST
        with open(log, "wb") as f:
            # Sparse up to its last MiB, which is text (NUL bytes are not
            # valid in XML-RPC answers).
            f.truncate(LOG_SIZE - len(tail))
            f.seek(0, 2)
            f.write(tail)
        conf = os.path.join(d, "supervisord.conf")
        with open(conf, "w") as f:
            f.write(
                f"[supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n"
                f"childlogdir={d}\n[unix_http_server]\nfile={d}/s.sock\n"
                "[rpcinterface:supervisor]\n"
                "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
                f"[supervisorctl]\nserverurl=unix://{d}/s.sock\n"
                f"[program:big]\ncommand=/bin/sleep 3600\nstartsecs=0\n"
                f"stdout_logfile={log}\nstdout_logfile_maxbytes=0\n"
            )
        p = subprocess.Popen([daemon, "-n", "-c", conf], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            ok = wait_until(lambda: b"RUNNING" in subprocess.run(
                [ctl, "-c", conf, "status", "big"], capture_output=True).stdout)
            if not ok:
                raise RuntimeError("the daemon did not start big")
            t0 = time.monotonic()
            out = subprocess.run([ctl, "-c", conf, "tail", "big"], capture_output=True).stdout
            tail_ms = (time.monotonic() - t0) * 1000
            if LAST not in out:
                raise RuntimeError(f"tail printed {out[-60:]!r}")
            tail_peak = peak_kb(p.pid)
            outs = []
            t0 = time.monotonic()
            followers = []
            for i in range(10):
                o = open(os.path.join(d, f"f{i}.out"), "wb")
                outs.append(o.name)
                followers.append(subprocess.Popen([ctl, "-c", conf, "tail", "-f", "big"],
                                                  stdout=o, stderr=subprocess.DEVNULL))
            try:
                def all_have():
                    return all(LAST in open(n, "rb").read() for n in outs)
                if not wait_until(all_have, 120):
                    raise RuntimeError("followers did not get the last line")
                follow_ms = (time.monotonic() - t0) * 1000
                follow_peak = peak_kb(p.pid)
            finally:
                for f in followers:
                    f.kill()
                    f.wait()
        finally:
            p.terminate()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return {("tail_2gib", "ms"): tail_ms, ("tail_2gib_daemon_peak_rss", "kB"): tail_peak,
                ("tail_f_10_2gib", "ms"): follow_ms,
                ("tail_f_10_2gib_daemon_peak_rss", "kB"): follow_peak}


def main(argv):
    reps = 3
    if argv[:1] == ["--reps"]:
        reps, argv = int(argv[1]), argv[2:]
    impls = [argv[i:i + 3] for i in range(0, len(argv), 3)]
    results = {}
    for rep in range(reps):
        for label, daemon, ctl in impls:
            try:
                r = one_run(daemon, ctl)
            except Exception as e:  # one failed run is reported, not fatal
                print(f"# tail_2gib impl={label} rep={rep} failed: {e}", flush=True)
                continue
            for (scenario, unit), v in r.items():
                print(f"scenario={scenario} impl={label} rep={rep} value={v:.6g} unit={unit}",
                      flush=True)
                results.setdefault((scenario, unit), {}).setdefault(label, []).append(v)
    for (scenario, unit), by in results.items():
        for label, vals in by.items():
            print(f"summary scenario={scenario} impl={label} median={statistics.median(vals):.6g} "
                  f"unit={unit} n={len(vals)} better=lower")


if __name__ == "__main__":
    main(sys.argv[1:])
