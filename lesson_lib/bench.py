"""Benchmarks that print their tables: `python -m lesson_lib.bench COMMAND [--json PATH]`.

- sinusoid: meta-train every learner in the MAML paper's sinusoid setting (section 5.1)
  and print test MSE for K = 5 and 10 after 1, 5 and 10 steps (the black-box learner: its
  one forward pass), 95% intervals, training time and per-task adaptation latency, beside
  the paper's Table 2. `--from-checkpoints` evaluates the checkpoints shipped in data/.
- throughput: meta-iterations per second of each learner's compiled vectorised meta-step
  against the same step run eagerly task by task.
- widgets: kernel-side time from a slider change to the finished redraw, per playground.
- costs: milliseconds and memory of one meta-step as the inner steps grow, per learner,
  each measured in a fresh process (Lesson 6 plots data/costs.json, made by
  `python -m lesson_lib.bench costs --json data/costs.json`).
- notebooks: wall time and peak kernel memory of each lesson, run top to bottom.
- omniglot: 5-way 1-shot and 5-shot Omniglot accuracy of every learner (bench_omniglot.py).
"""

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from . import bench_omniglot, checkpoints
from .evaluation import adaptation_curve
from .learners import MAML, MetaLSTM, Reptile
from .models import mlp
from .shipped import DATA, checkpoint_name, load_sinusoid, sinusoid_learner
from .tasks import Sinusoid
from .training import DivergenceError, meta_train

# MAML paper, Table 2 (K = 5): MSE after 1, 5, 10 gradient steps.
PAPER_K5 = {"MAML": {1: 0.67, 5: 0.38, 10: 0.35}, "pretrained": {1: 2.41, 5: 2.23, 10: 2.19}}
FINETUNE_ALPHAS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)


def _command(argv):
    """The command line that ran this benchmark, for checkpoint manifests."""
    return "python -m lesson_lib.bench " + " ".join(shlex.quote(a) for a in argv)


# learner -> (meta-iterations, meta-batch). Meta-LSTM runs an LSTM over every one of the
# model's 1,761 weights at each inner step, about 60x the cost of a MAML step: it gets a
# smaller meta-batch and fewer iterations (see the README's note).
BUDGETS = {"Meta-LSTM": (10_000, 5)}
# (learner, K used for meta-training, K values it is tested with). Every meta-learner is
# meta-trained with the K it is tested with, as in the paper; the K=10 MAML model is also
# tested with K=5 as an extra row.
SINUSOID_RUNS = (("MAML", 5, (5,)), ("MAML", 10, (10, 5)), ("FOMAML", 5, (5,)), ("FOMAML", 10, (10,)),
                 ("Reptile", 5, (5,)), ("Reptile", 10, (10,)), ("Meta-LSTM", 5, (5,)),
                 ("Meta-LSTM", 10, (10,)), ("CNP", 5, (5,)), ("CNP", 10, (10,)), ("pretrained", 10, (5, 10)))


def latency_ms(learner, episode, steps, alpha, repeats=20):
    """Median wall-clock time to adapt to one task and predict its query points."""
    one = episode.tasks(0)
    options = {"alpha": alpha} if learner.uses_alpha else {}
    learner.predict(one, one.query_x, steps, **options)  # compile
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        learner.predict(one, one.query_x, steps, **options)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def tune_finetune_alpha(learner, episode, steps=10):
    """The baseline's fine-tuning step size: the grid value with the lowest mean query MSE
    after `steps` steps on validation tasks (the paper tunes it too)."""
    scores = {a: float(np.mean(learner.adaptation_curve(episode, steps, alpha=a)[:, -1]))
              for a in FINETUNE_ALPHAS}
    finite = {a: v for a, v in scores.items() if np.isfinite(v)}
    return min(finite, key=finite.get), scores


def time_to_reach(evaluations, targets):
    """Training seconds at the first evaluation whose curve meets every target {step: mse}."""
    for iteration, seconds, curve in evaluations:
        if all(curve[s] <= t for s, t in targets.items()):
            return iteration, seconds
    return None, None


