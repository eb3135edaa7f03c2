"""Training speed of mlpcore against scikit-learn and PyTorch on the CPU.

Run with ``make bench`` (or ``python benchmarks/run.py --quick`` for a smoke
test). Four cases, in two regimes:

1. large layers (bound by matrix products): one epoch of mini-batch SGD,
   batch 200, learning rate 0.01, no shuffling, 20,000 synthetic 784-feature
   samples, network 784-256-128-10, ReLU, softmax + cross-entropy, in float32
   and in float64;
2. small networks (bound by per-call overhead): the tutorial's [2, 4, 3, 1]
   network, 150 full-batch iterations on 1,000 two-circles points; and the
   digits, 64-32-10, mini-batches of 32, 10 epochs.

Every tool does the same work: the same architecture, plain SGD without
momentum, weight decay or early stopping, the same batches in the same order.
Each timing covers building the model and training it, as a user would call
it. Beside the tools runs the **GEMM floor**: exactly the matrix products
mlpcore computes in that training, at the same shapes and dtype, and nothing
else. Floor time / mlpcore time is the share of mlpcore's time that the
products alone would take.

The jobs are interleaved (the order of each round turns by one job), and the
report gives medians with the spread (min–max) of the repeats. PyTorch is
optional: without it the run says so and skips it. benchmarks/README.md
describes the method; the results are printed and written to
``benchmarks/results.json``.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
import threadpoolctl
from sklearn.datasets import load_digits, make_circles
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLP

import mlpcore

try:
    import torch
except ImportError:  # the benchmark runs without PyTorch, and says so
    torch = None

HERE = Path(__file__).resolve().parent
FLOOR = "GEMM floor"
NO_TORCH = (
    "PyTorch is not installed: skipped "
    "(pip install torch==2.13.0 installs a CPU build)."
)


# --- the tools, each training a network of `sizes` on (X, labels) --------------------
# X is float (n, n_0); labels are integer classes 0..k-1. Two classes use one
# sigmoid output with binary cross-entropy, more a softmax with cross-entropy.


def train_mlpcore(X, labels, sizes, epochs, learning_rate, batch_size, dtype):
    if sizes[-1] == 1:
        Y = labels.reshape(-1, 1).astype(dtype)
        output, loss = "sigmoid", "binary_cross_entropy"
    else:
        Y = np.eye(sizes[-1], dtype=dtype)[labels]
        output, loss = "softmax", "cross_entropy"
    activations = ["relu"] * (len(sizes) - 2) + [output]
    net = mlpcore.MLP(sizes, activations, loss=loss, seed=0, dtype=dtype)
    mlpcore.train(
        net, X, Y, epochs, learning_rate, batch_size=batch_size, shuffle=False
    )


def train_sklearn(X, labels, sizes, epochs, learning_rate, batch_size, dtype):
    model = SklearnMLP(
        hidden_layer_sizes=sizes[1:-1],
        activation="relu",
        solver="sgd",
        alpha=0.0,
        momentum=0.0,
        learning_rate_init=learning_rate,
        batch_size=batch_size or len(X),
        max_iter=epochs,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=0,
    )
    with warnings.catch_warnings():  # max_iter is reached on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, labels)


def train_torch(X, labels, sizes, epochs, learning_rate, batch_size, dtype):
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(fan_in, fan_out, dtype=torch_dtype), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    if sizes[-1] == 1:
        loss_fn = torch.nn.BCEWithLogitsLoss()
        target = torch.from_numpy(labels.reshape(-1, 1)).to(torch_dtype)
    else:
        loss_fn = torch.nn.CrossEntropyLoss()
        target = torch.from_numpy(labels.astype(np.int64))
    inputs = torch.from_numpy(X)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    batch = batch_size or len(X)
    for _ in range(epochs):
        for start in range(0, len(X), batch):
            stop = start + batch
            optimizer.zero_grad()
            loss = loss_fn(model(inputs[start:stop]), target[start:stop])
            loss.backward()
            optimizer.step()


TOOLS = {"mlpcore": train_mlpcore, "scikit-learn": train_sklearn}
if torch is not None:
    TOOLS["PyTorch"] = train_torch


# --- the GEMM floor: mlpcore's matrix products alone -------------------------------


def gemm_floor(X, sizes, epochs, batch_size, dtype, seed=0):
    """Return a job doing exactly the matrix products of ``train_mlpcore``.

    Per batch of m rows, as in ``MLP.forward`` and ``MLP.backward``: the
    forward product ``a[k-1] @ W[k]`` of every layer, then from the last
    layer down ``a[k-1].T @ dz[k]`` (dW), ``ones @ dz[k]`` (db, ones of shape
    (1, m)) and, for k > 1, ``dz[k] @ W[k].T`` (the gradient passed down).
    Same shapes, same dtype, the batches sliced from the same X; the operands
    other than X are random arrays made once, outside the timed job, and
    nothing else (activations, losses, updates, checks) is done.
    """
    rng = np.random.default_rng(seed)
    L = len(sizes) - 1
    X = np.ascontiguousarray(X, dtype=dtype)
    n = len(X)
    batch = batch_size or n

    def random(*shape):
        return rng.standard_normal(shape).astype(dtype)

    W = [None] + [random(sizes[k - 1], sizes[k]) for k in range(1, L + 1)]
    operands = {}  # batch length -> (a[1..L-1], dz[1..L], ones)
    for m in {min(batch, n - start) for start in range(0, n, batch)}:
        a = [None] + [random(m, sizes[k]) for k in range(1, L)]
        dz = [None] + [random(m, sizes[k]) for k in range(1, L + 1)]
        operands[m] = a, dz, np.ones((1, m), dtype=dtype)

    def job():
        for _ in range(epochs):
            for start in range(0, n, batch):
                a0 = X[start : start + batch]
                a, dz, ones = operands[len(a0)]
                inputs = [a0, *a[1:]]  # a[k-1] for k = 1..L
                for k in range(1, L + 1):
                    inputs[k - 1] @ W[k]
                for k in range(L, 0, -1):
                    inputs[k - 1].T @ dz[k]
                    ones @ dz[k]
                    if k > 1:
                        dz[k] @ W[k].T

    return job


def flops(n, sizes, epochs, batch_size):
    """Flops of the products in ``gemm_floor``: 2pqr for a (p, q) @ (q, r)."""
    batch = batch_size or n
    total = 0
    for start in range(0, n, batch):
        m = min(batch, n - start)
        for k in range(1, len(sizes)):
            fan_in, fan_out = sizes[k - 1], sizes[k]
            products = 3 if k > 1 else 2  # forward, dW, and da for k > 1
            total += products * 2 * m * fan_in * fan_out + 2 * m * fan_out  # + db
    return total * epochs


# --- data -----------------------------------------------------------------------------


def synthetic(n, dtype, n_features=784, n_classes=10, seed=0):
    """Gaussian inputs labelled by a random linear teacher."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_features)).astype(dtype)
    teacher = rng.standard_normal((n_features, n_classes))
    return X, (X @ teacher.astype(dtype)).argmax(axis=1)


