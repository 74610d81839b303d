# bash completion for supervisorctl: options, actions, and the process and
# group names of the running daemon (asked with `supervisorctl avail`, using
# the -c/-s/-u/-p options already typed).

_supervisorctl() {
    local cur="${COMP_WORDS[COMP_CWORD]}"
    local opts="-c --configuration -h --help -i --interactive -s --serverurl -u --username -p --password -r --history-file"
    local actions="add avail clear exit fg graph health help maintail open pid quit reload remove reread restart shutdown signal start status stop tail update version wait"
    local i word action="" conn=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${COMP_WORDS[i]}"
        case "$word" in
            -c|--configuration|-s|--serverurl|-u|--username|-p|--password)
                conn+=("$word" "${COMP_WORDS[i+1]}")
                ((i++)) ;;
            -r|--history-file) ((i++)) ;;
            -*) ;;
            *) action="$word"; break ;;
        esac
    done
    case "${COMP_WORDS[COMP_CWORD-1]}" in
        -c|--configuration|-r|--history-file)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    if [[ -z "$action" ]]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$actions" -- "$cur"))
        fi
        return
    fi
    case "$action" in
        start|stop|restart|status|pid|clear|fg|tail|signal|remove|add|update|wait|health)
            local names
            names=$(command supervisorctl "${conn[@]}" avail 2>/dev/null \
                | awk '{print $1} $1 ~ /:/ {split($1, g, ":"); print g[1] ":*"}' | sort -u)
            # Names hold ':' (group:name), where bash splits words: complete
            # the whole name as typed, and give back what follows the last ':'.
            local line="${COMP_LINE:0:COMP_POINT}"
            local typed="${line##*[[:space:]]}"
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "${names}"$'\n'"all" -- "$typed"))
            if [[ "$typed" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then
                local before="${typed%"${typed##*:}"}"
                COMPREPLY=("${COMPREPLY[@]#"$before"}")
            fi ;;
        help)
            COMPREPLY=($(compgen -W "$actions" -- "$cur")) ;;
        reread)
            COMPREPLY=($(compgen -W "--diff" -- "$cur")) ;;
    esac
}
complete -F _supervisorctl supervisorctl
