"""How each learner is configured and meta-trained, per task family, and the papers' numbers
(written here and nowhere else): lessons, benchmarks and tests all build learners here.

- `recipes.sinusoid`: the MAML paper's sinusoid regression (Lessons 0-6);
- `recipes.omniglot`: 5-way few-shot Omniglot (Lesson 7);
- `recipes.language`: 5-way few-shot language identification on unseen languages (Lesson 11);
- `recipes.navigation`: MAML for policy gradients on 2D navigation (Lesson 12).

Each module has `LEARNERS` (the names), `PAPER` (published numbers), `RECIPES` (how each is
meta-trained), `learner(name, **overrides)` (a fresh learner) and `load(name, ...)` (the
shipped checkpoint, with its test-time settings applied).
"""

from . import language, navigation, omniglot, sinusoid
from .common import DATA, Recipe

__all__ = ["DATA", "Recipe", "language", "navigation", "omniglot", "sinusoid"]
