"""The training loop: full batch equals the manual loop, mini-batches, callbacks,
divergence."""

import math

import numpy as np
import pytest
from conftest import network_and_data

import mlpcore
from mlpcore import History, TrainingDiverged, train


def circles_net(seed=0, **kwargs):
    return mlpcore.MLP(
        [2, 8, 1], ["tanh", "sigmoid"], loss="binary_cross_entropy", seed=seed, **kwargs
    )


@pytest.fixture
def circles():
    X, y = mlpcore.original.load_data()
    return X[:64], y[:64]


def test_full_batch_training_equals_the_manual_loop_exactly(circles):
    X, y = circles
    # 64 samples: the epoch mean (loss · 64) / 64 is exact for a power of two.
    net, manual = circles_net(), circles_net()
    history = train(net, X, y, epochs=15, learning_rate=0.5)
    losses, accuracies = [], []
    for _ in range(15):
        yhat = manual.forward(X)
        losses.append(manual.loss_value(y))
        accuracies.append(float(np.mean((yhat > 0.5) == (y == 1))))
        manual.backward(y)
        manual.update(0.5)
    assert history.loss == losses
    assert history.accuracy == accuracies
    assert history.epochs == 15
    for k in (1, 2):
        np.testing.assert_array_equal(net.W[k], manual.W[k])
        np.testing.assert_array_equal(net.b[k], manual.b[k])


def test_full_batch_ignores_shuffle_and_seed(circles):
    X, y = circles
    runs = [
        train(circles_net(), X, y, 5, 0.3, seed=s, shuffle=sh)
        for s, sh in [(None, True), (1, True), (2, False)]
    ]
    assert runs[0] == runs[1] == runs[2]


def test_training_reduces_the_loss_and_learns_the_circles():
    X, y = mlpcore.original.load_data()
    net = circles_net(seed=1)
    history = train(net, X, y, epochs=300, learning_rate=1.0, batch_size=50, seed=0)
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.accuracy[-1] > 0.95
    assert all(0 <= a <= 1 for a in history.accuracy)


def test_accuracy_only_for_classification_losses(rng):
    X = rng.normal(size=(20, 3))
    net, _, _ = network_and_data([3, 4, 2], ["tanh"], "identity", "mean_squared_error")
    history = train(net, X, rng.normal(size=(20, 2)), epochs=4, learning_rate=0.01)
    assert history.accuracy == [] and len(history.loss) == 4
    net = mlpcore.MLP([3, 4, 3], ["tanh", "softmax"], loss="cross_entropy", seed=0)
    labels = rng.integers(0, 3, size=20)
    history = train(net, X, np.eye(3)[labels], epochs=1, learning_rate=0.0)
    # With η = 0 nothing moves: the accuracy is that of the initial network, by argmax.
    assert history.accuracy == [float(np.mean(net.forward(X).argmax(axis=1) == labels))]


class Recorder:
    """Wraps net.forward to record which rows each mini-batch held."""

    def __init__(self, net, X):
        self.batches, self.forward, self.index = (
            [],
            net.forward,
            {row.tobytes(): i for i, row in enumerate(X)},
        )
        net.forward = self

    def __call__(self, Xb, **kwargs):
        self.batches.append(
            [self.index[np.asarray(row, dtype=np.float64).tobytes()] for row in Xb]
        )
        return self.forward(Xb, **kwargs)


