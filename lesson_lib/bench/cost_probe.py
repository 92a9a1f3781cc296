"""One point of `python -m lesson_lib.bench costs`, run in a fresh process:
`python -m lesson_lib.bench.cost_probe LEARNER INNER_STEPS [SEED]` prints one JSON object
(learner, inner steps, ms per meta-step, memory MB) for meta-batch 25, K = 10."""

import argparse
import json

from ..cost import meta_step_cost
from ..recipes import sinusoid as recipes
from ..tasks import Sinusoid


def probe(name, steps, seed=0):
    tasks = Sinusoid(seed=seed)
    episodes = [tasks.sample(25, 10) for _ in range(4)]
    learner = recipes.learner(name, seed=seed, **({"inner_steps": steps} if steps else {}))
    return {"learner": name, "inner_steps": steps, **meta_step_cost(learner, episodes)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m lesson_lib.bench.cost_probe", description=__doc__)
    parser.add_argument("learner", choices=recipes.LEARNERS)
    parser.add_argument("inner_steps", type=int)
    parser.add_argument("seed", type=int, nargs="?", default=0)
    args = parser.parse_args()
    print(json.dumps(probe(args.learner, args.inner_steps, args.seed)))
