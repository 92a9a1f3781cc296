"""The benchmark commands run, write the JSON rows the README's tables come from, and the
shipped checkpoints reproduce the paper's sinusoid numbers."""

import json

import numpy as np
import pytest

from lesson_lib import bench
from lesson_lib.bench import throughput
from lesson_lib.recipes import sinusoid as recipes

PAPER = recipes.PAPER


def rows_by(rows, **where):
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


TRIED = ("MAML", "CNP")  # one that adapts by steps, one in a forward pass: every path of the command


@pytest.mark.slow
def test_sinusoid_trains_saves_and_writes_rows(tmp_path):
    """(Every recipe trains, diverges, checkpoints and refuses bad input in test_learners_common.py
    and test_recipes.py; here the command's paths, for two of them.)"""
    out = tmp_path / "rows.json"
    bench.main(["sinusoid", "--learners", ",".join(TRIED), "--iterations", "20", "--test-tasks", "20",
                "--eval-every", "10", "--save-dir", str(tmp_path), "--json", str(out)])
    rows = json.loads(out.read_text())
    runs = [(name, train_K, test_Ks) for name, train_K, test_Ks in recipes.RUNS if name in TRIED]
    one_row = recipes.BLACK_BOX  # adapt in one forward pass: one row, not one per step count
    assert {name for name, *_ in runs} == set(TRIED)
    assert len(rows) == sum(len(test_Ks) * (1 if name in one_row else 3) for name, _, test_Ks in runs)
    assert set(rows[0]) == {"learner", "train_K", "K", "steps", "mse", "ci95", "median", "diverged_tasks",
                            "tasks", "train_seconds", "latency_ms"}
    assert all(r["tasks"] == 20 and r["median"] > 0 and r["diverged_tasks"] >= 0 for r in rows)
    assert all(np.isfinite(r["mse"]) and r["ci95"] > 0 and r["latency_ms"] > 0 for r in rows)
    assert {r["steps"] for r in rows if r["learner"] == "CNP"} == {None}
    for name, train_K, _ in runs:
        path = (tmp_path / recipes.checkpoint_name(name, train_K)).with_suffix(".json")
        manifest = json.loads(path.read_text())
        assert manifest["iterations"] == 20 and manifest["command"].startswith("python -m lesson_lib.bench")


# Meta-LSTM's adaptation is by far the slowest to evaluate (about 50 s per checkpoint on 2,000 tasks,
# the others 1-3 s). Its one claim below (K = 5, 5 steps: 0.355 +- 0.022 on 2,000 tasks, 0.318 +- 0.050
# on 200) sits about 0.5 under its bound (half the baseline's 1.78), ten 95% intervals of 200 tasks, so
# it is scored on 200 test tasks (this test: 151 s -> 103 s); every other learner on the default 2,000,
# where MAML's margins to the paper are as small as 0.024 (5 steps).
FEW_TASKS = {"Meta-LSTM": 200}


