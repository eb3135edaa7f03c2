"""Training speed of mlpcore against scikit-learn and PyTorch on the CPU.

Run with ``make bench`` (or ``python benchmarks/run.py --quick`` for a short
run). Two regimes:

1. large layers (matmul-bound): one epoch of mini-batch SGD, batch 200,
   learning rate 0.01, no shuffling, over synthetic 784-feature data, network
   784-256-128-10, ReLU, softmax + cross-entropy, float32 and float64;
2. small networks (overhead-bound): the tutorial's [2, 4, 3, 1] network, 150
   full-batch iterations on 1,000 two-circles points; and digits, 64-32-10,
   mini-batches of 32, 10 epochs.

Every tool does the same work: the same architecture, plain SGD without
momentum, weight decay or early stopping, the same batches in the same order.
Each timing covers building the model and training it, as a user would call
it. Repeats are interleaved (tool A, tool B, tool C, A, B, C, ...) so that a
change in machine load affects all tools alike; the table gives medians and
the spread (min–max). PyTorch is optional: without it the benchmark says so
and skips it.

The results are printed and written to ``benchmarks/results.json``.
"""

import argparse
import json
import platform
import sys
import textwrap
import time
import tracemalloc
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


# --- the three tools, each training a network of `sizes` on (X, labels) -------------
# X is float (n, n_0); labels are integer classes 0..k-1. Two classes use one
# sigmoid output with binary cross-entropy, more a softmax with cross-entropy.


def train_mlpcore(X, labels, sizes, epochs, learning_rate, batch_size, dtype):
    n_out = sizes[-1]
    if n_out == 1:
        Y, output, loss = (
            labels.reshape(-1, 1).astype(dtype),
            "sigmoid",
            "binary_cross_entropy",
        )
    else:
        Y, output, loss = np.eye(n_out, dtype=dtype)[labels], "softmax", "cross_entropy"
    net = mlpcore.MLP(
        sizes, ["relu"] * (len(sizes) - 2) + [output], loss=loss, seed=0, dtype=dtype
    )
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
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", ConvergenceWarning
        )  # max_iter is reached on purpose
        model.fit(X, labels)


def train_torch(X, labels, sizes, epochs, learning_rate, batch_size, dtype):
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(fan_in, fan_out, dtype=torch_dtype), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    if sizes[-1] == 1:
        loss_fn, target = (
            torch.nn.BCEWithLogitsLoss(),
            torch.from_numpy(labels.reshape(-1, 1)).to(torch_dtype),
        )
    else:
        loss_fn, target = (
            torch.nn.CrossEntropyLoss(),
            torch.from_numpy(labels.astype(np.int64)),
        )
    inputs = torch.from_numpy(X)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    batch = batch_size or len(X)
    for _ in range(epochs):
        for start in range(0, len(X), batch):
            optimizer.zero_grad()
            loss = loss_fn(
                model(inputs[start : start + batch]), target[start : start + batch]
            )
            loss.backward()
            optimizer.step()


TOOLS = {"mlpcore": train_mlpcore, "scikit-learn": train_sklearn}
if torch is not None:
    TOOLS["PyTorch"] = train_torch


# --- data -----------------------------------------------------------------------------


def synthetic(n, dtype, n_features=784, n_classes=10, seed=0):
    """Gaussian inputs labelled by a random linear teacher."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_features)).astype(dtype)
    teacher = rng.standard_normal((n_features, n_classes))
    return X, (X @ teacher.astype(dtype)).argmax(axis=1)


def circles():
    X, labels = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
    return X, labels


def digits():
    X, labels = load_digits(return_X_y=True)
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    return X, labels


# --- measuring ------------------------------------------------------------------------


def interleaved(jobs, repeats):
    """Time each job ``repeats`` times, round-robin; return {name: [seconds, ...]}.

    The order of the round turns by one job every repeat, so that each job runs
    after each other one equally often: what a job leaves behind (warm caches,
    spinning BLAS or OpenMP threads, allocator state) does not always favour or
    burden the same neighbour.
    """
    times = {name: [] for name in jobs}
    for name, job in jobs.items():  # warm-up: imports, BLAS threads, caches
        job()
    names = list(jobs)
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            start = time.perf_counter()
            jobs[name]()
            times[name].append(time.perf_counter() - start)
    return times


def matmul_rate(dtype, size=2048, repeats=7):
    """FLOP/s of a large square numpy matmul (median of repeats)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(dtype)
    b = rng.standard_normal((size, size)).astype(dtype)
    a @ b
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        samples.append(time.perf_counter() - start)
    return 2 * size**3 / float(np.median(samples))


