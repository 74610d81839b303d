#!/usr/bin/env python3
"""Container output forwarding and metrics scrapes (ours), in the harness's
line format (raw lines, then `summary` medians).

- chatty_100_logfiles_cpu: the daemon's CPU (percent of one core) while 100
  programs each write 20 lines of 100 bytes a second into their log files
  (the shared harness's chatty fleet), for the reference and for ours.
- chatty_100_forward_json_cpu: ours, the same fleet with
  forward_output_format=json on top (log files kept), supervisord's stdout a
  pipe this script drains; every forwarded line is checked to be JSON.
- metrics_scrape_1000_ms: ours, the time of one GET /metrics with 1000
  programs running (median of 20 scrapes).

Usage: bench_observe.py [--reps N] REF_SUPERVISORD OUR_SUPERVISORD OUR_SUPERVISORCTL
"""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TICKER_SRC = os.path.join(HERE, "..", "..", "shared", "bench", "helpers", "ticker.c")


def ticker(tmp):
    """The harness's ticker helper, compiled here; a shell loop without cc."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc and os.path.exists(TICKER_SRC):
        out = os.path.join(tmp, "ticker")
        if subprocess.run([cc, "-O2", "-o", out, TICKER_SRC]).returncode == 0:
            return f"{out} 20 100"
    return "sh -c 'while :; do printf \"%099d\\n\" 0; sleep 0.05; done'"


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def config(d, body):
    conf = os.path.join(d, "supervisord.conf")
    with open(conf, "w") as f:
        f.write(
            f"[supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n"
            f"childlogdir={d}\nminfds=20000\nsilent=true\n[unix_http_server]\nfile={d}/s.sock\n"
            "[rpcinterface:supervisor]\n"
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
            f"[supervisorctl]\nserverurl=unix://{d}/s.sock\n" + body
        )
    return conf


def wait_running(daemon_pid, d, n):
    """Until the main log says n programs entered RUNNING (120 s at most)."""
    deadline = time.monotonic() + 120
    log = os.path.join(d, "supervisord.log")
    while time.monotonic() < deadline:
        try:
            with open(log) as f:
                if f.read().count("entered RUNNING") >= n:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"not {n} RUNNING within 120 s (pid {daemon_pid})")


def drain(pipe, counts):
    """Reads supervisord's stdout like a container runtime; checks JSON."""
    for line in pipe:
        counts["lines"] += 1
        if counts["lines"] % 97 == 0:
            try:
                json.loads(line)
            except ValueError:
                counts["bad"] += 1


def chatty(daemon, cmd, forward):
    with tempfile.TemporaryDirectory() as d:
        extra = "[supervisord]\nforward_output_format=json\n" if forward else ""
        conf = config(d, extra + f"[program:c]\ncommand={cmd}\nnumprocs=100\n"
                      "process_name=c_%(process_num)03d\nstdout_logfile_maxbytes=50MB\n"
                      "stdout_logfile_backups=3\n")
        p = subprocess.Popen([daemon, "-n", "-c", conf], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, errors="replace")
        counts = {"lines": 0, "bad": 0}
        reader = threading.Thread(target=drain, args=(p.stdout, counts), daemon=True)
        reader.start()
        try:
            wait_running(p.pid, d, 100)
            time.sleep(2)
            l0, c0, w0 = counts["lines"], cpu_ticks(p.pid), time.monotonic()
            time.sleep(10)
            l1, c1, w1 = counts["lines"], cpu_ticks(p.pid), time.monotonic()
            cpu = (c1 - c0) / os.sysconf("SC_CLK_TCK") / (w1 - w0) * 100
            return cpu, (l1 - l0) / (w1 - w0), counts["bad"]
        finally:
            p.terminate()
            p.wait(60)


def scrape(daemon, programs):
    with tempfile.TemporaryDirectory() as d:
        port = free_port()
        conf = config(d, f"[inet_http_server]\nport=127.0.0.1:{port}\nmetrics=true\n"
                      f"[program:p]\ncommand=/bin/sleep 3600\nnumprocs={programs}\n"
                      "process_name=%(program_name)s_%(process_num)d\nstartsecs=0\n"
                      "stdout_logfile=NONE\nstderr_logfile=NONE\n")
        p = subprocess.Popen([daemon, "-n", "-c", conf], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            wait_running(p.pid, d, programs)
            times = []
            buf = bytearray(64 << 20)
            view = memoryview(buf)
            request = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
            for _ in range(21):
                t0 = time.perf_counter()
                with socket.create_connection(("127.0.0.1", port)) as s:
                    s.sendall(request)
                    got = 0
                    while True:
                        n = s.recv_into(view[got:])
                        if n == 0:
                            raise RuntimeError("connection closed early")
                        got += n
                        end = buf.find(b"\r\n\r\n", 0, got)
                        if end >= 0:
                            break
                    head = bytes(buf[:end])
                    length = next(int(l.split(b":")[1]) for l in head.split(b"\r\n")
                                  if l.lower().startswith(b"content-length"))
                    while got < end + 4 + length:
                        got += s.recv_into(view[got:])
                    body = bytes(buf[end + 4:got])
                times.append((time.perf_counter() - t0) * 1000)
            series = body.count(b"\n") - body.count(b"\n#")
            return statistics.median(times[1:]), series
        finally:
            p.terminate()
            p.wait(60)


def main(argv):
    reps = 3
    if argv[:1] == ["--reps"]:
        reps, argv = int(argv[1]), argv[2:]
    ref, ours, _ctl = argv[:3]
    results = {}

    def row(scenario, label, rep, v, unit, extra=""):
        print(f"scenario={scenario} impl={label} rep={rep} value={v:.6g} unit={unit}"
              + (f" {extra}" if extra else ""), flush=True)
        results.setdefault((scenario, label, unit), []).append(v)

    with tempfile.TemporaryDirectory() as tmp:
        cmd = ticker(tmp)
        for rep in range(reps):
            for label, daemon in (("reference", ref), ("ours", ours)):
                cpu, rate, _ = chatty(daemon, cmd, False)
                row("chatty_100_logfiles_cpu", label, rep, cpu, "cpu_pct")
            cpu, rate, bad = chatty(ours, cmd, True)
            row("chatty_100_forward_json_cpu", "ours", rep, cpu, "cpu_pct",
                f"forwarded_lines_per_s={rate:.0f} invalid_json={bad}")
            ms, series = scrape(ours, 1000)
            row("metrics_scrape_1000_ms", "ours", rep, ms, "ms", f"series={series}")
    for (scenario, label, unit), vals in results.items():
        print(f"summary scenario={scenario} impl={label} median={statistics.median(vals):.6g} "
              f"unit={unit} n={len(vals)} better=lower")


if __name__ == "__main__":
    main(sys.argv[1:])
