# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# bash completion for balloonctl(8).
#
# The options of each command are those of src/main.c's option tables, one
# line a command; an option that takes a value has a line in
# _balloonctl_value.  replay takes a file.  status takes a domain
# (status DOMAIN), whose name is not completed: listing the domains would
# mean a libvirt connection, perhaps over ssh, at every <TAB>.

# Complete the value of option $1 (the word being completed is $cur).
# Returns 1 when $1 takes no value.
_balloonctl_value()
{
    case $1 in
        -c | --connect)
            local uris="qemu:///system qemu:///session test:///default"
            uris+=" qemu+ssh:// qemu+tcp:// qemu+tls:// qemu+unix:///system"
            mapfile -t COMPREPLY < <(compgen -W "$uris" -- "$cur")
            # not through compgen -W, which would expand it
            local default=${LIBVIRT_DEFAULT_URI-}
            [[ $default && $default == "$cur"* ]] && COMPREPLY+=("$default")
            [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *:// ]] && compopt -o nospace
            __ltrim_colon_completions "$cur"
            ;;
        --config | --state-file | --record)
            _filedir
            ;;
        --record-max-mib)
            # a number of MiB: nothing to offer
            ;;
        -s | --sort)
            mapfile -t COMPREPLY < <(compgen -W "name state current target max committed cached active-file margin weight source last-change" -- "$cur")
            ;;
        --policy)
            mapfile -t COMPREPLY < <(compgen -W "paper paper-literal adaptive committed mom" -- "$cur")
            ;;
        *)
            return 1
            ;;
    esac
    return 0
}

_balloonctl()
{
    local cur prev words cword split
    _init_completion -s -n : || return

    local commands="run status replay version"
    local global="-c --connect --config --state-file -v --verbose -h --help"
    local -A options=(
        [run]="--dry-run --once --record --record-max-mib"
        [status]="--json --no-agent --watch --sort -w -s"
        [replay]="--config --policy --json"
        [version]=""
    )
    local common="-v --verbose -h --help"

    # The value of an option (-c URI, --config FILE, --config=FILE).
    _balloonctl_value "$prev" && return
    $split && return

    # The command is the first word that is neither an option nor the
    # value of one; global options come before it.
    local i command=
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -c | --connect | --config | --state-file) ((i++)) ;;
            -*) ;;
            *) command=${words[i]}; break ;;
        esac
    done

    if [[ -z $command ]]; then
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$global" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
        fi
    elif [[ $command == replay && $cur != -* ]]; then
        _filedir
    elif [[ ${options[$command]+known} ]]; then
        # Only its options (status's DOMAIN is not completed).
        mapfile -t COMPREPLY < <(compgen -W "${options[$command]} $common" -- "$cur")
    fi
} &&
    complete -F _balloonctl balloonctl

# ex: filetype=sh
