"""MAML++ (Antoniou, Edwards, Storkey 2019, "How to train your MAML"): the fixes to MAML that
matter for sinusoid regression, each switchable so a lesson can show what it buys (section 4).

- multi_step_loss (MSL): the meta-objective is sum_t v_t L_query(phi_t) over the inner steps
  t = 1..S instead of L_query(phi_S). The weights v start equal (1/S) and are annealed towards
  the last step as the paper's code does: over the first `msl_iterations` meta-iterations each
  earlier weight falls linearly from 1/S to 0.03/S and the last one rises to 1 - 0.03 (S-1)/S
  (the code steps this per epoch; here it moves every iteration). Default: the first 10% of
  `iterations` (the code: the first 10 of 100 epochs).
- learned_step_sizes (LSLR): one learned alpha per layer weight per inner step, initialised to
  `alpha`, learned by the outer loop with theta (shares Meta-SGD's machinery, step_sizes.py).
  Steps past `inner_steps` (evaluating 10 steps after training 5) reuse the last learned alpha.
  `relative_alphas=True` learns them relative to `alpha` (see step_sizes.StepSizes).
- cosine_outer (CA): the outer rate follows keras.optimizers.schedules.CosineDecay from beta to
  beta_final (default beta / 100: the paper's 0.001 -> 0.00001) over `iterations`.

With every switch off it is second-order MAML (Finn et al. 2017, eqs. 2-3); tests check that.
The schedules read the optimizer's iteration count (steps actually applied).
"""

import keras
import tensorflow as tf

from .. import checks
from ..functional import mse
from ..i18n import N_, _
from .step_sizes import StepSizeLearner, StepSizes


def msl_weights(steps, progress, dtype="float32"):
    """MAML++'s per-step loss weights v_1..v_S (a tensor) at `progress` in [0, 1] of the
    annealing: equal at 0; from 1 on, the earlier steps keep 0.03/S each and the last step the
    rest. They sum to 1."""
    progress = tf.clip_by_value(tf.cast(progress, dtype), 0.0, 1.0)
    earlier = tf.maximum((1.0 - progress) / steps, 0.03 / steps)
    return tf.concat([tf.fill([steps - 1], earlier), [1.0 - (steps - 1) * earlier]], axis=0)


class MAMLPlus(StepSizeLearner):
    """`MAMLPlus(model, alpha=0.01, inner_steps=5, multi_step_loss=True, learned_step_sizes=True,
    cosine_outer=True, iterations=N)`: MAML with MAML++'s switches (all off: MAML)."""

    name = "MAML++"
    batches_tasks = True  # its task_loss (with MSL, a weighted sum of query losses) adds up loss_fn terms

    def __init__(self, model, *, alpha=0.01, inner_steps=5, multi_step_loss=False, learned_step_sizes=False,
                 cosine_outer=False, iterations=None, msl_iterations=None, second_order=True,
                 relative_alphas=False, beta=1e-3, beta_final=None, loss=mse):
        self.multi_step_loss, self.learned_step_sizes = bool(multi_step_loss), bool(learned_step_sizes)
        self.cosine_outer = bool(cosine_outer)
        if iterations is None and (self.multi_step_loss or self.cosine_outer):
            raise ValueError(_("iterations (the planned meta-iterations) is needed with multi_step_loss or "
                               "cosine_outer: their schedules run over it"))
        self.iterations = None if iterations is None else checks.integer("iterations", iterations, 1)
        if msl_iterations is not None:
            msl_iterations = checks.integer("msl_iterations", msl_iterations, 1)
        elif self.multi_step_loss:
            msl_iterations = max(1, self.iterations // 10)
        self.msl_iterations = msl_iterations
        self.beta_start = beta = checks.positive_number("beta", beta)
        self.beta_final = beta / 100 if beta_final is None else checks.positive_number("beta_final",
                                                                                       beta_final)
        if self.beta_final > beta:
            raise ValueError(_("beta_final must be <= beta = {beta}, got {beta_final!r}", beta=beta,
                               beta_final=beta_final))
        rate = (keras.optimizers.schedules.CosineDecay(beta, self.iterations, alpha=self.beta_final / beta)
                if self.cosine_outer else beta)
        super().__init__(model, optimizer=keras.optimizers.Adam(rate), loss=loss)
        self.alpha = checks.positive_number("alpha", alpha)
        self.inner_steps = checks.integer("inner_steps", inner_steps, 1)
        self.second_order = bool(second_order)
        self.uses_alpha = not self.learned_step_sizes  # a fixed alpha can be changed at test time
        if self.learned_step_sizes:
            self.step_sizes = StepSizes(model, alpha, per_parameter=False, steps=self.inner_steps,
                                        relative=relative_alphas)
        self.build_optimizer()

    @property
    def hyperparameters(self):
        return {**super().hyperparameters, "alpha": self.alpha, "inner_steps": self.inner_steps,
                "multi_step_loss": self.multi_step_loss, "learned_step_sizes": self.learned_step_sizes,
                "cosine_outer": self.cosine_outer, "iterations": self.iterations,
                "msl_iterations": self.msl_iterations, "beta": self.beta_start, "beta_final": self.beta_final,
                "second_order": self.second_order,
                "relative_alphas": bool(self.step_sizes and self.step_sizes.relative)}

    @property
    def learning_rates(self):
        learned, fixed = N_("alpha (initial learned inner step)"), N_("alpha (inner step)")
        return {learned if self.learned_step_sizes else fixed: self.alpha, **super().learning_rates}

    def loss_weights(self):
        """The current MSL weights v_1..v_S, from the optimizer's iteration count."""
        progress = tf.cast(self.optimizer.iterations, self.dtype) / self.msl_iterations
        return msl_weights(self.inner_steps, progress, self.dtype)

    def task_loss(self, params, sx, sy, qx, qy):
        """L_query(phi_S), or with multi_step_loss sum_t v_t L_query(phi_t), t = 1..S."""
        if not self.multi_step_loss:
            return super().task_loss(params, sx, sy, qx, qy)
        _theta, *phis = self.task_path(params, sx, sy, self.inner_steps, self._alpha(None))
        losses = tf.stack([self.loss_fn(qy, self.f(phi, qx)) for phi in phis])
        return tf.reduce_sum(self.loss_weights() * losses)