def sinusoid(args):
    rows, notes = [], []
    test = Sinusoid(seed=10_000 + args.seed)
    test_episodes = {K: test.sample(args.test_tasks, K, 100) for K in (5, 10)}
    validation = Sinusoid(seed=20_000 + args.seed).sample(args.test_tasks, 5, 100)
    for name, train_K, test_Ks in SINUSOID_RUNS:
        if args.learners and name not in args.learners:
            continue
        iterations, meta_batch = BUDGETS.get(name, (70_000, 25))
        iterations = args.iterations or iterations
        learner = sinusoid_learner(name, args.seed, iterations)
        path = args.data_dir / checkpoint_name(name, train_K)
        if args.from_checkpoints:
            manifest = checkpoints.load(path, learner)
            train_seconds, alpha = manifest["train_seconds"], manifest["test_alpha"]
        else:
            tracked = name == "MAML" and train_K == 5
            try:
                history = meta_train(learner, Sinusoid(seed=args.seed), iterations, meta_batch=meta_batch,
                                     K=train_K, eval_every=args.eval_every if tracked else 0,
                                     eval_episode=test_episodes[5], eval_steps=10)
            except DivergenceError as error:  # report it and evaluate the last good weights
                history = error.history
                notes.append(f"{name} (K={train_K}): {error}")
            train_seconds = history.seconds - history.eval_seconds
            alpha = getattr(learner, "alpha", None)
            if name == "pretrained":
                alpha, scores = tune_finetune_alpha(learner, validation)
                notes.append(f"pretrained fine-tuning alpha tuned on {validation.num_tasks} validation "
                             f"tasks: {alpha} (K=5 MSE after 10 steps per alpha: "
                             + ", ".join(f"{a}: {v:.3f}" for a, v in scores.items()) + ")")
            if tracked:
                it, sec = time_to_reach(history.evaluations, PAPER_K5["MAML"])
                notes.append(f"MAML (K=5) first met the paper's K=5 numbers (tracked on the test tasks every "
                             f"{args.eval_every} iterations) at iteration {it}, after {sec:.0f} s of training"
                             if it else "MAML (K=5) did not meet the paper's K=5 numbers during training")
            if args.save_dir is not None:
                checkpoints.save(args.save_dir / path.name, learner, command=args.command_line,
                                 iterations=len(history.losses), meta_batch=meta_batch, K=train_K,
                                 seed=args.seed, train_seconds=train_seconds, test_alpha=alpha,
                                 evaluations=history.evaluations)
        options = {"alpha": alpha} if learner.uses_alpha else {}
        for K in test_Ks:
            curve = adaptation_curve(learner, test_episodes[K], 10, **options)
            latency = latency_ms(learner, test_episodes[K], 10 if learner.inner_steps or learner.uses_alpha
                                 else 0, alpha)
            for steps in (1, 5, 10) if learner.uses_alpha or learner.inner_steps else (None,):
                at = 0 if steps is None else steps
                rows.append({"learner": name, "train_K": train_K, "K": K, "steps": steps,
                             "mse": float(curve.mean[at]), "ci95": float(curve.ci95[at]),
                             "diverged_tasks": int((~np.isfinite(curve.per_task[:, at])).sum()),
                             "train_seconds": round(train_seconds, 1), "latency_ms": round(latency, 2)})
    print(f"\nSinusoid regression, test MSE over {args.test_tasks} tasks x 100 query points "
          f"(mean +- 95% CI); paper: MAML Table 2, K = 5; latency: adapt to one task (10 steps) and predict")
    print("| learner | train K | test K | steps | MSE | paper | train s | latency ms |\n"
          "|---|---|---|---|---|---|---|---|")
    for r in rows:
        # the paper's Table 2 is K = 5, with MAML meta-trained for that K
        comparable = r["K"] == 5 and r["learner"] in PAPER_K5 and (r["learner"] == "pretrained" or
                                                                    r["train_K"] == 5)
        paper = PAPER_K5[r["learner"]][r["steps"]] if comparable else ""
        diverged = f" ({r['diverged_tasks']} tasks diverged)" if r["diverged_tasks"] else ""
        steps = "forward pass" if r["steps"] is None else r["steps"]
        print(f"| {r['learner']} | {r['train_K']} | {r['K']} | {steps} | {r['mse']:.3f} +- "
              f"{r['ci95']:.3f}{diverged} | {paper} | {r['train_seconds']:.0f} | {r['latency_ms']:.1f} |")
    for note in notes:
        print(f"- {note}")
    return rows


def _its_per_second(step, episodes, seconds):
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step(episodes[done % len(episodes)])
        done += 1
    return done / (time.perf_counter() - start)


