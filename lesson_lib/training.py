"""The meta-training loop shared by every learner (Lessons 1-5).

Each iteration samples a meta-batch of tasks and calls `learner.meta_step`. The loop shows
a progress bar (a widget in Jupyter, text elsewhere), records the loss, evaluates every
`eval_every` iterations, checkpoints, stops with an explanation when the loss stops being
finite, and on KeyboardInterrupt stops cleanly, keeping what was learned.
"""

import datetime
import itertools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from . import checkpoints, checks, evaluation
from . import resume as training_state
from .i18n import _, translate


class DivergenceError(FloatingPointError):
    """Meta-training produced a non-finite loss or gradient; the weights are the last good ones."""

    def __init__(self, message, history):
        super().__init__(message)
        self.history = history

    @classmethod
    def at(cls, learner, i, history, last_loss=None):
        """The error for `learner`'s meta-iteration `i`, in the student's language: where it
        happened, the last finite loss if known, and the learning rates to suspect."""
        rates = ", ".join(f"{translate(k)} = {v:g}" for k, v in learner.learning_rates.items())
        last = (_("last finite loss {loss}", loss=f"{last_loss:.4g}") if last_loss is not None
                else _("at the first step") if i == 1 else _("no loss recorded"))
        return cls(_("{name} diverged at meta-iteration {i}: the meta-loss or its gradient is not finite "
                     "({last}). The weights are kept from iteration {previous}. Suspect a learning rate "
                     "that is too large ({rates}); try one 10x smaller.", name=learner.name, i=i, last=last,
                     previous=i - 1, rates=rates), history)


@dataclass
class History:
    iterations: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)  # (iteration, training seconds so far, evaluation)
    seconds: float = 0.0  # wall-clock time of the whole loop
    eval_seconds: float = 0.0  # the part of it spent on periodic evaluation
    stopped: str = "finished"  # "finished", "time budget", "interrupted" or "diverged"
    path: str = ""  # how the meta-steps ran (Learner.path_note): "xla", or "vectorized" and why
    # one entry per run of meta_train on this history (the first, then every resume): iterations
    # [first, last], its wall-clock seconds, when it started (UTC) and how it stopped
    runs: list = field(default_factory=list)


# A run this long repays XLA's compile (2-20 s, against 1-10 s for the vectorized path), so
# meta_train(path="auto") takes the XLA path for it when the learner has one.
LONG_RUN_ITERATIONS, LONG_RUN_SECONDS = 1000, 60.0


def choose_path(learner, path, iterations, max_seconds):
    """Set learner.path for a run: "xla" or "vectorized" as asked, or with "auto" XLA when the
    learner supports it and the run is long (LONG_RUN_ITERATIONS or LONG_RUN_SECONDS)."""
    if path not in ("auto", *learner.PATHS):
        raise ValueError(_("path must be 'auto' or one of {paths}, got {path!r}", paths=learner.PATHS,
                           path=path))
    if path == "auto":
        long_run = (iterations or 0) >= LONG_RUN_ITERATIONS or (max_seconds or 0) >= LONG_RUN_SECONDS
        if not long_run or learner.xla_unsupported():
            return  # the learner keeps its path
        path = "xla"
    if path != learner.path:
        learner.path = path


