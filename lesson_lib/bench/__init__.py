"""Benchmarks that print their tables: `python -m lesson_lib.bench COMMAND [--json PATH]`.

One module per command:
- sinusoid: meta-train every learner in the MAML paper's sinusoid setting and print test MSE
  beside the paper's Table 2 (`--from-checkpoints`: evaluate the shipped checkpoints);
- omniglot: 5-way 1-shot and 5-shot Omniglot accuracy of every learner beside the papers;
- throughput: sinusoid meta-iterations per second on every path (xla, vectorized, eager loop);
- conv4: ms per conv4 (Omniglot) MAML meta-iteration on every path (the peers in ../shared/peers
  time the same step in PyTorch);
- costs: time and memory of one meta-step as the inner steps grow, each in a fresh process
  (Lesson 6 plots data/costs.json, made by `python -m lesson_lib.bench costs --json data/costs.json`);
- widgets: kernel-side time from a slider change to the finished redraw of a playground;
- notebooks: wall time and peak kernel memory of each lesson, run top to bottom;
- tasks_needed, ablation: how many training tasks MAML needs (Lesson 10); MAML's variants (Lesson 9);
- language: few-shot language identification on unseen languages (Lesson 11);
- rollouts: 2D navigation steps per second, a Gymnasium loop against the batched numpy rollout;
- navigation: MAML for policy gradients on 2D navigation beside the pretrained and random baselines.
"""

from .cli import COMMANDS, main

__all__ = ["COMMANDS", "main"]
