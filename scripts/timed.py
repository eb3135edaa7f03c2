"""Run one step of ``make test`` and record how long it took.

    python scripts/timed.py LOG STEP -- COMMAND [ARG ...]   # run COMMAND, record STEP
    python scripts/timed.py LOG --report                     # print the steps recorded

COMMAND runs with this process's standard streams; its exit status is this script's. When
it ends, one line ``STEP<TAB>SECONDS<TAB>STATUS`` is appended to LOG and ``[STEP: 12.3 s]``
is printed. The Makefile runs some steps side by side (``make -j2``), so the lines of LOG
are in the order the steps ended, and a step's time is its wall-clock time while sharing
the machine with the steps beside it. ``--report`` prints LOG as a table, with the total
from the first step's start to the last step's end.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

USAGE = "usage: timed.py LOG STEP -- COMMAND [ARG ...]  |  timed.py LOG --report"


def run(log: Path, step: str, command: list[str]) -> int:
    start = time.time()
    with subprocess.Popen(command) as process:
        while True:
            try:
                status = process.wait()
                break
            except KeyboardInterrupt:
                # Ctrl-C reached COMMAND too: let it end its own way (pytest then prints
                # what it was running), not killed a quarter of a second later as by
                # subprocess.call.
                continue
    end = time.time()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as f:  # one short write: steps side by side
        f.write(f"{step}\t{start:.3f}\t{end:.3f}\t{status}\n")
    outcome = "" if status == 0 else f", exit status {status}"
    print(f"[{step}: {end - start:.1f} s{outcome}]", flush=True)
    return status


def report(log: Path) -> str:
    if not log.is_file():
        return f"no step recorded in {log}"
    rows = []
    for number, line in enumerate(log.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(
                f"{log}, line {number}: expected STEP, start, end and status "
                f"separated by tabs, got {line!r}"
            )
        step, start, end, status = fields
        rows.append((step, float(start), float(end), int(status)))
    if not rows:
        return f"no step recorded in {log}"
    first = min(start for _, start, _, _ in rows)
    width = max(len(step) for step, *_ in rows)
    lines = [f"{'step':<{width}}  {'starts':>7}  {'takes':>7}  outcome"]
    for step, start, end, status in sorted(rows, key=lambda row: row[1]):
        outcome = "passed" if status == 0 else f"FAILED (exit status {status})"
        lines.append(
            f"{step:<{width}}  {start - first:>6.1f}s  {end - start:>6.1f}s  {outcome}"
        )
    total = max(end for _, _, end, _ in rows) - first
    lines.append(f"{'in all':<{width}}  {'':>7}  {total:>6.1f}s")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[1] == "--report":
        print(report(Path(argv[0])))
        return 0
    if len(argv) >= 4 and argv[2] == "--":
        return run(Path(argv[0]), argv[1], argv[3:])
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
