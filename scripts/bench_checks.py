#!/usr/bin/env python3
"""Readiness and health checks at scale (ours only: the reference has
none). 1000 programs with `ready_check=tcp` starting together: the time
until all are RUNNING, and the same programs without a check; 1000 programs
with a 1-second `tcp` health check: the daemon's CPU while they run (percent
of one core over 10 seconds). The port probed is served by this script.
Prints the harness's line format (raw lines, then `summary` medians).

Usage: bench_checks.py [--reps N] [--programs N] LABEL SUPERVISORD SUPERVISORCTL
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def serve():
    """A listener that accepts and closes every connection."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(4096)

    def loop():
        while True:
            try:
                c, _ = s.accept()
                c.close()
            except OSError:
                return

    threading.Thread(target=loop, daemon=True).start()
    return s, s.getsockname()[1]


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def run(daemon, ctl, programs, extra):
    with tempfile.TemporaryDirectory() as d:
        conf = os.path.join(d, "supervisord.conf")
        with open(conf, "w") as f:
            f.write(
                f"[supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n"
                f"childlogdir={d}\nminfds=20000\n[unix_http_server]\nfile={d}/s.sock\n"
                "[rpcinterface:supervisor]\n"
                "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
                f"[supervisorctl]\nserverurl=unix://{d}/s.sock\n"
                f"[program:p]\ncommand=/bin/sleep 3600\nnumprocs={programs}\n"
                "process_name=%(program_name)s_%(process_num)d\nstartsecs=0\n"
                "stdout_logfile=NONE\nstderr_logfile=NONE\n" + extra
            )
        t0 = time.monotonic()
        p = subprocess.Popen([daemon, "-n", "-c", conf], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            deadline = t0 + 120
            while True:
                out = subprocess.run([ctl, "-c", conf, "status"], capture_output=True).stdout
                if out.count(b"RUNNING") == programs:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("not all RUNNING within 120 s")
                time.sleep(0.05)
            started = time.monotonic() - t0
            time.sleep(2)
            c0, w0 = cpu_ticks(p.pid), time.monotonic()
            time.sleep(10)
            c1, w1 = cpu_ticks(p.pid), time.monotonic()
            cpu = (c1 - c0) / os.sysconf("SC_CLK_TCK") / (w1 - w0) * 100
            return started, cpu
        finally:
            p.terminate()
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def main(argv):
    reps, programs = 3, 1000
    while argv[:1] in (["--reps"], ["--programs"]):
        if argv[0] == "--reps":
            reps = int(argv[1])
        else:
            programs = int(argv[1])
        argv = argv[2:]
    label, daemon, ctl = argv[:3]
    listener, port = serve()
    results = {}
    for rep in range(reps):
        runs = {
            "plain": "",
            "ready_tcp": f"ready_check=tcp:127.0.0.1:{port}\n",
            "health_tcp": f"health_check=tcp:127.0.0.1:{port}\nhealth_check_interval=1\n",
        }
        for kind, extra in runs.items():
            try:
                started, cpu = run(daemon, ctl, programs, extra)
            except Exception as e:  # one failed run is reported, not fatal
                print(f"# checks {kind} impl={label} rep={rep} failed: {e}", flush=True)
                continue
            rows = {
                "plain": [(f"start_{programs}_no_check", "s", started)],
                "ready_tcp": [(f"start_{programs}_ready_tcp", "s", started)],
                "health_tcp": [(f"health_tcp_{programs}_idle_cpu", "cpu_pct", cpu)],
            }[kind]
            for scenario, unit, v in rows:
                print(f"scenario={scenario} impl={label} rep={rep} value={v:.6g} unit={unit}",
                      flush=True)
                results.setdefault((scenario, unit), []).append(v)
    listener.close()
    for (scenario, unit), vals in results.items():
        print(f"summary scenario={scenario} impl={label} median={statistics.median(vals):.6g} "
              f"unit={unit} n={len(vals)} better=lower")


if __name__ == "__main__":
    main(sys.argv[1:])
