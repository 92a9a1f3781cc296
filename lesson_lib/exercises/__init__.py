"""Exercises with instant feedback: a checker per exercise, run as `check_x(your_function)`
in the cell after the exercise. It compares your function with the package's reference on
random inputs (and, for meta-gradients, with finite differences of your own function) and
answers in one sentence: what is wrong, or that it is right. It never shows a traceback.

Lessons mark their solutions the way nbgrader does (`### BEGIN SOLUTION` / `### END SOLUTION`);
`make student` writes the student edition, whose stubs raise NotImplementedError (each
checker then says "not yet implemented").

One module per lesson topic; each line below re-exports one module's checkers.
"""
# ruff: noqa: F401

from .article import check_maml_meta_gradient, check_reptile_meta_step
from .cnp import check_aggregate, check_decode
from .cost import check_fomaml_task_loss, check_growth_exponent
from .feedback import Feedback
from .hypernetwork import check_generated_layer
from .imitation import check_cloning_step, check_success_interval
from .inner_loop import check_sgd_step
from .language import check_char_ngrams, check_zero_head_logits
from .maml import check_maml_task_loss
from .memorization import check_redraw_codes, check_swap_supports
from .meta_lstm import check_cell_update, check_preprocess
from .meta_sgd import check_meta_sgd_path
from .policy_gradient import check_reinforce_loss, check_rewards_to_go
from .protonet import check_protonet_logits, check_prototypes
from .reptile import check_epsilon_schedule, check_reptile_update
from .tasks import check_sgd_path, check_task_data
from .transfer import check_fine_tune, check_pretraining_loss
