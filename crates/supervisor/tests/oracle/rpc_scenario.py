"""Runs one fixed XML-RPC scenario against a supervisord and prints, as
JSON, what every call returned, normalised so that two daemons (the
reference and ours) can be compared: pids and times become placeholders.

Usage: python rpc_scenario.py SOCKET_PATH CONFIG_PATH
"""
import http.client
import json
import re
import socket
import sys
import xmlrpc.client


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.path = path

    def make_connection(self, host):
        return UnixConnection(self.path)


def norm(v, key=None):
    if isinstance(v, list) and v and all(isinstance(x, dict) and "status" in x for x in v):
        # Results of group/all calls: completion order may vary with timing.
        v = sorted(v, key=lambda x: (x["group"], x["name"]))
    if isinstance(v, dict):
        return {k: norm(x, k) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if key in ("pid", "start", "stop", "now") and isinstance(v, int):
        return "<int>" if v else 0
    if isinstance(v, str) and "---" in v:
        # AUTO log names end in random characters.
        v = re.sub(r"(---[^/]*-)[^/]{8}\.log", r"\1RANDOM.log", v)
    if key == "description" and isinstance(v, str):
        if v.startswith("pid "):
            return "pid N, uptime X"
        if v[:3] in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"):
            return "<stop time>"
    return v


def outcome(label, thunk, transform=None):
    """What one call gave: [label, "ok", value] (normalised, after
    `transform`), [label, "fault", code, text], [label, "http", status] or
    [label, "connection", error class]."""
    try:
        v = thunk()
        if transform:
            v = transform(v)
        return [label, "ok", norm(v)]
    except xmlrpc.client.Fault as f:
        return [label, "fault", f.faultCode, f.faultString]
    except xmlrpc.client.ProtocolError as e:
        return [label, "http", e.errcode]
    except OSError as e:
        return [label, "connection", type(e).__name__]


def main():
    proxy = xmlrpc.client.ServerProxy("http://localhost", transport=UnixTransport(sys.argv[1]))
    out = []

    def call(label, fn, *args, shape=False):
        out.append(outcome(label, lambda: fn(*args),
                           (lambda v: type(v).__name__) if shape else None))

    s = proxy.supervisor
    call("getAPIVersion", s.getAPIVersion)
    call("getVersion", s.getVersion)
    call("getSupervisorVersion", s.getSupervisorVersion)
    call("getIdentification", s.getIdentification)
    call("getState", s.getState)
    call("getPID", s.getPID, shape=True)
    call("getAllProcessInfo", s.getAllProcessInfo)
    call("getProcessInfo a", s.getProcessInfo, "a")
    call("getProcessInfo grp:ga", s.getProcessInfo, "grp:ga")
    call("getProcessInfo nosuch", s.getProcessInfo, "nosuch")
    call("getProcessInfo grp:*", s.getProcessInfo, "grp:*")
    call("getProcessInfo grp:nosuch", s.getProcessInfo, "grp:nosuch")
    call("stopProcess a", s.stopProcess, "a")
    call("stopProcess a again", s.stopProcess, "a")
    call("getProcessInfo a stopped", s.getProcessInfo, "a")
    call("startProcess a", s.startProcess, "a")
    call("startProcess a again", s.startProcess, "a")
    call("startProcess nocmd", s.startProcess, "nocmd")
    call("startProcess quick nowait", s.startProcess, "quick", False)
    call("signalProcess a WINCH", s.signalProcess, "a", "WINCH")
    call("signalProcess a number", s.signalProcess, "a", "28")
    call("signalProcess a FOO", s.signalProcess, "a", "FOO")
    call("signalProcess nosuch", s.signalProcess, "nosuch", "HUP")
    call("stopProcessGroup grp", s.stopProcessGroup, "grp")
    call("startProcessGroup grp", s.startProcessGroup, "grp")
    call("signalProcessGroup grp", s.signalProcessGroup, "grp", "CONT")
    call("signalProcessGroup grp bad", s.signalProcessGroup, "grp", "FOO")
    call("signalAllProcesses", s.signalAllProcesses, "WINCH")
    call("stopProcess grp:*", s.stopProcess, "grp:*")
    call("startProcess grp:", s.startProcess, "grp:")
    call("readProcessStdoutLog b", s.readProcessStdoutLog, "b", 0, 100)
    call("readProcessStdoutLog b 4 3", s.readProcessStdoutLog, "b", 4, 3)
    call("readProcessStderrLog b", s.readProcessStderrLog, "b", 0, 100)
    call("readProcessStdoutLog b bad", s.readProcessStdoutLog, "b", -10, 5)
    call("tailProcessStdoutLog b", s.tailProcessStdoutLog, "b", 0, 3)
    call("tailProcessStdoutLog b all", s.tailProcessStdoutLog, "b", 0, 100)
    call("tailProcessStderrLog b", s.tailProcessStderrLog, "b", 0, 100)
    call("readLog bad", s.readLog, -10, 5)
    call("readLog negative length", s.readLog, 0, -5)
    call("sendProcessStdin a", s.sendProcessStdin, "a", "hello\n")
    call("sendProcessStdin b", s.sendProcessStdin, "b", "hello\n")
    call("clearProcessLogs nosuch", s.clearProcessLogs, "nosuch")
    call("getAllConfigInfo keys", lambda: sorted(s.getAllConfigInfo()[0].keys()))
    call("sendRemoteCommEvent", s.sendRemoteCommEvent, "t", "d")
    call("listMethods", proxy.system.listMethods)
    call("methodSignature", proxy.system.methodSignature, "supervisor.getProcessInfo")
    call("methodSignature nope", proxy.system.methodSignature, "nope")
    call("methodHelp", proxy.system.methodHelp, "supervisor.getState", shape=True)
    call("methodHelp nope", proxy.system.methodHelp, "nope")
    call("multicall", proxy.system.multicall, [
        {"methodName": "supervisor.getState", "params": []},
        {"methodName": "supervisor.nope", "params": []},
        {"methodName": "supervisor.getProcessInfo", "params": ["nosuch"]},
        {"params": []},
        {"methodName": "system.multicall", "params": [[]]},
    ])
    call("unknown method", s.nope)
    call("private method", s._update)
    call("three dots", getattr(proxy, "a.b").c)
    call("wrong arg count", s.getState, 1)
    conf = sys.argv[2]
    original = open(conf).read()
    open(conf, "w").write(original + "[program:new]\ncommand=/bin/true\nautostart=false\n")
    call("reloadConfig added", s.reloadConfig)
    call("config inuse", lambda: [c["inuse"] for c in s.getAllConfigInfo() if c["name"] in ("new", "a")])
    call("addProcessGroup new", s.addProcessGroup, "new")
    call("addProcessGroup new again", s.addProcessGroup, "new")
    call("addProcessGroup nosuch", s.addProcessGroup, "nosuch")
    call("getProcessInfo new", s.getProcessInfo, "new")
    call("removeProcessGroup new", s.removeProcessGroup, "new")
    call("removeProcessGroup a", s.removeProcessGroup, "a")
    call("removeProcessGroup nosuch", s.removeProcessGroup, "nosuch")
    open(conf, "w").write(original.replace("startsecs=0\nstdout_logfile", "startsecs=0\nstopwaitsecs=7\nstdout_logfile"))
    call("reloadConfig changed and removed", s.reloadConfig)
    open(conf, "w").write(original + "[program:bad]\ncommand=x\nstartsecs=abc\n")
    call("reloadConfig invalid", s.reloadConfig)
    open(conf, "w").write(original)
    call("reloadConfig unchanged", s.reloadConfig)
    call("stopAllProcesses", s.stopAllProcesses)
    call("startAllProcesses nowait", s.startAllProcesses, False)
    call("shutdown", s.shutdown)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
