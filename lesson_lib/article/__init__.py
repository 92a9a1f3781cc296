"""Lesson 8: the commissioning article's claims, put to the test.

The article ("Everything is a mapping: exploring model-based meta-learning") gives a MAML and a
Reptile code pattern and two formulas. Each module here holds one idea: a minimal TensorFlow
reproduction of a pattern (written for the kit, not copied), its fix, the article's one-loss MAML
objective as a learner, and the standard taxonomy of the kit's learners.
"""

from .in_place import fine_tune_in_place, restore, snapshot, task
from .maml_fixed import inner_step, maml_meta_gradient, maml_meta_step
from .maml_pattern import article_maml, keras_refusals, pattern_meta_gradient, sequential_fine_tuning
from .one_loss import OneLossMAML, paired_difference
from .reptile_fixed import reptile_meta_step
from .reptile_pattern import article_reptile
from .taxonomy import FAMILIES, LEARNERS, taxonomy_table

__all__ = ["FAMILIES", "LEARNERS", "OneLossMAML", "article_maml", "article_reptile", "fine_tune_in_place",
           "inner_step", "keras_refusals", "maml_meta_gradient", "maml_meta_step", "paired_difference",
           "pattern_meta_gradient", "reptile_meta_step", "restore", "sequential_fine_tuning", "snapshot",
           "task", "taxonomy_table"]
