"""Learned inner-loop step sizes: alpha as a meta-parameter, learned by the outer loop beside
theta. The one place shared by Meta-SGD (Li et al. 2017: one alpha per parameter, the same at
every step) and MAML++'s LSLR (Antoniou et al. 2019, section 4 "Learning Per-Layer Per-Step
Learning Rates": one alpha per layer weight per inner step).

The inner step (Meta-SGD eq. 1; MAML++ LSLR) is

    phi_{t+1} = phi_t - alpha_t (.) grad_phi L_support(phi_t)

with (.) the elementwise product, alpha_t broadcast over each weight tensor. Differentiating
the query loss at phi_S w.r.t. theta and alpha through nested tapes gives the meta-gradient
for both (second order, as MAML's eq. 3; first order treats grad L_support as a constant).
The steps themselves are MAML's `functional.sgd_path`, given the step sizes as a function of t.
"""

import keras
import numpy as np

from .. import checks
from ..functional import sgd_path
from ..i18n import _
from .base import MetaGradientLearner


def weight_names(model):
    """A readable, process-independent name per trainable weight, e.g. "dense1/kernel": the
    layer's type, its position among the layers that have weights, the weight's own name
    (Keras layer names like "dense_7" depend on what else the process built)."""
    names, count = {}, {}
    for layer in model._flatten_layers(include_self=False):
        if not layer.trainable_weights or layer._flatten_layers(include_self=False, recursive=False):
            continue  # no weights of its own, or a container whose sublayers are listed too
        kind = type(layer).__name__.lower()
        index = count[kind] = count.get(kind, -1) + 1
        for w in layer.trainable_weights:
            names.setdefault(id(w), f"{kind}{index}/{w.name}")
    return [names.get(id(v), v.path) for v in model.trainable_variables]


class StepSizes:
    """The variables alpha of a learned inner step, one per weight tensor of theta.

    per_parameter=True (Meta-SGD): alpha_j has the shape of weight j, shared by every step.
    per_parameter=False (MAML++ LSLR): alpha_j has shape [steps], one scalar per inner step
    for the whole weight tensor j; steps past the last learned one reuse the last alpha.
    Initial values: `alpha` everywhere, or uniform in `alpha_range` = (low, high) drawn from
    `seed` (Meta-SGD's paper draws them in [0.005, 0.1] for regression, section 4.1).

    relative=True learns m with alpha = `alpha` * m (m starts at 1) instead of alpha itself. Adam
    moves every variable by about its rate beta per step whatever the variable's scale, so an
    alpha of 0.01 learned directly at beta = 0.001 random-walks by 10% a step where its gradient
    is noise and soon turns negative (gradient ascent: the sinusoid diverges); learned
    relatively, Adam's step on alpha is beta * `alpha`. The papers learn alpha directly.
    """

    def __init__(self, model, alpha=0.01, *, per_parameter=True, steps=1, alpha_range=None, seed=0,
                 relative=False):
        weights = model.trainable_variables
        self.per_parameter = bool(per_parameter)
        self.steps = checks.integer("steps", steps, 1)
        if self.per_parameter and self.steps != 1:
            raise ValueError(_("steps must be 1 with per_parameter=True (Meta-SGD shares one alpha per "
                               "parameter across steps), got {steps!r}", steps=steps))
        alpha = checks.positive_number("alpha", alpha)
        if alpha_range is not None:
            low, high = checks.interval("alpha_range", alpha_range)
            if low <= 0:
                raise ValueError(_("alpha_range must lie above 0, got {alpha_range!r}",
                                   alpha_range=alpha_range))
        rng = np.random.default_rng(checks.integer("seed", seed, 0))
        dtype = weights[0].dtype
        self.names = weight_names(model)
        self.relative = bool(relative)
        self.scale = alpha if self.relative else 1.0
        self.variables = []
        for name, w in zip(self.names, weights, strict=True):
            shape = tuple(w.shape) if self.per_parameter else (self.steps,)
            values = np.full(shape, alpha) if alpha_range is None else rng.uniform(low, high, shape)
            values = values / self.scale
            label = "alpha_" + name.replace("/", "_")
            self.variables.append(keras.Variable(values.astype(dtype), name=label))

    def at(self, alphas, t):
        """The step sizes of inner step t (0-based) from the alpha tensors, one per weight."""
        alphas = [a * self.scale for a in alphas] if self.relative else list(alphas)
        if self.per_parameter:
            return alphas
        return [a[min(t, self.steps - 1)] for a in alphas]

    def arrays(self):
        """{weight name: alpha array} (per parameter: the weight's shape; per step: [steps])."""
        return {name: v.numpy() * self.scale for name, v in zip(self.names, self.variables, strict=True)}


class StepSizeLearner(MetaGradientLearner):
    """A meta-gradient learner whose meta-parameters are theta followed by the step sizes of
    `self.step_sizes` (a StepSizes, or None for a fixed alpha `self.alpha`). Subclasses set
    `step_sizes`, `inner_steps` and `second_order`, then call `build_optimizer()`."""

    adapts_by_steps = True
    batches_tasks = True  # task_loss adds up loss_fn terms of self.f's outputs (the XLA path)
    step_sizes = None

    @property
    def meta_parameters(self):
        return self.f.variables + (self.step_sizes.variables if self.step_sizes else [])

    def state_groups(self):
        return {**super().state_groups(), **({"alpha": self.step_sizes.variables} if self.step_sizes else {})}

    def learned_alphas(self):
        """{weight name: learned alpha array}: per parameter (Meta-SGD, the weight's shape) or
        per inner step (MAML++ LSLR, [inner_steps])."""
        if self.step_sizes is None:
            raise ValueError(_("{name} learns no step sizes (learned_step_sizes=False): its alpha is {alpha}",
                               name=self.name, alpha=self.alpha))
        return self.step_sizes.arrays()

    def _alpha(self, alpha):
        if self.step_sizes is not None and alpha is not None:
            raise TypeError(_("alpha does not apply to {name}: its inner step sizes are learned (see "
                              "learned_alphas()); adapt without alpha=", name=self.name))
        return super()._alpha(alpha)

    def task_path(self, params, sx, sy, steps, alpha):
        """phi_0 = theta, then `steps` inner steps on the support set, with the learned step
        sizes (or the SGD step size alpha when none are learned)."""
        n = len(self.f.variables)
        theta, alphas = params[:n], params[n:]
        if self.step_sizes is not None:
            alpha = lambda t: self.step_sizes.at(alphas, t)  # noqa: E731 (the step sizes of step t)
        return sgd_path(self.f, theta, sx, sy, steps, alpha, self.loss_fn, self.second_order)

    def task_output(self, params, phi, x):
        return self.f(phi, x)

    def task_loss(self, params, sx, sy, qx, qy):
        """L_query(phi), phi after inner_steps steps from theta on the support set (Meta-SGD
        eq. 2's objective; MAML's eq. 3)."""
        *_earlier, phi = self.task_path(params, sx, sy, self.inner_steps, self._alpha(None))
        return self.loss_fn(qy, self.f(phi, qx))

