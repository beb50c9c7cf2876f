# shellcheck shell=bash
# tap.sh -- TAP output for the shell tests of tests/cli (sourced).
#
#   result NAME WHY    "ok N - NAME" when WHY is empty, else "not ok N -
#                      NAME: WHY" (WHY's further lines as comments)
#   result_skip NAME REASON   "ok N - NAME # SKIP REASON"
#   tap_skip_all REASON       "1..0 # SKIP REASON", exit 0
#   tap_done           the plan and a summary; its status is the test's
# n (tests so far) and failed are the helper's.
n=0 failed=0

result() {
    n=$((n + 1))
    if [ -z "$2" ]; then
        echo "ok $n - $1"
    elif [[ $2 != *$'\n'* ]]; then
        echo "not ok $n - $1: $2"
        failed=$((failed + 1))
    else
        echo "not ok $n - $1:"
        printf '%s\n' "$2" | sed 's/^/#   /'
        failed=$((failed + 1))
    fi
}

result_skip() {
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
}

tap_skip_all() {
    echo "1..0 # SKIP $1"
    exit 0
}

tap_done() {
    echo "1..$n"
    echo "# $((n - failed)) passed, $failed failed"
    [ "$failed" -eq 0 ]
}
