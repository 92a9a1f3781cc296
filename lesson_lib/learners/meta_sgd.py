"""Meta-SGD (Li, Zhou, Chen, Li 2017, "Meta-SGD: Learning to Learn Quickly for Few-Shot
Learning"): MAML with a learned step size per parameter, the task -> hyperparameter mapping.

Inner loop (eq. 1): phi_i = theta - alpha (.) grad_theta L_support_i(theta), alpha a tensor of
the shape of theta and (.) the elementwise product, repeated `inner_steps` times with the same
alpha. Outer loop (eq. 2): (theta, alpha) <- (theta, alpha) - beta * grad_(theta, alpha)
sum_i L_query_i(phi_i), by Adam, second order (through the inner gradient, as MAML).

A test-time alpha does not apply: the step sizes are the learned alphas (`learned_alphas()`).
Initial alpha: `alpha` everywhere (default 0.01, MAML's step), or uniform in `alpha_range`;
the paper draws it in [0.005, 0.1] for regression (section 4.1). `relative_alphas=True` learns
alpha relative to its initial value (see step_sizes.StepSizes: Adam's step on alpha becomes
beta * alpha; learned directly, as the paper does, alpha can drift negative and diverge).
"""

from .. import checks
from ..functional import mse
from ..i18n import N_
from .step_sizes import StepSizeLearner, StepSizes


class MetaSGD(StepSizeLearner):
    """`MetaSGD(model, alpha=0.01, inner_steps=1)`; `learned_alphas()` reads alpha per weight."""

    name = "Meta-SGD"
    uses_alpha = False  # the step sizes are learned: no test-time alpha (see StepSizeLearner._alpha)

    def __init__(self, model, *, alpha=0.01, alpha_range=None, inner_steps=1, second_order=True,
                 relative_alphas=False, seed=0, optimizer=None, beta=1e-3, loss=mse):
        super().__init__(model, optimizer=optimizer, beta=beta, loss=loss)
        self.inner_steps = checks.integer("inner_steps", inner_steps, 1)
        self.second_order = bool(second_order)
        self.alpha_init, self.alpha_range = checks.positive_number("alpha", alpha), alpha_range
        self.step_sizes = StepSizes(model, alpha, per_parameter=True, alpha_range=alpha_range, seed=seed,
                                    relative=relative_alphas)
        self.build_optimizer()

    @property
    def hyperparameters(self):
        return {**super().hyperparameters, "alpha_init": self.alpha_init,
                "alpha_range": None if self.alpha_range is None else list(self.alpha_range),
                "inner_steps": self.inner_steps, "second_order": self.second_order,
                "relative_alphas": self.step_sizes.relative}

    @property
    def learning_rates(self):
        return {N_("alpha (initial per-parameter inner step)"): self.alpha_init, **super().learning_rates}
