"""One point of `python -m lesson_lib.bench costs`, run in a fresh process:
`python -m lesson_lib.bench.cost_probe LEARNER INNER_STEPS [SEED] [--memory-only]` prints one
JSON object for meta-batch 25, K = 10: learner, inner steps, the memory one meta-step keeps
alive (MB, counted in its graph), and unless --memory-only, ms per meta-step and the growth of
the process's peak memory (MB)."""

import argparse
import json

from ..cost import kept_alive_mb, meta_step_cost
from ..recipes import sinusoid as recipes
from ..tasks import Sinusoid


def probe(name, steps, seed=0, timing=True):
    tasks = Sinusoid(seed=seed)
    episodes = [tasks.sample(25, 10) for _ in range(4)]
    learner = recipes.learner(name, seed=seed, **({"inner_steps": steps} if steps else {}))
    row = {"learner": name, "inner_steps": steps}
    if timing:  # first: the count below traces the step again, which would hide the process's growth
        row.update(meta_step_cost(learner, episodes))
    row["kept_alive_mb"] = round(kept_alive_mb(learner, episodes[0]), 4)
    return row


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m lesson_lib.bench.cost_probe", description=__doc__)
    parser.add_argument("learner", choices=recipes.LEARNERS)
    parser.add_argument("inner_steps", type=int)
    parser.add_argument("seed", type=int, nargs="?", default=0)
    parser.add_argument("--memory-only", action="store_true", help="count the memory, do not time")
    args = parser.parse_args()
    print(json.dumps(probe(args.learner, args.inner_steps, args.seed, timing=not args.memory_only)))