def test_mini_batches_cover_every_sample_once_per_epoch_in_shuffled_order(rng):
    X, y = rng.normal(size=(10, 2)), rng.integers(0, 2, size=(10, 1)).astype(float)
    net = circles_net()
    recorder = Recorder(net, X)
    train(net, X, y, epochs=4, learning_rate=0.1, batch_size=4, seed=3)
    assert [len(b) for b in recorder.batches] == [4, 4, 2] * 4
    orders = [sum(recorder.batches[3 * e : 3 * e + 3], []) for e in range(4)]
    for order in orders:
        assert sorted(order) == list(range(10))
    assert len({tuple(o) for o in orders}) > 1  # reshuffled every epoch
    assert orders[0] != list(range(10))

    again = circles_net()
    recorder2 = Recorder(again, X)
    train(again, X, y, epochs=4, learning_rate=0.1, batch_size=4, seed=3)
    assert recorder2.batches == recorder.batches  # same seed, same order

    other = circles_net()
    recorder3 = Recorder(other, X)
    train(other, X, y, epochs=4, learning_rate=0.1, batch_size=4, seed=4)
    assert recorder3.batches != recorder.batches


def test_without_shuffle_mini_batches_equal_the_manual_loop(rng):
    X, y = rng.normal(size=(16, 2)), rng.integers(0, 2, size=(16, 1)).astype(float)
    net, manual = circles_net(), circles_net()
    history = train(net, X, y, epochs=3, learning_rate=0.2, batch_size=4, shuffle=False)
    losses = []
    for _ in range(3):
        total = 0.0
        for start in range(0, 16, 4):
            manual.forward(X[start : start + 4])
            total += manual.loss_value(y[start : start + 4])
            manual.backward(y[start : start + 4])
            manual.update(0.2)
        losses.append(
            total / 4
        )  # equal batches: the epoch loss is the mean of the batch losses
    # Batches of 4 out of 16: (Σ 4·L_b) / 16 equals (Σ L_b) / 4 exactly, powers of
    # two.
    assert history.loss == losses
    for k in (1, 2):
        np.testing.assert_array_equal(net.W[k], manual.W[k])


def test_batch_larger_than_the_data_is_full_batch(circles):
    X, y = circles
    a, b = circles_net(), circles_net()
    assert train(a, X, y, 3, 0.3, batch_size=1000) == train(b, X, y, 3, 0.3)
    np.testing.assert_array_equal(a.W[1], b.W[1])


def test_same_seed_same_history_different_seed_different():
    X, y = mlpcore.original.load_data()
    X, y = X[:200], y[:200]

    def run(seed):
        net = circles_net(seed=seed)
        return net, train(
            net, X, y, epochs=5, learning_rate=0.5, batch_size=16, seed=seed
        )

    (n1, h1), (n2, h2), (n3, h3) = run(5), run(5), run(6)
    assert h1.loss == h2.loss and h1.accuracy == h2.accuracy
    np.testing.assert_array_equal(n1.W[1], n2.W[1])
    assert h1.loss != h3.loss
    assert not np.array_equal(n1.W[1], n3.W[1])


def test_callback_is_called_every_epoch_and_can_stop_training(circles):
    X, y = circles
    calls = []

    def record(epoch, history, net):
        calls.append((epoch, history.epochs, isinstance(net, mlpcore.MLP)))

    history = train(circles_net(), X, y, epochs=6, learning_rate=0.1, callback=record)
    assert calls == [(e, e + 1, True) for e in range(6)]
    assert history.epochs == 6

    def stop_after_three(epoch, history, net):
        return epoch == 2

    history = train(
        circles_net(), X, y, epochs=50, learning_rate=0.1, callback=stop_after_three
    )
    assert history.epochs == 3 and len(history.accuracy) == 3


@pytest.mark.filterwarnings("error")
def test_a_huge_learning_rate_raises_training_diverged_without_numpy_warnings(rng):
    X = rng.normal(size=(30, 2))
    y = X @ np.array([[2.0], [-1.0]]) + 0.5
    net = mlpcore.MLP(
        [2, 4, 1], ["tanh", "identity"], loss="mean_squared_error", seed=0
    )
    with pytest.raises(
        TrainingDiverged,
        match=(
            r"loss became (inf|nan) in epoch \d+ "
            r"\(learning_rate=1000000.0\).*smaller"
        ),
    ) as info:
        train(net, X, y, epochs=1000, learning_rate=1e6)
    assert isinstance(info.value, FloatingPointError)


