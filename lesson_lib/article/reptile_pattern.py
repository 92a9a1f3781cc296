"""The article's Reptile code pattern, reproduced minimally in TensorFlow (Lesson 8): the pattern,
not the article's code (which is PyTorch).

Its defects, each marked `# defect` below:
1. theta is a generator over the model's own variables (PyTorch's model.parameters() is one):
   it aliases the weights it is meant to average, and it is exhausted after the first task;
2. the "average" adds each weight to itself, scaling it by 1 + 1/T, instead of averaging
   the tasks' final weights;
3. there is no reset to theta before each task: tasks are fine-tuned in sequence.
"""

from dataclasses import dataclass

from .in_place import fine_tune_in_place, snapshot, task


@dataclass
class ReptileRun:
    starts: list  # the weights when each task begins
    before_update: list  # the weights after each task's fine-tuning
    after_update: list  # the weights after the pattern's "averaging" for that task
    pairs: list  # how many (param, task_param) pairs the averaging loop saw, per task


def article_reptile(model, episode, alpha, inner_steps):
    """Run the article's Reptile pattern over the episode's T tasks; returns a ReptileRun."""
    T = episode.num_tasks
    theta = (v for v in model.trainable_variables)  # defect 1: a generator over the model's own variables
    run = ReptileRun([], [], [], [])
    for i in range(T):
        x, y, _, _ = task(episode, i)
        run.starts.append(snapshot(model))  # defect 3: no reset, the previous task's end
        fine_tune_in_place(model, x, y, inner_steps, alpha)
        run.before_update.append(snapshot(model))
        pairs = 0
        # defect 1: param and task_param are the same variable (and theta is empty after the first task)
        for param, task_param in zip(theta, model.trainable_variables, strict=False):
            param.assign_add(task_param / T)  # defect 2: param += param / T
            pairs += 1
        run.pairs.append(pairs)
        run.after_update.append(snapshot(model))
    return run