THROUGHPUT_CONFIGS = (("MAML", 1), ("MAML", 5), ("FOMAML", 1), ("FOMAML", 5), ("Reptile", 5),
                      ("Meta-LSTM", 5), ("CNP", 0), ("pretrained", 0))


def _throughput_learner(name, steps, seed):
    if name in ("MAML", "FOMAML"):
        return MAML(mlp(seed=seed), alpha=0.01, inner_steps=steps, second_order=name == "MAML")
    return sinusoid_learner(name, seed)


def throughput(args):
    rows = []
    tasks = Sinusoid(seed=args.seed)
    episodes = [tasks.sample(25, 10) for _ in range(64)]
    print("meta-batch 25, K = 10")
    print("| learner | second order | inner steps | mode | it/s | trace s |\n|---|---|---|---|---|---|")
    for name, steps in THROUGHPUT_CONFIGS:
        if args.learners and name not in args.learners:
            continue
        learner = _throughput_learner(name, steps, args.seed)
        second_order = name == "MAML"
        start = time.perf_counter()
        learner.meta_step(episodes[0])
        trace = time.perf_counter() - start
        rates = {}
        for mode, step, seconds in (("vectorized", learner.meta_step, args.seconds),
                                    ("loop", learner.meta_step_loop, args.seconds / 2)):
            rates[mode] = _its_per_second(step, episodes, seconds)
            rows.append({"learner": name, "second_order": second_order, "inner_steps": steps,
                         "mode": mode, "iterations_per_s": round(rates[mode], 2),
                         "trace_seconds": round(trace, 2) if mode == "vectorized" else None})
            shown = f"{trace:.2f}" if mode == "vectorized" else ""
            print(f"| {name} | {second_order} | {steps} | {mode} | {rates[mode]:.1f} | {shown} |", flush=True)
        print(f"|  |  |  | vectorized / loop | {rates['vectorized'] / rates['loop']:.1f}x | |", flush=True)
    return rows


COST_LEARNERS = ("MAML", "FOMAML", "Reptile", "Meta-LSTM", "CNP")
COST_STEPS = (1, 2, 4, 8, 16)


def cost_probe(name, steps, seed=0, iterations=10):
    """Run in a fresh process: seconds per meta-step and the memory it took, for `name` with
    `steps` inner steps (meta-batch 25, K = 10). Prints one JSON object."""
    import resource

    import psutil

    tasks = Sinusoid(seed=seed)
    episodes = [tasks.sample(25, 10) for _ in range(4)]
    if name in ("MAML", "FOMAML"):
        learner = MAML(mlp(seed=seed), alpha=0.01, inner_steps=steps, second_order=name == "MAML")
    elif name == "Reptile":
        learner = Reptile(mlp(seed=seed), alpha=0.01, inner_steps=max(steps, 1))
    elif name == "Meta-LSTM":
        learner = MetaLSTM(mlp(seed=seed), inner_steps=steps)
    else:
        learner = sinusoid_learner(name, seed)
    before = psutil.Process().memory_info().rss
    learner.meta_step(episodes[0])  # trace and compile
    start = time.perf_counter()
    for i in range(iterations):
        learner.meta_step(episodes[i % len(episodes)])
    seconds = (time.perf_counter() - start) / iterations
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    print(json.dumps({"learner": name, "inner_steps": steps, "ms_per_meta_step": round(1000 * seconds, 2),
                      "memory_mb": round((peak - before) / 2**20, 1)}))


def costs(args):
    """Time and memory of one meta-step as the inner steps grow, each in a fresh process."""
    import subprocess

    rows = []
    print("| learner | inner steps | ms per meta-step | memory MB |\n|---|---|---|---|")
    for name in COST_LEARNERS:
        if args.learners and name not in args.learners:
            continue
        for steps in (COST_STEPS if name != "CNP" else (0,)):
            code = f"from lesson_lib.bench import cost_probe; cost_probe({name!r}, {steps}, {args.seed})"
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(f"| {name} | {steps} | {row['ms_per_meta_step']:.1f} | {row['memory_mb']:.0f} |",
                  flush=True)
    return rows


