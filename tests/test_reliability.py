"""Divergence is caught and explained, seeds reproduce, checkpoints round-trip and a
damaged one is refused, an interrupt keeps what was learned."""

import json
import subprocess
import sys

import numpy as np
import pytest

from lesson_lib import checkpoints
from lesson_lib.checkpoints import CheckpointError
from lesson_lib.learners import MAML, Pretrained
from lesson_lib.models import mlp
from lesson_lib.tasks import Sinusoid
from lesson_lib.training import DivergenceError, meta_train


def test_huge_alpha_stops_with_divergence_message():
    learner = MAML(mlp(hidden=(16,)), alpha=1e6)
    message = r"MAML diverged at meta-iteration (\d+): .*alpha \(inner step\) = 1e\+06.*try one 10x smaller"
    with pytest.raises(DivergenceError, match=message) as info:
        meta_train(learner, Sinusoid(0), 20, progress=False)
    history = info.value.history
    assert history.stopped == "diverged"
    assert f"meta-iteration {len(history.losses) + 1}:" in str(info.value)
    # the weights are the last good ones: finite, and they still give the last finite loss
    assert all(np.isfinite(v.numpy()).all() for v in learner.f.variables)


def test_huge_outer_rate_names_the_step():
    learner = Pretrained(mlp(hidden=(16,)), beta=1e30)
    with pytest.raises(DivergenceError, match=r"pretrained diverged at meta-iteration (\d+).*beta \(outer "
                                              r"learning rate\) = 1e\+30") as info:
        meta_train(learner, Sinusoid(0), 50, progress=False)
    assert f"meta-iteration {len(info.value.history.losses) + 1}:" in str(info.value)
    assert all(np.isfinite(v.numpy()).all() for v in learner.f.variables)


SCRIPT = """
import json, lesson_lib
from lesson_lib.learners import MAML
from lesson_lib.models import mlp
from lesson_lib.tasks import Sinusoid
from lesson_lib.training import meta_train
h = meta_train(MAML(mlp(seed=7), inner_steps=2), Sinusoid(seed=7), 30, progress=False)
print(json.dumps(h.losses))
"""


@pytest.mark.slow
def test_same_seed_same_losses_in_fresh_processes():
    runs = [json.loads(subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                                      check=True).stdout.strip().splitlines()[-1]) for _ in range(2)]
    assert len(runs[0]) == 30
    assert runs[0] == runs[1]


@pytest.mark.slow
def test_checkpoint_round_trip_is_exact(tmp_path):
    learner = MAML(mlp(hidden=(16,), batch_norm=True, seed=1), alpha=0.02)
    meta_train(learner, Sinusoid(1), 5, progress=False, checkpoint=tmp_path / "a.npz", note="test")
    manifest = json.loads((tmp_path / "a.json").read_text())
    assert manifest["iterations"] == 5 and manifest["note"] == "test" and manifest["learner"] == "MAML"
    assert manifest["hyperparameters"]["alpha"] == 0.02 and "command" in manifest
    fresh = MAML(mlp(hidden=(16,), batch_norm=True, seed=2), alpha=0.02)
    checkpoints.load(tmp_path / "a.npz", fresh)
    for name, value in learner.get_state().items():
        np.testing.assert_array_equal(value, fresh.get_state()[name])
    ep = Sinusoid(3).sample(4, 5)
    np.testing.assert_array_equal(learner.adaptation_curve(ep, 3), fresh.adaptation_curve(ep, 3))


def test_truncated_or_mismatched_checkpoint_is_refused(tmp_path):
    learner = MAML(mlp(hidden=(16,)))
    path = tmp_path / "b.npz"
    checkpoints.save(path, learner)
    with pytest.raises(CheckpointError, match="does not fit this learner"):
        checkpoints.load(path, MAML(mlp(hidden=(8,))))
    with pytest.raises(CheckpointError, match="holds a 'MAML' learner, not 'pretrained'"):
        checkpoints.load(path, Pretrained(mlp(hidden=(16,))))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match=r"corrupt or truncated .*re-create it with"):
        checkpoints.load(path, learner)
    with pytest.raises(CheckpointError, match="does not exist"):
        checkpoints.load(tmp_path / "missing.npz", learner)
    (tmp_path / "b.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        checkpoints.load(path, learner)


def test_interrupt_keeps_what_was_learned(tmp_path):
    learner = MAML(mlp(hidden=(16,)))

    class Interrupting(Sinusoid):
        calls = 0

        def sample(self, *args, **kwargs):
            self.calls += 1
            if self.calls == 8:
                raise KeyboardInterrupt
            return super().sample(*args, **kwargs)

    history = meta_train(learner, Interrupting(0), 100, progress=False, checkpoint=tmp_path / "c.npz")
    assert history.stopped == "interrupted" and len(history.losses) == 7
    assert json.loads((tmp_path / "c.json").read_text())["iterations"] == 7
    checkpoints.load(tmp_path / "c.npz", MAML(mlp(hidden=(16,))))
