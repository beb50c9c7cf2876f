#!/bin/bash
# test-completion.sh BALLOONCTL SRCDIR -- data/balloonctl.bash under
# bash-completion: what <TAB> offers at each place of a command line, the
# command line split into words as readline splits it; and the commands and
# options it offers are exactly those of `balloonctl [COMMAND] --help`.
# TAP output; skipped without bash-completion.
set -uo pipefail
BIN=$1
SRC=$2
export LC_ALL=C LIBVIRT_DEFAULT_URI=
BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"
[ -r "$BASH_COMPLETION" ] || tap_skip_all "no $BASH_COMPLETION (Debian package bash-completion)"
# shellcheck source=/dev/null
source "$BASH_COMPLETION"
# shellcheck source-path=SCRIPTDIR source=../../data/balloonctl.bash
source "$SRC/data/balloonctl.bash"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# complete LINE: COMPREPLY, sorted, one line, for the cursor at LINE's end.
# Words are split at blanks and at the word-break characters '=' and ':',
# which are words of their own, as readline does with bash's COMP_WORDBREAKS.
complete_line() {
    local line=$1 tok
    COMP_WORDS=()
    for tok in $line; do
        while [[ $tok =~ ^([^=:]*)([=:]+)(.*)$ ]]; do
            [[ ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
            COMP_WORDS+=("${BASH_REMATCH[2]}")
            tok=${BASH_REMATCH[3]}
        done
        [[ $tok ]] && COMP_WORDS+=("$tok")
    done
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
    COMPREPLY=()
    _balloonctl balloonctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

# check LINE EXPECTED: <TAB> after LINE offers EXPECTED (sorted, spaces).
check() {
    local got
    got=$(complete_line "$1")
    result "'$1<TAB>' offers '$2'" "$([ "$got" = "$2" ] || echo "offers '$got'")"
}

spec=$(complete -p balloonctl 2>&1)
result "registered for balloonctl" "$([ "$spec" = "complete -F _balloonctl balloonctl" ] || echo "$spec")"

check "balloonctl st" "status"
check "balloonctl " "replay run status version"
check "balloonctl -" "--config --connect --help --state-file --verbose -c -h -v"
check "balloonctl --c" "--config --connect"
check "balloonctl status --" "--help --json --no-agent --sort --verbose --watch"
check "balloonctl run --" "--dry-run --help --once --record --record-max-mib --verbose"
check "balloonctl run --dry-run --o" "--once"
check "balloonctl version -" "--help --verbose -h -v"
check "balloonctl status " "--help --json --no-agent --sort --verbose --watch -h -s -v -w"
check "balloonctl status --sort c" "cached committed current"
# no argument completed: status DOMAIN's names are not (a connection per <TAB>)
check "balloonctl status vm" ""
check "balloonctl bogus --" ""
# global options, with or without their values, before the command
check "balloonctl -v st" "status"
check "balloonctl -c qemu:///system st" "status"
check "balloonctl --connect=qemu:///system --config /etc/x.conf ru" "run"
check "balloonctl --config /etc/x.conf status --j" "--json"
# URIs: readline replaces what follows the last ':'
check "balloonctl -c " "qemu+ssh:// qemu+tcp:// qemu+tls:// qemu+unix:///system qemu:///session qemu:///system test:///default"
check "balloonctl -c qemu:///s" "///session ///system"
check "balloonctl --connect=qemu:///sy" "///system"
check "balloonctl -c t" "test:///default"
# $LIBVIRT_DEFAULT_URI too, taken as it is
# shellcheck disable=SC2016 # the $(...) is the hostile text: it must not expand
LIBVIRT_DEFAULT_URI='qemu+ssh://root@h/system?x=$(touch $TMP/ran)*' check "balloonctl -c qemu+ssh://r" "//root@h/system?x=\$(touch \$TMP/ran)*"
result "\$LIBVIRT_DEFAULT_URI not expanded" "$([ ! -e "$TMP/ran" ] || echo "a command in it ran")"
# paths
mkdir "$TMP/dir"
touch "$TMP/dir/a.conf" "$TMP/dir/b.json"
mkdir "$TMP/dir/sub"
check "balloonctl --config $TMP/dir/" "$TMP/dir/a.conf $TMP/dir/b.json $TMP/dir/sub"
check "balloonctl --config=$TMP/dir/a" "$TMP/dir/a.conf"
check "balloonctl --state-file $TMP/dir/b" "$TMP/dir/b.json"
check "balloonctl -c test:///default --state-file $TMP/dir/s" "$TMP/dir/sub"
check "balloonctl run --record $TMP/dir/b" "$TMP/dir/b.json"
check "balloonctl run --record-max-mib " ""
check "balloonctl replay --" "--config --help --json --policy --verbose"
check "balloonctl replay $TMP/dir/a" "$TMP/dir/a.conf"
check "balloonctl replay --config $TMP/dir/a" "$TMP/dir/a.conf"
check "balloonctl replay --policy p" "paper paper-literal"
check "balloonctl replay --policy=c" "committed"

# The completion knows every command and option --help lists, and no other.
help_options() {
    "$BIN" "$@" --help | sed -nE 's/^  (-[a-zA-Z]), (--[a-z][a-z-]*).*/\1\n\2/p; s/^  (--[a-z][a-z-]*).*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//'
}
commands=$("$BIN" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
result "commands are those of --help ($commands)" "$([ -n "$commands" ] && [ "$(complete_line 'balloonctl ')" = "$commands" ] || echo "completion offers '$(complete_line 'balloonctl ')'")"
want=$(help_options)
got=$(complete_line "balloonctl -")
result "global options are those of --help" "$([ "$got" = "$want" ] || echo "completion '$got', --help '$want'")"
for c in $commands; do
    want=$(help_options "$c")
    got=$(complete_line "balloonctl $c -")
    result "$c options are those of $c --help" "$([ "$got" = "$want" ] || echo "completion '$got', --help '$want'")"
done

tap_done