NOTEBOOKS = DATA.parent / "notebooks"
_RUN_NOTEBOOK = """
import resource, sys, time, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
start = time.perf_counter()
client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}})
client.execute()
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def notebooks(args):
    """Wall time and peak kernel memory of each lesson run top to bottom (as nbval does)."""
    import subprocess

    rows = []
    print("| notebook | seconds | peak memory MB |\n|---|---|---|")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        done = subprocess.run([sys.executable, "-c", _RUN_NOTEBOOK, str(path), str(NOTEBOOKS)],
                              capture_output=True, text=True, check=True)
        seconds, kib = done.stdout.split()[-2:]
        rows.append({"notebook": path.name, "seconds": round(float(seconds), 1),
                     "peak_mb": round(int(kib) / 1024)})
        print(f"| {path.name} | {rows[-1]['seconds']:.1f} | {rows[-1]['peak_mb']} |", flush=True)
    return rows


def widgets(args):
    """Kernel-side latency from a slider value change to the finished redraw."""
    from .widgets import SinusoidPlayground

    learners = {name: load_sinusoid(name, 5)[0] for name in ("MAML", "pretrained")}
    playground = SinusoidPlayground(learners, show=("MAML", "pretrained"), seed=args.seed)
    playground.show()
    rng = np.random.default_rng(args.seed)
    moves = ([(playground.steps, int(v)) for v in rng.integers(0, 21, 40)]
             + [(playground.alpha, float(v)) for v in np.geomspace(0.001, 0.3, 20)]
             + [(playground.K, int(v)) for v in rng.integers(1, 21, 20)]
             + [(playground.amplitude, float(v)) for v in rng.uniform(0.1, 5, 20)]
             + [(playground.phase, float(v)) for v in rng.uniform(0, np.pi, 20)])
    times = {}
    for widget, value in moves:
        if widget.value == value:
            continue
        start = time.perf_counter()
        widget.value = value  # with no event loop running the redraw happens right here
        times.setdefault(widget.description, []).append(1000 * (time.perf_counter() - start))
    every = [t for ts in times.values() for t in ts]
    rows = [{"playground": "sinusoid (MAML + pretrained)", "median_ms": round(float(np.median(every)), 1),
             "p95_ms": round(float(np.percentile(every, 95)), 1), "changes": len(every)}]
    print("| playground / slider | changes | median ms | p95 ms |\n|---|---|---|---|")
    for name, ts in times.items():
        print(f"| {name} | {len(ts)} | {np.median(ts):.1f} | {np.percentile(ts, 95):.1f} |")
    r = rows[0]
    print(f"| **{r['playground']}** | {r['changes']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} |")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lesson_lib.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("sinusoid", "MAML paper Table 2 reproduction"),
                            ("throughput", "meta-iterations per second"),
                            ("widgets", "slider-to-redraw latency of the playgrounds"),
                            ("costs", "time and memory of a meta-step as inner steps grow"),
                            ("notebooks", "time and peak memory of each lesson"),
                            ("omniglot", "5-way Omniglot accuracy of every learner vs the papers")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--json", type=Path, help="also write the rows as a JSON list to this path")
        p.add_argument("--from-checkpoints", action="store_true",
                       help="skip training; evaluate the checkpoints shipped in data/")
        p.add_argument("--data-dir", type=Path, default=DATA, help="where shipped checkpoints live")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--learners", type=lambda text: text.split(","),
                       help="comma-separated subset, e.g. MAML,CNP (default: all)")
    sin = sub.choices["sinusoid"]
    sin.add_argument("--iterations", type=int, default=None,
                     help="meta-iterations for every learner (default: 70,000 as in the paper; "
                          "Meta-LSTM 10,000)")
    sin.add_argument("--test-tasks", type=int, default=600, help="test tasks per K (paper code: 600)")
    sin.add_argument("--eval-every", type=int, default=2_000, help="MAML validation interval")
    sin.add_argument("--save-dir", type=Path, help="write the trained checkpoints here (data/ ships them)")
    bench_omniglot.add_arguments(sub.choices["omniglot"])
    sub.choices["throughput"].add_argument("--seconds", type=float, default=5.0,
                                           help="timing budget per vectorised measurement")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.command_line = _command(argv)
    if args.command not in ("sinusoid", "omniglot") and args.from_checkpoints:
        print(f"({args.command} trains nothing; --from-checkpoints changes nothing here)")
    commands = {"sinusoid": sinusoid, "throughput": throughput, "widgets": widgets, "costs": costs,
                "notebooks": notebooks, "omniglot": lambda a: bench_omniglot.omniglot(a, a.command_line)}
    rows = commands[args.command](args)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
        print(f"rows written to {args.json}")
    return rows


if __name__ == "__main__":
    main()
