"""Resumable meta-training (`meta_train(..., resume=PATH)`): everything a run needs to continue
where it stopped and end exactly as an uninterrupted run of the same seed would.

The training state is one .npz file, written atomically (temp file + rename):
- the learner's state (`get_state`: weights, and e.g. Reptile's iteration counter);
- its outer optimizer's variables (Adam's step count and moments, a schedule's position);
- the task family's random generator state (`tasks.rng`), so the next meta-batches are the ones
  the uninterrupted run would have drawn;
- the history so far (iterations, losses, evaluations, seconds, and each run: first and last
  iteration, seconds, start time, how it stopped), as JSON.
"""

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .i18n import _

FORMAT = 1


def _optimizer_variables(learner):
    optimizer = getattr(learner, "optimizer", None)
    return [] if optimizer is None else list(optimizer.variables)


def save(path, learner, tasks, history):
    """Write the training state of `learner`, `tasks` (its `rng`) and `history` to `path`."""
    if not hasattr(tasks, "rng"):
        raise TypeError(_("{type} keeps no random generator `rng`, so a resumed run could not draw the "
                          "meta-batches an uninterrupted one would: give the task family an `rng`",
                          type=type(tasks).__name__))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"learner/{name}": value for name, value in learner.get_state().items()}
    arrays |= {f"optimizer/{i:03d}": v.numpy() for i, v in enumerate(_optimizer_variables(learner))}
    about = {"format": FORMAT, "learner": learner.name,
             "rng": tasks.rng.bit_generator.state,
             "history": {"iterations": history.iterations, "losses": history.losses,
                         "evaluations": history.evaluations, "seconds": history.seconds,
                         "eval_seconds": history.eval_seconds, "runs": history.runs}}
    arrays["about"] = np.array(json.dumps(about, default=float))
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp.npz")
    os.close(fd)
    try:
        np.savez(temporary, **arrays)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def load(path, learner, tasks, history):
    """Restore `learner`, `tasks.rng` and `history` (in place) from the state at `path`; returns the
    number of iterations already done. Raises ValueError if the state was made by another learner."""
    with np.load(path) as saved:
        about = json.loads(str(saved["about"]))
        if about.get("format") != FORMAT or about.get("learner") != learner.name:
            raise ValueError(_("the training state {path} was written for {saved!r} (format {format}), not "
                               "{name!r}: delete it or pass another resume path", path=path,
                               saved=about.get('learner'), format=about.get('format'), name=learner.name))
        learner.set_state({name[len("learner/"):]: saved[name] for name in saved.files
                           if name.startswith("learner/")})
        variables = _optimizer_variables(learner)
        kept = sorted(name for name in saved.files if name.startswith("optimizer/"))
        if len(kept) != len(variables):
            raise ValueError(_("the training state {path} holds {saved} optimizer variables, the learner's "
                               "optimizer has {count}: it was made with another optimizer", path=path,
                               saved=len(kept), count=len(variables)))
        for variable, name in zip(variables, kept, strict=True):
            variable.assign(saved[name])
    tasks.rng.bit_generator.state = about["rng"]
    done = about["history"]
    history.iterations[:] = done["iterations"]
    history.losses[:] = done["losses"]
    history.evaluations[:] = [tuple(e) for e in done["evaluations"]]
    history.seconds, history.eval_seconds = done["seconds"], done["eval_seconds"]
    history.runs[:] = done.get("runs", [])  # states written before runs were recorded have none
    return len(history.losses)