@pytest.mark.slow
def test_shipped_checkpoints_match_the_paper(tmp_path):
    out, rows = tmp_path / "rows.json", []
    names = list(dict.fromkeys(name for name, *_ in recipes.RUNS))
    for learners, tasks in ([n for n in names if n not in FEW_TASKS], []), *(
            ([n], ["--test-tasks", str(t)]) for n, t in FEW_TASKS.items()):
        bench.main(["sinusoid", "--from-checkpoints", "--learners", ",".join(learners), *tasks,
                    "--json", str(out)])
        rows += json.loads(out.read_text())
    # every shipped checkpoint was loaded and scored: one row per (run, test K, step count)
    assert len(rows) == sum(len(test_Ks) * (1 if name in recipes.BLACK_BOX else len(recipes.TEST_STEPS))
                            for name, _, test_Ks in recipes.RUNS)
    assert all(r["tasks"] == FEW_TASKS.get(r["learner"], 2_000) for r in rows)
    for steps, paper in PAPER["MAML"].items():
        (maml,) = rows_by(rows, learner="MAML", train_K=5, K=5, steps=steps)
        assert maml["mse"] <= paper, f"MAML K=5 after {steps} steps: {maml['mse']:.3f} > paper {paper}"
        (pretrained,) = rows_by(rows, learner="pretrained", K=5, steps=steps)
        assert pretrained["mse"] > 3 * maml["mse"], "the pretrained baseline should stay far worse"
    (maml10,) = rows_by(rows, learner="MAML", train_K=10, K=10, steps=10)
    assert maml10["mse"] < 0.2
    # every meta-learner beats the pretrained baseline by a wide margin at K = 5
    (baseline,) = rows_by(rows, learner="pretrained", K=5, steps=10)
    for name, steps in (("FOMAML", 10), ("Reptile", 10), ("Meta-LSTM", 5), ("CNP", None),
                        ("HyperNetwork", None)):
        (row,) = rows_by(rows, learner=name, train_K=5, K=5, steps=steps)
        assert row["mse"] < baseline["mse"] / 2, f"{name}: {row['mse']:.3f} vs baseline {baseline['mse']:.3f}"
    # Lesson 9's recipes: learned step sizes (and MAML++'s other changes) beat MAML after 10 steps
    (maml,) = rows_by(rows, learner="MAML", train_K=5, K=5, steps=10)
    for name in ("Meta-SGD", "MAML++"):
        (row,) = rows_by(rows, learner=name, train_K=5, K=5, steps=10)
        assert row["mse"] < maml["mse"] and row["diverged_tasks"] == 0, f"{name}: {row}"


@pytest.mark.slow
def test_throughput_rows(tmp_path):
    out = tmp_path / "rows.json"
    bench.main(["throughput", "--seconds", "0.2", "--json", str(out)])
    rows = json.loads(out.read_text())
    xla = {"MAML", "FOMAML"}  # the learners of CONFIGS whose task functions batch over tasks
    assert {(r["learner"], r["inner_steps"], r["path"]) for r in rows} == {
        (name, settings.get("inner_steps", 0), path) for name, settings in throughput.CONFIGS
        for path in ("xla", "vectorized", "loop") if path != "xla" or name in xla}
    assert all(r["iterations_per_s"] > 0 for r in rows)
    assert all((r["compile_seconds"] is None) == (r["path"] == "loop") for r in rows)


@pytest.mark.slow
def test_conv4_rows(tmp_path):
    out = tmp_path / "rows.json"
    bench.main(["conv4", "--learners", "FOMAML", "--seconds", "0.5", "--groups", "2", "--json", str(out)])
    rows = json.loads(out.read_text())
    assert [(r["learner"], r["path"]) for r in rows] == [("FOMAML", "xla, 2 task groups"),
                                                          ("FOMAML", "vectorized")]
    assert all(r["ms_per_iteration"] > 0 and r["compile_seconds"] > 0 for r in rows)


def test_unknown_command_is_refused():
    with pytest.raises(SystemExit):
        bench.main(["fly"])


@pytest.mark.slow
def test_widgets_rows(tmp_path):
    out = tmp_path / "rows.json"
    bench.main(["widgets", "--json", str(out)])
    (row,) = json.loads(out.read_text())
    assert row["playground"].startswith("sinusoid") and row["changes"] >= 100
    assert 0 < row["median_ms"] <= row["p95_ms"]


@pytest.mark.slow
def test_costs_rows(tmp_path):
    out = tmp_path / "rows.json"
    bench.main(["costs", "--learners", "CNP", "--json", str(out)])
    (row,) = json.loads(out.read_text())
    assert row["learner"] == "CNP" and row["inner_steps"] == 0
    assert row["ms_per_meta_step"] > 0 and row["memory_mb"] > 0 and row["kept_alive_mb"] > 0
    bench.main(["costs", "--learners", "CNP", "--memory-only", "--json", str(out)])
    (counted,) = json.loads(out.read_text())
    assert counted == {"learner": "CNP", "inner_steps": 0, "kept_alive_mb": row["kept_alive_mb"]}