def meta_train(learner, tasks, iterations, meta_batch=25, K=10, Q=None, eval_every=0,
               eval_episode=None, eval_steps=None, evaluate=None, max_seconds=None, checkpoint=None,
               progress=True, resume=None, save_every=100, path="auto", **manifest):
    """Meta-train `learner` on episodes from `tasks` for `iterations` meta-iterations.

    Every `eval_every` iterations the adaptation curve on the fixed `eval_episode` (default:
    100 tasks with K support and 100 query points) is recorded in `history.evaluations`;
    its time is kept apart in `history.eval_seconds`. `evaluate(learner)` replaces it with
    any measurement (Lesson 7 records accuracy). `max_seconds` stops training (not counting
    evaluation) after that much wall-clock time: a CPU budget instead of an iteration count.

    checkpoint: an .npz path written at the end (and when interrupted), with a manifest
    holding the iterations done, the last loss and the `manifest` keyword arguments.
    Raises DivergenceError (weights left at the last finite step) on a non-finite loss.

    resume: an .npz path for the training state (lesson_lib.resume: weights, optimizer state, the
    task sampler's random state, the history), written every `save_every` iterations, at the end
    and when interrupted or diverged. If it exists when training starts, training continues from
    it up to `iterations` in all, and ends as an uninterrupted run of the same seed would.

    path: how the meta-steps run (Learner.path): "xla", "vectorized", or "auto", XLA for a run of
    at least LONG_RUN_ITERATIONS iterations or LONG_RUN_SECONDS seconds when the learner has it.
    `history.path` (and the checkpoint manifest's meta_step_path) says which ran.
    """
    if iterations is None and max_seconds is None:
        raise ValueError(_("iterations may be None (no limit) only with a max_seconds budget"))
    if iterations is not None:
        checks.integer("iterations", iterations, 0)
    checks.integer("meta_batch", meta_batch, 1)
    checks.integer("K", K, 1)
    checks.integer("eval_every", eval_every, 0)
    eval_steps = learner.inner_steps if eval_steps is None else checks.integer("eval_steps", eval_steps, 0)
    if max_seconds is not None:
        checks.positive_number("max_seconds", max_seconds)
    if eval_every and evaluate is None and eval_episode is None:
        eval_episode = tasks.sample(100, K, 100)
    checks.integer("save_every", save_every, 1)
    choose_path(learner, path, iterations, max_seconds)
    history = History()
    done = training_state.load(resume, learner, tasks, history) if resume and Path(resume).exists() else 0
    previous_seconds = history.seconds
    start = time.perf_counter() - history.seconds  # time already spent counts towards max_seconds
    run = {"first": done + 1, "last": done, "seconds": 0.0, "stopped": "",
           "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}
    history.runs.append(run)
    bar = tqdm(total=iterations, initial=done, desc=_("meta-training {name} ({path})", name=learner.name,
                                                       path=learner.path),
               disable=not progress, mininterval=0.5)
    consistent = False  # whether the weights are those after a whole step (worth saving)
    try:
        for i in itertools.count(done + 1) if iterations is None else range(done + 1, iterations + 1):
            loss = learner.meta_step(tasks.sample(meta_batch, K, Q))
            if not math.isfinite(loss):
                history.stopped = "diverged"
                raise DivergenceError.at(learner, i, history, history.losses[-1] if history.losses else None)
            history.iterations.append(i)
            history.losses.append(loss)
            if eval_every and i % eval_every == 0:
                eval_start = time.perf_counter()
                if evaluate is None:
                    value = evaluation.adaptation_curve(learner, eval_episode, eval_steps).mean.tolist()
                    shown = {"query_after": f"{value[-1]:.3f}"}
                else:
                    value = evaluate(learner)
                    shown = {"eval": f"{value:.3f}"} if isinstance(value, float) else {}
                history.eval_seconds += time.perf_counter() - eval_start
                train_seconds = time.perf_counter() - start - history.eval_seconds
                history.evaluations.append((i, train_seconds, value))
                bar.set_postfix(loss=f"{loss:.3f}", **shown, refresh=False)
            elif i % 100 == 0:
                bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
            bar.update(1)
            run["last"] = i
            if resume is not None and i % save_every == 0:
                history.seconds = time.perf_counter() - start
                run["seconds"] = round(history.seconds - previous_seconds, 1)
                training_state.save(resume, learner, tasks, history)
            if max_seconds is not None and time.perf_counter() - start - history.eval_seconds > max_seconds:
                history.stopped = "time budget"
                break
        consistent = True
    except KeyboardInterrupt:
        history.stopped, consistent = "interrupted", True
    except DivergenceError:
        consistent = True  # the guarded step left the last finite weights
        raise
    finally:
        bar.close()
        history.seconds = time.perf_counter() - start
        run["seconds"], run["stopped"] = round(history.seconds - previous_seconds, 1), history.stopped
        history.path = learner.path_note  # after any fallback
        if resume is not None and consistent:
            training_state.save(resume, learner, tasks, history)
    if checkpoint is not None:
        checkpoints.save(checkpoint, learner, iterations=len(history.losses),
                         final_loss=history.losses[-1] if history.losses else None,
                         train_seconds=history.seconds - history.eval_seconds, stopped=history.stopped,
                         meta_batch=meta_batch, K=K, meta_step_path=history.path, runs=history.runs,
                         **manifest)
    return history
