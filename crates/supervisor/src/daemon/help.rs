//! `system.methodHelp` texts, in our own words (the reference returns its
//! Python docstrings; see docs/compatibility.md).

/// The help text of a method, or `None` when it does not exist.
pub fn method_help(method: &str) -> Option<&'static str> {
    Some(match method {
        "supervisor.addProcessGroup" => {
            "Start managing a group that the last reloadConfig added. @param string name @return boolean"
        }
        "supervisor.clearAllProcessLogs" => {
            "Truncate the logs of every process. @return array result structs"
        }
        "supervisor.clearLog" => "Truncate the main log. @return boolean",
        "supervisor.clearProcessLog" | "supervisor.clearProcessLogs" => {
            "Truncate a process's stdout and stderr logs. @param string name @return boolean"
        }
        "supervisor.getAPIVersion" | "supervisor.getVersion" => {
            "The version of this RPC API. @return string"
        }
        "supervisor.getAllConfigInfo" => "The configuration of every process. @return array",
        "supervisor.getAllProcessInfo" => "Information about every process. @return array",
        "supervisor.getIdentification" => "The identifier of this supervisord. @return string",
        "supervisor.getPID" => "The pid of supervisord. @return int",
        "supervisor.getProcessInfo" => {
            "Information about one process. @param string name @return struct"
        }
        "supervisor.getState" => {
            "The state of supervisord: statecode and statename. @return struct"
        }
        "supervisor.getSupervisorVersion" => {
            "The Supervisor version this daemon is compatible with. @return string"
        }
        "supervisor.readLog" | "supervisor.readMainLog" => {
            "Read part of the main log. @param int offset @param int length @return string"
        }
        "supervisor.readProcessLog" | "supervisor.readProcessStdoutLog" => {
            "Read part of a process's stdout log. @param string name @param int offset @param int length @return string"
        }
        "supervisor.readProcessStderrLog" => {
            "Read part of a process's stderr log. @param string name @param int offset @param int length @return string"
        }
        "supervisor.reloadConfig" => {
            "Read the configuration again and report added, changed and removed groups. @return array"
        }
        "supervisor.removeProcessGroup" => {
            "Stop managing a stopped group. @param string name @return boolean"
        }
        "supervisor.restart" => {
            "Stop every process and start again with a fresh configuration. @return boolean"
        }
        "supervisor.sendProcessStdin" => {
            "Write to a process's stdin. @param string name @param string chars @return boolean"
        }
        "supervisor.sendRemoteCommEvent" => {
            "Emit a REMOTE_COMMUNICATION event. @param string type @param string data @return boolean"
        }
        "supervisor.shutdown" => "Stop every process and exit. @return boolean",
        "supervisor.signalAllProcesses" => {
            "Signal every running process. @param string signal @return array"
        }
        "supervisor.signalProcess" => {
            "Signal one process. @param string name @param string signal @return boolean"
        }
        "supervisor.signalProcessGroup" => {
            "Signal every process of a group. @param string name @param string signal @return array"
        }
        "supervisor.startAllProcesses" => "Start every process. @param boolean wait @return array",
        "supervisor.startProcess" => {
            "Start a process. @param string name @param boolean wait @return boolean"
        }
        "supervisor.startProcessGroup" => {
            "Start every process of a group. @param string name @param boolean wait @return array"
        }
        "supervisor.stopAllProcesses" => "Stop every process. @param boolean wait @return array",
        "supervisor.stopProcess" => {
            "Stop a process. @param string name @param boolean wait @return boolean"
        }
        "supervisor.stopProcessGroup" => {
            "Stop every process of a group. @param string name @param boolean wait @return array"
        }
        "supervisor.tailProcessLog" | "supervisor.tailProcessStdoutLog" => {
            "Read the end of a process's stdout log. @param string name @param int offset @param int length @return array"
        }
        "supervisor.tailProcessStderrLog" => {
            "Read the end of a process's stderr log. @param string name @param int offset @param int length @return array"
        }
        "system.listMethods" => "The names of every method. @return array",
        "system.methodHelp" => "The help text of a method. @param string name @return string",
        "system.methodSignature" => {
            "The signature of a method: return type, then parameter types. @param string name @return array"
        }
        "system.multicall" => "Run several calls in one request. @param array calls @return array",
        _ => return None,
    })
}
