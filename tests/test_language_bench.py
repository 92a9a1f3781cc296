"""`python -m lesson_lib.bench language`: every learner trained for a tiny budget, saved, scored on
unseen languages, and the saved checkpoints re-scored by --from-checkpoints to the same rows."""

import json

import numpy as np
import pytest

from lesson_lib import bench
from lesson_lib.recipes import language as recipes

TRIED = ("ProtoNet", "n-gram")  # one trained, one untrained: every path of the command, cheaply


@pytest.mark.slow  # about a minute
def test_trains_saves_scores_and_reloads_to_the_same_rows(tmp_path):
    out = tmp_path / "rows.json"
    common = ["--learners", ",".join(TRIED), "--test-episodes", "20", "--json", str(out)]
    bench.main(["language", "--minutes", "0.02", "--save-dir", str(tmp_path), *common])
    rows = json.loads(out.read_text())
    assert [(r["learner"], r["shots"]) for r in rows] == [(n, K) for n in TRIED for K in (1, 5)]
    assert set(rows[0]) == {"learner", "ways", "shots", "accuracy", "ci95", "episodes", "train_seconds",
                            "iterations", "test_steps", "paper", "words"}
    assert all(r["ways"] == 5 and r["episodes"] == 20 and 0 <= r["accuracy"] <= 100 for r in rows)
    (ngram,) = [r for r in rows if r["learner"] == "n-gram" and r["shots"] == 5]
    assert ngram["iterations"] == 0 and ngram["accuracy"] > 40  # chance is 20%: the baseline works untrained
    for name in TRIED:
        if name in recipes.UNTRAINED:
            assert not (tmp_path / recipes.checkpoint_name(name)).exists()
            continue
        manifest = json.loads((tmp_path / recipes.checkpoint_name(name)).with_suffix(".json").read_text())
        assert manifest["command"].startswith("python -m lesson_lib.bench language")
        assert manifest["iterations"] >= 1 and manifest["train_seconds"] > 0
    bench.main(["language", "--from-checkpoints", "--data-dir", str(tmp_path), *common])
    again = json.loads(out.read_text())
    np.testing.assert_allclose([r["accuracy"] for r in again], [r["accuracy"] for r in rows], atol=1e-6)


@pytest.mark.parametrize("name", recipes.LEARNERS)
def test_every_recipe_fits_the_episodes(name):
    """Each learner takes the family's episodes and answers one logit per language."""
    episode = recipes.test_tasks(seed=1).sample(1, 1, 2)
    learner = recipes.learner(name)
    if name in recipes.UNTRAINED:
        assert learner.predict(episode, episode.query_x, 0).shape == (1, 10, 5)
        return
    learner.check_episode(episode)
    training = recipes.training_tasks(name).sample(1, 1, 1)
    assert training.support_y.shape[-1] == (19 if name == "fine-tuned" else recipes.RECIPES[name].ways)


def test_unknown_learner_and_untrained_load_are_named():
    with pytest.raises(ValueError, match="name must be one of"):
        recipes.learner("nope")
    with pytest.raises(ValueError, match="name must be one of"):
        recipes.load("n-gram")  # nothing is shipped for the untrained baseline
