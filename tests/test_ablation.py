"""The ablation command: variants built one change at a time, the divergence count, and a run
on a tiny budget that writes rows and the best checkpoint."""

import json

import numpy as np
import pytest

from lesson_lib import bench, checkpoints
from lesson_lib.bench import ablation
from lesson_lib.evaluation import diverged_tasks
from lesson_lib.recipes import sinusoid as recipes


def test_each_step_of_the_ablation_adds_only_its_change():
    for parent, child in zip(ablation.ABLATION, ablation.ABLATION[1:], strict=False):
        assert ablation.VARIANTS[child].parent == parent
        before, after = ablation.settings(parent), ablation.settings(child)
        changed = {k for k in after if after[k] != before.get(k)}
        assert changed and changed <= set(ablation.VARIANTS[child].settings), child
    assert ablation.settings("maml") == ablation.BASE


@pytest.mark.parametrize(("variant", "recipe"),
                         [("maml", "MAML"), ("metasgd5", "Meta-SGD"), ("wide_fast", "MAML++")])
def test_the_recipes_are_the_ablations_variants(variant, recipe):
    """Meta-SGD and MAML++ as `bench sinusoid` trains and ships them are the variants the ablation
    measured: the same learner, MLP, meta-batch and query count."""
    built, shipped = ablation.learner(variant, iterations=6_000), recipes.learner(recipe, iterations=6_000)
    assert type(built) is type(shipped) and built.hyperparameters == shipped.hyperparameters
    assert [v.shape for v in built.meta_parameters] == [v.shape for v in shipped.meta_parameters]
    config, plan = ablation.settings(variant), recipes.RECIPES[recipe]
    assert (config["meta_batch"], config["Q"]) == (plan.meta_batch, plan.Q)


def test_diverged_within_the_steps_by_hand():  # the rule ablation.measure counts with
    per_task = np.array([[1.0, 0.5, 0.4],  # fine
                         [1.0, 50.0, 101.0],  # above 100x its start
                         [2.0, np.nan, 1.0],  # not finite
                         [0.01, 0.9, 0.5]])  # 90x: not diverged
    np.testing.assert_array_equal(diverged_tasks(per_task).any(axis=1), [False, True, True, False])


def test_unknown_variant_is_named():
    with pytest.raises(ValueError, match=r"--variants: unknown \['nope'\]"):
        bench.main(["ablation", "--variants", "maml,nope", "--iterations", "1", "--test-tasks", "2"])
    with pytest.raises(ValueError, match="variant must be one of"):
        ablation.learner("nope")


@pytest.mark.slow  # compiles two learners: 20-40 s
def test_ablation_runs_writes_rows_and_the_best_checkpoint(tmp_path):
    out = tmp_path / "rows.json"
    bench.main(["ablation", "--variants", "lslr", "--iterations", "3", "--test-tasks", "20",
                "--seeds", "0,1", "--save-dir", str(tmp_path), "--json", str(out)])
    rows = json.loads(out.read_text())
    assert [(r["variant"], r["seed"]) for r in rows] == [("lslr", 0), ("lslr", 1)]
    assert rows[0]["mse"] != rows[1]["mse"]  # another seed, another model
    assert set(rows[0]) == {"variant", "changes", "seed", "iterations", "train_seconds", "train_cpu_seconds",
                            "steps", "mse", "ci95", "median", "diverged_tasks", "divergence_steps", "tasks"}
    assert all(r["tasks"] == 20 and r["steps"] == 10 and r["iterations"] == 3 for r in rows)
    (saved,) = tmp_path.glob("sinusoid_*_k5.npz")
    manifest = checkpoints.read_manifest(saved)
    assert manifest["command"].startswith("python -m lesson_lib.bench ablation")
    best = min(rows, key=lambda r: r["mse"])
    assert manifest["iterations"] == 3 and manifest["seed"] == best["seed"] and manifest["train_seconds"] > 0
    fresh = ablation.learner(manifest["variant"], iterations=3)
    checkpoints.load(saved, fresh)