def circles():
    return make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)


def digits():
    X, labels = load_digits(return_X_y=True)
    std = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0), labels


def cases(n):
    """(name, data, sizes, epochs, learning_rate, batch_size, dtype) of each case."""
    large = [784, 256, 128, 10]
    return [
        (f"784-256-128-10, float32, {n} samples, 1 epoch",
         synthetic(n, np.float32), large, 1, 0.01, 200, np.float32),
        (f"784-256-128-10, float64, {n} samples, 1 epoch",
         synthetic(n, np.float64), large, 1, 0.01, 200, np.float64),
        ("two circles, [2, 4, 3, 1], 150 full-batch iterations",
         circles(), [2, 4, 3, 1], 150, 0.5, None, np.float64),
        ("digits, [64, 32, 10], batch 32, 10 epochs",
         digits(), [64, 32, 10], 10, 0.1, 32, np.float64),
    ]  # fmt: skip


# --- measuring ------------------------------------------------------------------------


def interleaved(jobs, repeats):
    """Time each job ``repeats`` times, round-robin; return {name: [seconds, ...]}.

    The order of the round turns by one job every repeat, so that each job runs
    after each other one equally often: what a job leaves behind (warm caches,
    spinning BLAS or OpenMP threads, allocator state) does not always favour or
    burden the same neighbour. Every job runs once untimed first.
    """
    times = {name: [] for name in jobs}
    for job in jobs.values():  # warm-up: imports, BLAS threads, caches
        job()
    names = list(jobs)
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            start = time.perf_counter()
            jobs[name]()
            times[name].append(time.perf_counter() - start)
    return times