def test_history_defaults():
    history = History()
    assert history.loss == [] and history.accuracy == [] and history.epochs == 0


def test_n_correct():
    from mlpcore.training import n_correct

    assert (
        n_correct(np.array([[1.0], [0.0], [1.0]]), np.array([[0.9], [0.6], [0.2]])) == 1
    )
    y = np.eye(3)[[0, 2, 1]]
    assert (
        n_correct(y, np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])) == 2
    )


def test_training_does_not_touch_the_inputs(circles):
    X, y = circles
    X0, y0 = X.copy(), y.copy()
    train(circles_net(), X, y, epochs=3, learning_rate=0.1, batch_size=7, seed=0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_loss_is_a_python_float_and_finite(circles):
    X, y = circles
    history = train(circles_net(), X, y, epochs=2, learning_rate=0.1)
    assert all(type(v) is float and math.isfinite(v) for v in history.loss)


def test_shuffled_mini_batches_do_not_copy_the_data_set(rng):
    import tracemalloc

    X = rng.normal(size=(20_000, 50))
    y = (X[:, :1] > 0).astype(float)
    net = mlpcore.MLP(
        [50, 8, 1], ["relu", "sigmoid"], loss="binary_cross_entropy", seed=0
    )
    tracemalloc.start()
    train(net, X, y, epochs=2, learning_rate=0.1, batch_size=100, seed=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < X.nbytes / 4, (peak, X.nbytes)


def test_epoch_loss_weights_a_short_last_batch_by_its_size(rng):
    # 64 rows in batches of 7: nine of 7 and a last one of 1. The epoch loss is the
    # mean over the 64 samples, so the last batch counts 1/64, not 1/10.
    X, y = rng.normal(size=(64, 2)), rng.integers(0, 2, size=(64, 1)).astype(float)
    net, manual = circles_net(), circles_net()
    history = train(net, X, y, epochs=1, learning_rate=0.2, batch_size=7, shuffle=False)
    per_sample = []
    for start in range(0, 64, 7):
        rows = slice(start, start + 7)
        manual.forward(X[rows])
        z = manual.z[manual.n_layers]
        # each sample's own loss, from the logits: softplus(z) - y z
        per_sample += list(np.logaddexp(0, z[:, 0]) - y[rows, 0] * z[:, 0])
        manual.backward(y[rows])
        manual.update(0.2)
    assert len(per_sample) == 64
    assert history.loss[0] == pytest.approx(np.mean(per_sample), rel=1e-12)
    batch_means = [np.mean(per_sample[i : i + 7]) for i in range(0, 64, 7)]
    assert (
        abs(history.loss[0] - np.mean(batch_means)) > 1e-3
    )  # the two weightings differ here


def test_epochs_counts_epochs_for_a_regression_loss(rng):
    X, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    net = mlpcore.MLP([3, 4, 2], ["tanh", "identity"], seed=0)
    history = train(net, X, y, epochs=6, learning_rate=0.01)
    assert history.accuracy == []
    assert history.epochs == 6 == len(history.loss)


def test_a_callback_that_stops_early_leaves_the_epochs_run(circles):
    X, y = circles
    history = train(
        circles_net(), X, y, 10, 0.1, callback=lambda epoch, h, net: epoch == 3
    )
    assert history.epochs == 4


def test_a_custom_loss_named_like_a_classification_loss_gets_no_accuracy(circles):
    X, y = circles
    bce = mlpcore.losses.binary_cross_entropy
    lookalike = mlpcore.losses.Loss("binary_cross_entropy", bce.f, bce.df)
    net = mlpcore.MLP([2, 3, 1], ["tanh", "sigmoid"], loss=lookalike, seed=0)
    assert train(net, X, y, 2, 0.1).accuracy == []
    assert train(circles_net(), X, y, 2, 0.1).accuracy != []