def summary(samples):
    return {
        "median": float(np.median(samples)),
        "min": float(min(samples)),
        "max": float(max(samples)),
    }


def peak_memory(job):
    """Peak bytes allocated while ``job`` runs (numpy reports to tracemalloc)."""
    tracemalloc.start()
    job()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


# --- the regimes ----------------------------------------------------------------------


def large_layers(n, repeats):
    sizes = [784, 256, 128, 10]
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    results = {}
    for dtype in (np.float32, np.float64):
        X, labels = synthetic(n, dtype)
        jobs = {
            name: (lambda f=f: f(X, labels, sizes, 1, 0.01, 200, dtype))
            for name, f in TOOLS.items()
        }
        times = {name: summary(t) for name, t in interleaved(jobs, repeats).items()}
        rate = matmul_rate(dtype)
        epoch = times["mlpcore"]["median"]
        results[np.dtype(dtype).name] = {
            "times": times,
            "matmul_flops": rate,
            # 6 flops per weight and sample: 2 forward, 2 for dW, 2 for dA
            "efficiency": 6 * n * weights / epoch / rate,
            # mlpcore skips dA_0 (the gradient for the input), so it does less work
            "efficiency_actual_flops": (6 * n * weights - 2 * n * sizes[0] * sizes[1])
            / epoch
            / rate,
        }
    return results


def large_layers_scaling(repeats):
    """mlpcore's float32 epoch at n = 10k, 20k, 40k, the sizes interleaved like the tools."""
    sizes = [784, 256, 128, 10]
    data = {n: synthetic(n, np.float32) for n in (10_000, 20_000, 40_000)}
    jobs = {
        n: (
            lambda X=X, labels=labels: train_mlpcore(
                X, labels, sizes, 1, 0.01, 200, np.float32
            )
        )
        for n, (X, labels) in data.items()
    }
    return {n: summary(times) for n, times in interleaved(jobs, repeats).items()}


def large_layers_memory(n):
    sizes, batch = [784, 256, 128, 10], 200
    out = {}
    for dtype in (np.float32, np.float64):
        X, labels = synthetic(n, dtype)
        itemsize = np.dtype(dtype).itemsize
        out[np.dtype(dtype).name] = {
            "peak_bytes": peak_memory(
                lambda: train_mlpcore(X, labels, sizes, 1, 0.01, batch, dtype)
            ),
            "batch_x_width_bytes": batch * sum(sizes) * itemsize,
            "parameter_bytes": sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
            * itemsize,
            "data_bytes": X.nbytes,
        }
    return out


def small_networks(repeats):
    results = {}
    X, labels = circles()
    jobs = {
        name: (lambda f=f: f(X, labels, [2, 4, 3, 1], 150, 0.5, None, np.float64))
        for name, f in TOOLS.items()
    }
    results["two circles, [2, 4, 3, 1], 150 full-batch iterations"] = {
        name: summary(t) for name, t in interleaved(jobs, repeats).items()
    }
    X, labels = digits()
    jobs = {
        name: (lambda f=f: f(X, labels, [64, 32, 10], 10, 0.1, 32, np.float64))
        for name, f in TOOLS.items()
    }
    results["digits, [64, 32, 10], batch 32, 10 epochs"] = {
        name: summary(t) for name, t in interleaved(jobs, repeats).items()
    }
    return results


# --- report ---------------------------------------------------------------------------


