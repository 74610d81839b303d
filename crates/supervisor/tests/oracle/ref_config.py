"""Reads supervisord configurations with the reference's own option parser
(Supervisor 4.3.0) and prints, per file, one JSON line with what it made of
it: the typed settings, or the usage error it stopped with.

Usage: python ref_config.py CONF [CONF ...]   (each read with its directory as cwd)
"""
import io
import json
import os
import sys

from supervisor import datatypes
from supervisor.options import ServerOptions


class Stop(Exception):
    pass


def logname(v):
    if v is datatypes.Automatic:
        return "AUTO"
    if v is None:
        return "NONE"
    return v


def restart(v):
    if v is datatypes.RestartUnconditionally:
        return "true"
    if v is datatypes.RestartWhenExitUnexpected:
        return "unexpected"
    return "false"


def process(p):
    return {
        "name": p.name,
        "command": p.command,
        "directory": p.directory,
        "umask": p.umask,
        "priority": p.priority,
        "autostart": p.autostart,
        "autorestart": restart(p.autorestart),
        "startsecs": p.startsecs,
        "startretries": p.startretries,
        "uid": p.uid,
        "stdout": [logname(p.stdout_logfile), p.stdout_logfile_maxbytes, p.stdout_logfile_backups,
                   p.stdout_capture_maxbytes, p.stdout_events_enabled, p.stdout_syslog],
        "stderr": [logname(p.stderr_logfile), p.stderr_logfile_maxbytes, p.stderr_logfile_backups,
                   p.stderr_capture_maxbytes, p.stderr_events_enabled, p.stderr_syslog],
        "stopsignal": p.stopsignal,
        "stopwaitsecs": p.stopwaitsecs,
        "stopasgroup": p.stopasgroup,
        "killasgroup": p.killasgroup,
        "exitcodes": p.exitcodes,
        "redirect_stderr": p.redirect_stderr,
        "environment": p.environment or {},
        "serverurl": p.serverurl,
    }


def group(g):
    out = {"name": g.name, "priority": g.priority, "kind": "program",
           "processes": [process(p) for p in g.process_configs]}
    cls = type(g).__name__
    if cls == "EventListenerPoolConfig":
        from supervisor.events import getEventNameByType
        out["kind"] = "eventlistener"
        out["buffer_size"] = g.buffer_size
        out["events"] = sorted(getEventNameByType(e) for e in g.pool_events)
    elif cls == "FastCGIGroupConfig":
        out["kind"] = "fcgi"
        out["socket"] = str(g.socket_config.url)
    return out


def server(s):
    if s["family"] == 2:  # AF_INET
        return {"section": s["section"], "host": s["host"], "port": s["port"],
                "username": s["username"], "password": s["password"]}
    return {"section": s["section"], "file": s["file"], "chmod": s["chmod"],
            "chown": list(s["chown"]), "username": s["username"], "password": s["password"]}


def read(path):
    opts = ServerOptions()
    err = io.StringIO()
    opts.stderr = err
    opts.stdout = io.StringIO()

    def stop(code=0):
        raise Stop(code)

    opts.exit = stop
    try:
        opts.realize(args=["-c", path])
    except Stop:
        text = err.getvalue()
        text = text[len("Error: "):] if text.startswith("Error: ") else text
        text = text.split("\nFor help, use ")[0]
        return {"ok": False, "error": text}
    except Exception as e:  # the reference crashed (not a usage error)
        return {"ok": False, "error": "CRASH %s: %s" % (type(e).__name__, e)}
    return {
        "ok": True,
        "supervisord": {
            "logfile": opts.logfile,
            "logfile_maxbytes": opts.logfile_maxbytes,
            "logfile_backups": opts.logfile_backups,
            "loglevel": opts.loglevel,
            "pidfile": opts.pidfile,
            "umask": opts.umask,
            "nodaemon": bool(opts.nodaemon),
            "silent": bool(opts.silent),
            "minfds": opts.minfds,
            "minprocs": opts.minprocs,
            "nocleanup": bool(opts.nocleanup),
            "childlogdir": opts.childlogdir,
            "user": opts.user,
            "directory": opts.directory,
            "strip_ansi": bool(opts.strip_ansi),
            "environment": opts.configroot.supervisord.environment or {},
            "identifier": opts.identifier,
        },
        "groups": [group(g) for g in opts.process_group_configs],
        "servers": [server(s) for s in opts.server_configs],
        "serverurl": opts.serverurl,
        "parse_warnings": opts.parse_warnings,
        "parse_infos": opts.parse_infos,
    }


def main():
    for path in sys.argv[1:]:
        os.chdir(os.path.dirname(os.path.abspath(path)))
        print(json.dumps(read(os.path.basename(path)), sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
