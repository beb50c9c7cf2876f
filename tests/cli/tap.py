"""TAP output for the Python tests of tests/cli: result() per test, done()
for the plan, a summary and the exit status."""

import sys

_results = []


def result(name, why=""):
    """ok when why is empty, else not ok with why (its further lines as
    comments)."""
    _results.append(not why)
    n = len(_results)
    if not why:
        print(f"ok {n} - {name}", flush=True)
        return
    first, *rest = str(why).split("\n")
    print(f"not ok {n} - {name}: {first}", flush=True)
    for line in rest:
        print(f"#   {line}", flush=True)


def skip_all(reason):
    """No test runs: the plan says why; exits 0."""
    print(f"1..0 # SKIP {reason}", flush=True)
    sys.exit(0)


def failed():
    return _results.count(False)


def done():
    """The plan and a summary; returns the exit status (0: all passed)."""
    print(f"1..{len(_results)}")
    print(f"# {len(_results) - failed()} passed, {failed()} failed", flush=True)
    return 1 if failed() else 0
