"""scripts/timed.py: each step of `make test` is run, timed and recorded."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMED = ROOT / "scripts" / "timed.py"


def timed(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TIMED), *map(str, args)], capture_output=True, text=True
    )


def test_a_step_keeps_its_exit_status_and_is_recorded(tmp_path):
    log = tmp_path / "times.tsv"
    ok = timed(log, "first", "--", sys.executable, "-c", "print('hello')")
    failed = timed(
        log,
        "second",
        "--",
        sys.executable,
        "-c",
        "import time; time.sleep(0.2); exit(3)",
    )
    assert ok.returncode == 0 and ok.stdout.startswith("hello\n")
    assert "[first: " in ok.stdout
    assert failed.returncode == 3
    assert "exit status 3]" in failed.stdout
    rows = [line.split("\t") for line in log.read_text().splitlines()]
    assert [(r[0], r[3]) for r in rows] == [("first", "0"), ("second", "3")]
    start, end = float(rows[1][1]), float(rows[1][2])
    assert 0.2 <= end - start < 30

    report = timed(log, "--report")
    assert report.returncode == 0
    lines = report.stdout.splitlines()
    assert lines[1].split()[0] == "first" and lines[1].endswith("passed")
    assert lines[2].split()[0] == "second"
    assert lines[2].endswith("FAILED (exit status 3)")
    assert lines[3].startswith("in all")


def test_a_report_without_steps_says_so(tmp_path):
    report = timed(tmp_path / "none.tsv", "--report")
    assert report.returncode == 0
    assert "no step recorded" in report.stdout


def test_a_damaged_log_is_refused_with_its_line(tmp_path):
    log = tmp_path / "times.tsv"
    log.write_text("unit\t1.0\t2.0\t0\nnot a row\n")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import timed as module
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    with pytest.raises(ValueError, match=r"line 2: expected STEP.*'not a row'"):
        module.report(log)


def test_wrong_arguments_print_the_usage(tmp_path):
    wrong = timed(tmp_path / "t.tsv", "step", "no-separator")
    assert wrong.returncode == 2
    assert "usage:" in wrong.stderr


CHILD_ON_CTRL_C = """
import sys, time
try:
    print("started", flush=True)  # in the try: Ctrl-C may come as soon as it is read
    time.sleep(30)
except KeyboardInterrupt:
    time.sleep(0.5)  # longer than subprocess.call would wait before killing it
    print("ended its own way", flush=True)
    sys.exit(7)
"""


def test_ctrl_c_lets_the_step_end_its_own_way_and_is_recorded(tmp_path):
    log = tmp_path / "times.tsv"
    # Its own process group, with Ctrl-C's default action, as in a terminal.
    process = subprocess.Popen(
        [sys.executable, str(TIMED), str(log), "step", "--", sys.executable, "-c",
         CHILD_ON_CTRL_C],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    assert process.stdout.readline() == "started\n"
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends: the whole group
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 7
    assert "ended its own way" in out and "exit status 7]" in out
    step, _, _, status = log.read_text().rstrip("\n").split("\t")
    assert (step, status) == ("step", "7")
