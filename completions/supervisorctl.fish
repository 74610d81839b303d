# fish completion for supervisorctl: options, actions, and the process and
# group names of the running daemon (asked with `supervisorctl avail`).

function __supervisorctl_names
    set -l conn
    set -l words (commandline -opc)
    for i in (seq 2 (count $words))
        switch $words[$i]
            case -c --configuration -s --serverurl -u --username -p --password
                set -a conn $words[$i] $words[(math $i + 1)]
        end
    end
    command supervisorctl $conn avail 2>/dev/null | awk '{print $1} $1 ~ /:/ {split($1, g, ":"); print g[1] ":*"}' | sort -u
    echo all
end

set -l actions add avail clear exit fg graph health help maintail open pid quit reload remove reread restart shutdown signal start status stop tail update version wait
set -l named start stop restart status pid clear fg tail signal remove add update wait health

complete -c supervisorctl -f
complete -c supervisorctl -s c -l configuration -r -F -d 'configuration file'
complete -c supervisorctl -s h -l help -d 'show the options'
complete -c supervisorctl -s i -l interactive -d 'start the shell after the action'
complete -c supervisorctl -s s -l serverurl -x -d 'where supervisord listens'
complete -c supervisorctl -s u -l username -x -d 'user name'
complete -c supervisorctl -s p -l password -x -d 'password'
complete -c supervisorctl -s r -l history-file -r -F -d 'history file'
complete -c supervisorctl -n "not __fish_seen_subcommand_from $actions" -a "$actions"
complete -c supervisorctl -n "__fish_seen_subcommand_from $named" -a '(__supervisorctl_names)'
complete -c supervisorctl -n "__fish_seen_subcommand_from help" -a "$actions"