def machine():
    blas = threadpoolctl.threadpool_info()
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": __import__("os").cpu_count(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "mlpcore": mlpcore.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "blas": [
            f"{b.get('internal_api')} {b.get('version')} {b.get('architecture')} threads={b.get('num_threads')}"
            for b in blas
        ],
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["processor"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def format_table(results, width=88):
    """The report of a run, as text at most ``width`` characters wide: for each
    benchmark a title line and one row per tool, then the efficiency, scaling and
    memory lines. Works on a loaded results.json."""
    first = next(iter(results["small_networks"].values()))
    peers = [name for name in first if name != "mlpcore"]
    lines = [f"  {'tool':<14}{'median':>10}  {'min–max':>19}  {'× mlpcore':>10}"]

    def rows(label, times):
        lines.extend(["", label])
        base = times["mlpcore"]["median"]
        for name in ["mlpcore", *peers]:
            t = times[name]
            ratio = "" if name == "mlpcore" else f"{t['median'] / base:.2f}"
            spread = f"{t['min'] * 1e3:.1f}–{t['max'] * 1e3:.1f} ms"
            median = f"{t['median'] * 1e3:.1f} ms"
            lines.append(
                f"  {name:<14}{median:>10}  {spread:>19}  {ratio:>10}".rstrip()
            )

    for dtype, r in results["large_layers"].items():
        rows(f"784-256-128-10, {results['n']} samples, 1 epoch, {dtype}", r["times"])
    for label, times in results["small_networks"].items():
        rows(label, times)
    notes = []
    for dtype, r in results["large_layers"].items():
        notes.append(
            f"mlpcore efficiency, {dtype}: {r['efficiency']:.0%} of a "
            f"{r['matmul_flops'] / 1e9:.0f} GFLOP/s numpy matmul (6·n·Σ fan_in·fan_out; "
            f"{r['efficiency_actual_flops']:.0%} counting only the flops it does)"
        )
    scaling = {int(n): s for n, s in results["scaling"].items()}
    base_n = min(scaling)
    per_sample = {
        n: s["median"] / scaling[base_n]["median"] * base_n / n
        for n, s in scaling.items()
    }
    notes.append(
        "epoch time against n (float32; in brackets, time per sample relative to the "
        "smallest n): "
        + ", ".join(
            f"{n}: {s['median'] * 1e3:.0f} ms ({per_sample[n]:.2f})"
            for n, s in scaling.items()
        )
    )
    for dtype, m in results["memory"].items():
        notes.append(
            f"peak memory of an epoch, {dtype}: {m['peak_bytes'] / 1e6:.2f} MB "
            f"(batch × Σ widths × itemsize = {m['batch_x_width_bytes'] / 1e6:.2f} MB, "
            f"parameters {m['parameter_bytes'] / 1e6:.2f} MB, "
            f"the data itself {m['data_bytes'] / 1e6:.1f} MB)"
        )
    if "PyTorch" not in peers:
        notes.append(
            "PyTorch was not installed: skipped (pip install torch==2.13.0 installs a CPU build)."
        )
    lines.append("")
    for note in notes:
        lines.extend(textwrap.wrap(note, width, subsequent_indent="    "))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer samples and repeats, for a smoke test",
    )
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    n, repeats = (4_000, 3) if args.quick else (20_000, 7)
    if torch is not None:
        torch.set_num_threads(__import__("os").cpu_count())
    else:
        print(
            "PyTorch is not installed: skipping it (pip install torch==2.13.0 installs a CPU build)."
        )
    results = {"machine": machine(), "n": n, "repeats": repeats}
    results["small_networks"] = small_networks(repeats * 3)
    results["large_layers"] = large_layers(n, repeats)
    results["scaling"] = (
        large_layers_scaling(repeats)
        if not args.quick
        else {n: results["large_layers"]["float32"]["times"]["mlpcore"]}
    )
    results["memory"] = large_layers_memory(n)
    print(json.dumps(results["machine"], indent=2))
    print(format_table(results))
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
