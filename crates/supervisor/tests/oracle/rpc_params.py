"""Calls every XML-RPC method with each parameter replaced, in turn, by an
int, a string of digits, a non-numeric string, a boolean, a double, and
with one argument missing and one extra; prints, as JSON, what each call
returned (result, fault, or HTTP error), normalised like rpc_scenario.

The configuration (see rpc_diff.rs) keeps the calls free of lasting side
effects: `a` runs and ignores the signals it may be sent, `b` is stopped,
group `g` holds only `b`; starting and stopping all come last.

Usage: python rpc_params.py SOCKET_PATH
"""
import json
import os
import sys
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rpc_scenario import UnixTransport, outcome  # noqa: E402

# method -> the parameters of a good call (all but the last may be required).
METHODS = [
    ("supervisor.getProcessInfo", ["a"]),
    ("supervisor.startProcess", ["a", True]),
    ("supervisor.stopProcess", ["g:b", True]),
    ("supervisor.startProcessGroup", ["a", True]),
    ("supervisor.stopProcessGroup", ["g", True]),
    ("supervisor.signalProcess", ["a", "URG"]),
    ("supervisor.signalProcessGroup", ["a", "URG"]),
    ("supervisor.signalAllProcesses", ["URG"]),
    ("supervisor.readLog", [0, 4]),
    ("supervisor.readMainLog", [0, 4]),
    ("supervisor.readProcessStdoutLog", ["a", 0, 6]),
    ("supervisor.readProcessLog", ["a", 0, 6]),
    ("supervisor.readProcessStderrLog", ["a", 0, 6]),
    ("supervisor.tailProcessStdoutLog", ["a", 0, 6]),
    ("supervisor.tailProcessLog", ["a", 0, 6]),
    ("supervisor.tailProcessStderrLog", ["a", 0, 6]),
    ("supervisor.clearProcessLogs", ["g:b"]),
    ("supervisor.clearProcessLog", ["g:b"]),
    ("supervisor.sendProcessStdin", ["a", "x\n"]),
    ("supervisor.sendRemoteCommEvent", ["t", "d"]),
    ("supervisor.addProcessGroup", ["a"]),
    ("supervisor.removeProcessGroup", ["a"]),
    ("supervisor.getAPIVersion", []),
    ("supervisor.getVersion", []),
    ("supervisor.getSupervisorVersion", []),
    ("supervisor.getIdentification", []),
    ("supervisor.getState", []),
    ("supervisor.getPID", []),
    ("supervisor.getAllProcessInfo", []),
    ("supervisor.getAllConfigInfo", []),
    ("supervisor.clearAllProcessLogs", []),
    ("supervisor.reloadConfig", []),
    ("system.listMethods", []),
    ("system.methodHelp", ["supervisor.getPID"]),
    ("system.methodSignature", ["supervisor.getPID"]),
    ("system.multicall", [[{"methodName": "supervisor.getAPIVersion", "params": []}]]),
    # Last: these change what the calls above would see.
    ("supervisor.startAllProcesses", [False]),
    ("supervisor.stopAllProcesses", [True]),
]

VARIANTS = [("int", 6), ("digits", "6"), ("word", "abc"), ("bool", True), ("double", 1.5),
            ("zero", 0), ("empty", "")]


def main():
    proxy = xmlrpc.client.ServerProxy("http://localhost", transport=UnixTransport(sys.argv[1]),
                                      allow_none=True)
    out = []

    def shape(method, v):
        if method in ("supervisor.getPID", "system.methodHelp", "supervisor.reloadConfig"):
            return type(v).__name__
        if method in ("supervisor.readLog", "supervisor.readMainLog"):
            return v[:10]  # the main log's date; the rest differs
        return v

    def call(label, method, params):
        out.append(outcome(label, lambda: getattr(proxy, method)(*params),
                           lambda v: shape(method, v)))

    for method, good in METHODS:
        call(f"{method} good", method, good)
        for i in range(len(good)):
            for vname, v in VARIANTS:
                params = list(good)
                params[i] = v
                call(f"{method} param {i} {vname}", method, params)
        if good:
            call(f"{method} missing last", method, good[:-1])
        call(f"{method} extra", method, good + ["x"])
    print(json.dumps(out, indent=1))


main()
