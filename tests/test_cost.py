"""Lesson 6's measurements: the memory count of a traced step (a tensor lives from the operation
that makes it to its last reader), what it says about each learner as the inner steps grow, the
shipped table the lesson plots, and the log-log growth exponent."""

import json

import numpy as np
import pytest
import tensorflow as tf

from lesson_lib.cost import growth_exponent, kept_alive_mb, peak_live_bytes, tensor_bytes
from lesson_lib.recipes import DATA
from lesson_lib.recipes import sinusoid as recipes
from lesson_lib.tasks import Sinusoid

SIZE = 1000 * 4  # bytes of one float32 [1000] tensor


def chain_peak(k, saved):
    """Peak live bytes of the gradient of k tanh layers: the backward pass needs every layer's
    output (saved=True), or none when each layer adds a constant (tf.stop_gradient)."""

    def fn(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in range(k):
                y = tf.tanh(y) if saved else y + tf.stop_gradient(tf.tanh(y))
            loss = tf.reduce_sum(y)
        return tape.gradient(loss, x)

    graph = tf.function(fn).get_concrete_function(tf.TensorSpec([1000], tf.float32)).graph
    return peak_live_bytes(graph)


def test_the_tape_keeps_one_tensor_per_layer():
    peaks = {k: chain_peak(k, saved=True) for k in (2, 4, 8)}
    assert peaks[8] - peaks[4] == 4 * SIZE and peaks[4] - peaks[2] == 2 * SIZE, peaks


def test_stopped_gradients_keep_nothing_per_layer():
    peaks = {k: chain_peak(k, saved=False) for k in (1, 8)}
    assert peaks[8] == peaks[1] < 4 * SIZE, peaks


def test_a_tensor_lives_until_its_last_reader():
    def fn(x):
        y = tf.tanh(x)
        z = tf.tanh(y)
        return tf.tanh(z) + y  # y must outlive z

    def fn_short(x):
        return tf.tanh(tf.tanh(tf.tanh(x)))

    spec = tf.TensorSpec([1000], tf.float32)
    long, short = (peak_live_bytes(tf.function(f).get_concrete_function(spec).graph) for f in (fn, fn_short))
    assert long - short == SIZE


def test_unknown_shapes_are_refused():
    graph = tf.function(lambda x: tf.tanh(x)).get_concrete_function(tf.TensorSpec([None], tf.float32)).graph
    with pytest.raises(ValueError, match="static shape"):
        peak_live_bytes(graph)
    assert tensor_bytes(tf.constant(np.zeros((3, 5), np.float64))) == 120


@pytest.mark.slow
def test_second_order_memory_grows_with_the_inner_steps_first_order_does_not():
    episode = Sinusoid(seed=0).sample(2, 5)
    memory = {(name, k): kept_alive_mb(recipes.learner(name, inner_steps=k), episode)
              for name in ("MAML", "FOMAML", "Reptile") for k in (1, 8)}
    assert memory["MAML", 8] > 3 * memory["MAML", 1], memory
    assert memory["FOMAML", 8] < 2 * memory["FOMAML", 1], memory
    assert memory["Reptile", 8] < 2 * memory["Reptile", 1], memory


def test_the_shipped_memory_table():
    """What Lesson 6 says about data/kept_alive.json (counted, so the same on every machine)."""
    rows = json.loads((DATA / "kept_alive.json").read_text())
    memory = {(r["learner"], r["inner_steps"]): r["kept_alive_mb"] for r in rows}
    steps = (1, 2, 4, 8, 16)
    learners = ("MAML", "FOMAML", "Reptile", "Meta-LSTM")
    assert set(memory) == {(n, k) for n in learners for k in steps} | {("CNP", 0)}
    exponent = {n: growth_exponent(steps, [memory[n, k] for k in steps]) for n in learners}
    assert exponent["MAML"] > 0.6 and exponent["Meta-LSTM"] > 0.6, exponent
    assert exponent["FOMAML"] < 0.2 and exponent["Reptile"] < 0.2, exponent
    assert memory["MAML", 16] > 5 * memory["MAML", 1]
    for name in ("FOMAML", "Reptile"):  # a fixed part set up by the first steps, then flat
        assert memory[name, 16] < 2 * memory[name, 1] and memory[name, 16] < 1.1 * memory[name, 2], name
    assert min(memory["Meta-LSTM", k] / memory["MAML", k] for k in steps) > 10


def test_growth_exponent():
    k = np.array([1, 2, 4, 8])
    assert growth_exponent(k, 3 * k**1.5) == pytest.approx(1.5)
    assert growth_exponent(k, np.full(4, 7.0)) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="positive"):
        growth_exponent(k, [1, 0, 2, 3])
    with pytest.raises(ValueError, match="same length"):
        growth_exponent(k, [1, 2])