def summary(samples):
    return {
        "median": float(np.median(samples)),
        "min": float(min(samples)),
        "max": float(max(samples)),
        "samples": [float(s) for s in samples],
    }


def run_case(name, data, sizes, epochs, learning_rate, batch_size, dtype, repeats):
    X, labels = data
    X = X.astype(dtype)
    jobs = {
        tool: (
            lambda f=f: f(X, labels, sizes, epochs, learning_rate, batch_size, dtype)
        )
        for tool, f in TOOLS.items()
    }
    jobs[FLOOR] = gemm_floor(X, sizes, epochs, batch_size, dtype)
    times = interleaved(jobs, repeats)
    # the floor and mlpcore ran in the same rounds: one ratio per round
    per_round = [f / m for f, m in zip(times[FLOOR], times["mlpcore"])]
    steps = epochs * -(-len(X) // (batch_size or len(X)))
    return {
        "sizes": sizes,
        "dtype": np.dtype(dtype).name,
        "samples": len(X),
        "steps": steps,
        "flops": flops(len(X), sizes, epochs, batch_size),
        "times": {tool: summary(t) for tool, t in times.items()},
        "floor_share": float(np.median(times[FLOOR]) / np.median(times["mlpcore"])),
        "floor_share_per_round": summary(per_round),
    }


# --- report ---------------------------------------------------------------------------


def machine():
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "mlpcore": mlpcore.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "blas": [
            f"{b.get('internal_api')} {b.get('version')} threads={b.get('num_threads')}"
            for b in threadpoolctl.threadpool_info()
        ],
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["processor"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:  # the commit measured; "-dirty" if the tree had uncommitted changes
        info["commit"] = subprocess.run(
            ["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    try:  # the machine's load when the run started (Unix only)
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        pass
    return info


def format_table(results):
    """The report of a run as text at most 77 characters wide: for each case a
    title line and one row per tool and for the floor. Works on a loaded
    results.json."""
    lines = [f"  {'':<14}{'median':>10}  {'min–max':>19}  {'÷ mlpcore':>10}"]
    for label, case in results["cases"].items():
        times = case["times"]
        base = times["mlpcore"]["median"]
        lines.extend(["", label])
        for tool in ["mlpcore", *[t for t in times if t not in ("mlpcore", FLOOR)]]:
            t = times[tool]
            ratio = "" if tool == "mlpcore" else f"{t['median'] / base:.2f}"
            lines.append(
                f"  {tool:<14}{t['median'] * 1e3:>7.1f} ms  "
                f"{t['min'] * 1e3:>8.1f}–{t['max'] * 1e3:.1f} ms  {ratio:>10}".rstrip()
            )
        f = times[FLOOR]
        share = case["floor_share_per_round"]
        lines.append(
            f"  {FLOOR:<14}{f['median'] * 1e3:>7.1f} ms  "
            f"{f['min'] * 1e3:>8.1f}–{f['max'] * 1e3:.1f} ms  "
            f"{case['floor_share']:>10.2f}"
        )
        rate = case["flops"] / f["median"] / 1e9
        lines.append(
            f"    floor ÷ mlpcore per round {share['min']:.2f}–{share['max']:.2f};"
            f" products at {rate:.1f} GFLOP/s"
        )
    if "PyTorch" not in next(iter(results["cases"].values()))["times"]:
        lines.extend(["", NO_TORCH])
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="4,000 samples, 3 repeats: a smoke test"
    )
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count(),
        help="threads for BLAS, OpenMP and PyTorch (default: every core)",
    )
    args = parser.parse_args(argv)
    n, repeats = (4_000, 3) if args.quick else (20_000, 7)
    if torch is not None:
        torch.set_num_threads(args.threads)
    else:
        print(NO_TORCH)
    results = {"machine": machine(), "threads": args.threads, "n": n}
    results.update(repeats=repeats, cases={})
    with threadpoolctl.threadpool_limits(args.threads):
        for name, *case in cases(n):
            # the small cases are quicker and noisier: three times the repeats
            r = repeats if case[1][0] == 784 else 3 * repeats
            results["cases"][name] = run_case(name, *case, repeats=r)
    print(json.dumps(results["machine"], indent=2))
    results["table"] = format_table(results)
    print(results["table"])
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
