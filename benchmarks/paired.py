"""Time two whole commands in turn (A B A B ...) and print the ratio of each pair.

``python -m benchmarks.paired -n 3 --cwd-a . --cwd-b ../old -- python -m ledger simulate ...``

Each run is a child process timed from its start to its exit (start-up included), its
output thrown away; ``A/B`` is taken pair by pair, so a machine whose speed drifts during the
call still gives a meaningful ratio, and the median pair is the figure to quote. One warm-up
run of each command is not counted. With ``--check-same`` the standard output of every run
is compared, byte for byte, across both commands (the simulation's reports must agree).
This is how the simulation's before/after in ``benchmarks/README.md`` is measured; it uses
only the standard library.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence


def _run(command: Sequence[str], cwd: str) -> tuple[float, float, bytes]:
    """Run ``command`` in ``cwd``; return its wall seconds, its CPU seconds and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # The command is the caller's own, from its command line: running it is the point.
    child = subprocess.run(  # noqa: S603 - see the comment above
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} (in {cwd}) exited {child.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, child.stdout


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the pairs and print each pair and the medians."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.paired",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=3, help="pairs counted (default 3)")
    parser.add_argument("--cwd-a", default=".", help="directory A runs in (default .)")
    parser.add_argument("--cwd-b", required=True, help="directory B runs in")
    parser.add_argument("--check-same", action="store_true",
                        help="require every run's standard output to be the same")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="-- and the command both directories run")
    args = parser.parse_args(argv)
    command = list(args.command[1:] if args.command[:1] == ["--"] else args.command)
    if not command or args.runs < 1:
        parser.error("give -n >= 1 and a command after --")
    outputs: set[bytes] = set()
    rows: list[tuple[float, float]] = []
    for turn in range(args.runs + 1):
        (wall_a, cpu_a, out_a), (wall_b, cpu_b, out_b) = (
            _run(command, os.path.abspath(cwd)) for cwd in (args.cwd_a, args.cwd_b))
        outputs.update((out_a, out_b))
        if turn == 0:
            continue  # the warm-up pair
        rows.append((wall_a, wall_b))
        print(f"pair {turn}: A {wall_a:.2f} s (cpu {cpu_a:.2f})  B {wall_b:.2f} s "
              f"(cpu {cpu_b:.2f})  A/B {wall_a / wall_b:.3f}", flush=True)
    ratios = [a / b for a, b in rows]
    print(f"median: A {statistics.median(a for a, _ in rows):.2f} s  "
          f"B {statistics.median(b for _, b in rows):.2f} s  "
          f"A/B {statistics.median(ratios):.3f} ({1 / statistics.median(ratios):.2f}x)")
    if args.check_same:
        same = len(outputs) == 1
        print("outputs: " + ("byte for byte the same" if same else f"{len(outputs)} different"))
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
