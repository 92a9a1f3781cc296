"""MAML for policy gradients (Finn et al. 2017, section 3.2 and 5.3): meta-learn a policy's
weights theta so that one REINFORCE step on a new task's trajectories gives a good policy phi.

For a task T_i (a goal of 2D navigation), with trajectories sampled from pi_theta:
- inner loss: L_i(theta) = -mean_{t,n} log pi_theta(a_t | s_t) A_t over the steps still alive
  (mask 1), with A_t = G_t - b(s_t): the discounted return-to-go minus the linear feature
  baseline fitted on that task's trajectories (`baseline`), then normalised per task to mean 0
  and standard deviation 1 over the alive steps (as rllab's `center_adv` and pytorch-maml-rl do;
  it makes alpha independent of the reward scale). gamma = 0.99 as in both codebases.
- adapt: phi_i = theta - alpha grad_theta L_i(theta), alpha = 0.1 (the paper). The gradient stays
  differentiable w.r.t. theta (second order) unless `first_order`.
- outer loss: the same surrogate L_i(phi_i(theta)) on new trajectories sampled from pi_{phi_i},
  differentiated w.r.t. theta through phi_i(theta) with nested tf.GradientTape, as in supervised
  MAML. Like the original MAML-RL code, it ignores that the inner trajectories' distribution
  depends on theta too (the score-function term E-MAML and ProMP add): the meta-gradient is that
  of the outer surrogate with the inner trajectories held fixed.

Outer update: Adam with rate beta on the mean of the outer losses over the meta-batch (20 tasks,
20 trajectories per task and step, horizon 100, as the paper). The paper used TRPO instead (a
KL-constrained step found by 10 conjugate-gradient iterations of Hessian-vector products through
the inner step, then a line search that re-evaluates the meta-objective): several times the cost
of one meta-gradient per iteration, more than a CPU lesson affords, and Adam proved stable
here (the bench reports the learning curve).

The three per-task functions take a leading task axis: `surrogate` (the inner and outer loss),
`adapt` (phi) and `outer_loss`. They can run every task of a meta-batch at once (mode "batched":
batched matmuls over [20 tasks, 2,000 steps, 100 units]) or one task at a time inside the compiled
graph (mode "map", tf.map_fn over tasks, each a slice of one). Measured on one core (2 x 100 ReLU,
20 tasks x 20 trajectories x 100 steps, second order): "map" 0.26-0.30 s per meta-gradient,
"batched" 0.49-0.55 s, a Python loop over tasks without tf.function 1.8 s; "map" is the default.
`inner_steps=0` gives the multi-task "pretrained" baseline: the same policy gradient with Adam on
trajectories of random goals, without adaptation in training.
"""

import functools
import math
import time

import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from .. import checks
from ..envs.navigation import HORIZON, as_goals, rollout, sample_tasks
from ..i18n import N_, _
from ..learners.base import all_finite, guarded_update, make_optimizer
from ..training import DivergenceError
from . import baseline
from .policy import GaussianMLPPolicy

MODES = ("map", "batched")  # per-task work: task by task (tf.map_fn) or all tasks at once
GAMMA = 0.99  # discount of the returns-to-go G_t (rllab's and pytorch-maml-rl's default)


def advantages(rollouts, gamma=GAMMA, normalize=True):
    """A_t = G_t - b(s_t) [H, tasks, trajectories], 0 after an episode ended; with `normalize`,
    scaled per task to mean 0 and standard deviation 1 over the alive steps."""
    returns = rollouts.discounted_returns(gamma)
    mask = rollouts.mask.astype(np.float64)
    adv = (returns - baseline.values(rollouts, returns)) * mask
    if normalize:
        count = np.maximum(mask.sum(axis=(0, 2)), 1.0)
        mean = adv.sum(axis=(0, 2)) / count
        var = (((adv - mean[None, :, None]) * mask) ** 2).sum(axis=(0, 2)) / count
        adv = (adv - mean[None, :, None]) / (np.sqrt(var)[None, :, None] + 1e-8) * mask
    return adv


def task_batch(rollouts, advantage, dtype="float32"):
    """Rollouts as per-task tensors (obs, actions, advantages, mask) of shapes [tasks, H *
    trajectories, ...]: what `surrogate` takes."""

    def per_task(a):
        a = np.swapaxes(np.asarray(a), 0, 1)  # [tasks, H, trajectories, ...]
        return tf.constant(a.reshape(a.shape[0], a.shape[1] * a.shape[2], *a.shape[3:]), dtype=dtype)

    return tuple(per_task(a) for a in (rollouts.observations, rollouts.actions, advantage, rollouts.mask))


class MAMLRL:
    """`MAMLRL(policy=None, alpha=0.1, inner_steps=1, first_order=False, beta=1e-3, meta_batch=20,
    trajectories=20, horizon=100, gamma=0.99, normalize=True, seed=0, name=None, mode="map")`.

    policy: a GaussianMLPPolicy (default: 2 x 100 ReLU, as the paper); theta starts at its
    `initial_params(seed)`. inner_steps=0 is the multi-task pretrained baseline. mode: "map"
    (task by task inside the compiled graph, the faster) or "batched" (all tasks at once)."""

    uses_alpha = True
    adapts_by_steps = True

    def __init__(self, policy=None, *, alpha=0.1, inner_steps=1, first_order=False, beta=1e-3, meta_batch=20,
                 trajectories=20, horizon=HORIZON, gamma=GAMMA, normalize=True, seed=0, name=None,
                 mode="map"):
        self.policy = GaussianMLPPolicy() if policy is None else policy
        if not isinstance(self.policy, GaussianMLPPolicy):
            raise TypeError(_("policy must be a GaussianMLPPolicy, got {type}",
                              type=type(self.policy).__name__))
        self.alpha = checks.positive_number("alpha", alpha)
        self.inner_steps = checks.integer("inner_steps", inner_steps, 0)
        self.first_order = bool(first_order)
        self.meta_batch = checks.integer("meta_batch", meta_batch, 1)
        self.trajectories = checks.integer("trajectories", trajectories, 1)
        self.horizon = checks.integer("horizon", horizon, 1)
        if isinstance(gamma, bool) or not isinstance(gamma, int | float) or not 0 <= gamma <= 1:
            raise ValueError(_("gamma must be a number in [0, 1], got {gamma!r}", gamma=gamma))
        self.gamma = float(gamma)
        self.normalize = bool(normalize)
        if mode not in MODES:
            raise ValueError(_("mode must be one of {modes}, got {mode!r}", modes=MODES, mode=mode))
        self.mode = mode
        self.seed = seed
        self.dtype = self.policy.dtype
        self.theta = [tf.Variable(p, name=f"theta_{i}")
                      for i, p in enumerate(self.policy.initial_params(seed))]
        self.optimizer = make_optimizer(None, beta)
        self.optimizer.build(self.theta)
        if name is None:
            name = "pretrained" if self.inner_steps == 0 else "FOMAML" if self.first_order else "MAML"
        self.name = name
        self._compiled_step = tf.function(self._outer_step)
        self._compiled_gradient = {m: tf.function(functools.partial(self._meta_loss_and_gradient, mode=m))
                                   for m in MODES}
        self.inner_step = tf.function(self._inner_step, reduce_retracing=True)  # compiled: (phi, finite)

    # --- the three per-task functions (leading task axis) -----------------------------------
    def surrogate(self, params, batch):
        """L_i = -sum_t,n mask log pi(a|s) A / sum_t,n mask for every task: [tasks]. params: shared
        or per task; batch: (obs, actions, advantages, mask), each [tasks, points, ...]."""
        obs, actions, adv, mask = batch
        log_p = self.policy.log_prob(params, obs, actions)
        return -tf.reduce_sum(mask * log_p * adv, axis=-1) / tf.maximum(tf.reduce_sum(mask, axis=-1), 1.0)

    def adapt(self, theta, batches, alphas, first_order=None):
        """phi_i after one SGD step per batch: phi <- phi - alpha_k grad_phi L_i(phi), from theta
        (shared weights, broadcast to every task). Differentiable w.r.t. theta (second order)
        unless first_order (default: the learner's)."""
        first_order = self.first_order if first_order is None else first_order
        if not batches:
            return list(theta)
        phi = [tf.broadcast_to(p, [batches[0][0].shape[0], *p.shape]) for p in theta]
        for batch, alpha in zip(batches, alphas, strict=True):
            with tf.GradientTape() as tape:
                tape.watch(phi)
                loss = tf.reduce_sum(self.surrogate(phi, batch))  # task i's loss depends on phi_i only
            grads = tape.gradient(loss, phi)
            if first_order:
                grads = [tf.stop_gradient(g) for g in grads]
            phi = [p - alpha * g for p, g in zip(phi, grads, strict=True)]
        return phi

    def outer_loss(self, theta, inner_batches, outer_batch):
        """L_i(phi_i(theta)) on the trajectories sampled with phi_i: [tasks]."""
        phi = self.adapt(theta, inner_batches, [self.alpha] * len(inner_batches))
        return self.surrogate(phi, outer_batch)

    # --- compiled pieces --------------------------------------------------------------------
    def _map_tasks(self, fn, tensors, signature):
        """fn(one task's tensors, each with a leading axis of 1) for every task, stacked: tf.map_fn,
        one task after another (faster here than batched matmuls over all tasks)."""
        one = lambda task: fn(*tf.nest.map_structure(lambda a: a[None], task))  # noqa: E731
        return tf.map_fn(one, tensors, fn_output_signature=signature, parallel_iterations=1)

    def _inner_step(self, phi, batch, alpha):
        """phi - alpha grad L(phi) for every task (values only: to sample the next trajectories),
        and whether the step is finite; `inner_step` is this, compiled. phi and batch carry a
        leading task axis."""

        def step(phi, batch):
            with tf.GradientTape() as tape:
                tape.watch(phi)
                loss = tf.reduce_sum(self.surrogate(phi, batch))  # task i's loss depends on phi_i only
            return [p - alpha * g for p, g in zip(phi, tape.gradient(loss, phi), strict=True)]

        if self.mode == "batched":
            new = step(phi, batch)
        else:
            spec = [tf.TensorSpec(p.shape[1:], p.dtype) for p in phi]
            new = self._map_tasks(lambda p, b: [a[0] for a in step(p, b)], (phi, batch), spec)
        return new, all_finite(new)

    def _task_meta_gradient(self, theta, inner_batches, outer_batch):
        """The outer loss summed over the given tasks and its gradient w.r.t. theta."""
        with tf.GradientTape() as tape:
            tape.watch(theta)
            loss = tf.reduce_sum(self.outer_loss(theta, list(inner_batches), outer_batch))
        return loss, tape.gradient(loss, theta, unconnected_gradients=tf.UnconnectedGradients.ZERO)

    def _meta_loss_and_gradient(self, inner_batches, outer_batch, mode=None):
        """The meta-loss (mean over tasks of the outer loss) and its gradient w.r.t. theta."""
        theta = [tf.convert_to_tensor(v) for v in self.theta]
        tasks = outer_batch[0].shape[0]
        if (mode or self.mode) == "batched":
            loss, grads = self._task_meta_gradient(theta, inner_batches, outer_batch)
            return loss / tasks, [g / tasks for g in grads]
        spec = (tf.TensorSpec([], theta[0].dtype), [tf.TensorSpec(p.shape, p.dtype) for p in theta])
        losses, grads = self._map_tasks(lambda inner, outer: self._task_meta_gradient(theta, inner, outer),
                                        (list(inner_batches), outer_batch), spec)
        return tf.reduce_mean(losses), [tf.reduce_mean(g, axis=0) for g in grads]

    def _meta_loss_and_gradient_eager(self, inner_batches, outer_batch):
        """The same, task by task in a Python loop without tf.function: the slow reference."""
        theta = [tf.convert_to_tensor(v) for v in self.theta]
        tasks = outer_batch[0].shape[0]
        total, grads = 0.0, [tf.zeros_like(p) for p in theta]
        for i in range(tasks):
            inner = [tuple(a[i:i + 1] for a in batch) for batch in inner_batches]
            loss, more = self._task_meta_gradient(theta, inner, tuple(a[i:i + 1] for a in outer_batch))
            total += loss
            grads = [g + d for g, d in zip(grads, more, strict=True)]
        return total / tasks, [g / tasks for g in grads]

    def _outer_step(self, inner_batches, outer_batch):
        loss, grads = self._meta_loss_and_gradient(inner_batches, outer_batch)
        return guarded_update(loss, grads, lambda: self.optimizer.apply(grads, self.theta),
                              self.theta + self.optimizer.variables)

    # --- sampling ---------------------------------------------------------------------------
    def test_alphas(self, steps):
        """The test protocol's step sizes for `steps` inner steps: alpha, then alpha / 2 (the MAML
        paper's 0.1, then 0.05)."""
        return [self.alpha] + [self.alpha / 2] * max(steps - 1, 0)

    def params(self):
        """theta as numpy arrays."""
        return [v.numpy() for v in self.theta]

    def _rollout(self, params, goals, trajectories, rng):
        return rollout(self.policy.sampler(params, rng), goals, trajectories, self.horizon)

    def _batch(self, rollouts):
        return task_batch(rollouts, advantages(rollouts, self.gamma, self.normalize), self.dtype)

    def _per_task(self, tasks):
        return [tf.constant(np.broadcast_to(p, (tasks, *p.shape))) for p in self.params()]

    def sample_meta_batch(self, goals, rng):
        """Trajectories of one meta-step: the inner batches (sampled with theta, then each phi_k)
        and the outer batch (sampled with the adapted phi), and the mean undiscounted returns
        [before adaptation, after]."""
        phi, inner, returns = self._per_task(len(goals)), [], []
        for _step in range(self.inner_steps):
            sampled = self._rollout(phi, goals, self.trajectories, rng)
            returns.append(float(sampled.returns().mean()))
            inner.append(self._batch(sampled))
            phi, finite = self.inner_step(phi, inner[-1], tf.constant(self.alpha, self.dtype))
            if not bool(finite):
                return inner, None, returns + [math.nan]
        sampled = self._rollout(phi, goals, self.trajectories, rng)
        returns.append(float(sampled.returns().mean()))
        return inner, self._batch(sampled), returns

    def _check_goals(self, goals, tasks=None):
        goals = as_goals("goals", goals, batched=True)
        if tasks is not None and len(goals) != tasks:
            raise ValueError(_("goals must hold meta_batch = {tasks} goals, got {count}", tasks=tasks,
                               count=len(goals)))
        return goals

    # --- the public steps -------------------------------------------------------------------
    def meta_step(self, goals, rng):
        """One outer update on the tasks `goals` [meta_batch, 2]: sample trajectories (all tasks
        at once), fit baselines, adapt, sample again with phi, and take an Adam step on the
        meta-gradient. Returns {return_before, return_after (mean undiscounted return of the
        trajectories sampled before and after adaptation), loss, diverged}. A non-finite loss
        or gradient leaves theta and Adam as they were: loss NaN, diverged True."""
        goals = self._check_goals(goals, self.meta_batch)
        rng = np.random.default_rng(rng)
        inner, outer, returns = self.sample_meta_batch(goals, rng)
        loss = math.nan if outer is None else float(self._compiled_step(tuple(inner), outer))
        return {"return_before": returns[0], "return_after": returns[-1], "loss": loss,
                "diverged": not math.isfinite(loss)}

    def meta_gradient(self, goals, rng, mode=None):
        """(meta-loss, meta-gradient) on one meta-batch without updating anything. mode (default:
        the learner's): "map" (task by task, compiled), "batched" (every task at once, compiled)
        or "eager" (task by task in a Python loop, the reference)."""
        if mode not in (None, *MODES, "eager"):
            raise ValueError(_("mode must be one of {modes}, got {mode!r}", modes=(*MODES, "eager"),
                               mode=mode))
        goals = self._check_goals(goals, self.meta_batch)
        inner, outer = self.sample_meta_batch(goals, np.random.default_rng(rng))[:2]
        if outer is None:
            raise FloatingPointError(_("the inner step is not finite; try a smaller alpha"))
        if mode == "eager":
            loss, grads = self._meta_loss_and_gradient_eager(inner, outer)
        else:
            loss, grads = self._compiled_gradient[mode or self.mode](tuple(inner), outer)
        return float(loss), [g.numpy() for g in grads]

    def adapt_and_evaluate(self, goals, steps=3, trajectories=40, alphas=None, rng=0, chunk=20):
        """Average undiscounted return per task after 0..steps inner steps: [tasks, steps + 1].
        Step k samples `trajectories` fresh trajectories with the current phi_k, records their
        mean return and takes the next REINFORCE step on them with alphas[k] (default: alpha,
        then alpha / 2: the paper's test protocol, 0.1 then 0.05, with 40 trajectories per
        step). Tasks are evaluated `chunk` at a time to bound memory."""
        goals = self._check_goals(goals)
        checks.integer("steps", steps, 0)
        checks.integer("trajectories", trajectories, 1)
        checks.integer("chunk", chunk, 1)
        if alphas is None:
            alphas = self.test_alphas(steps)
        alphas = [checks.positive_number("alphas", a) for a in alphas]
        if len(alphas) < steps:
            raise ValueError(_("alphas must give at least steps = {steps} step sizes, got {count}",
                               steps=steps, count=len(alphas)))
        rng = np.random.default_rng(rng)
        returns = np.zeros((len(goals), steps + 1))
        for start in range(0, len(goals), chunk):
            part = goals[start:start + chunk]
            phi = self._per_task(len(part))
            for k in range(steps + 1):
                sampled = self._rollout(phi, part, trajectories, rng)
                returns[start:start + len(part), k] = sampled.returns().mean(axis=1)
                if k < steps:
                    alpha = tf.constant(alphas[k], self.dtype)
                    phi = self.inner_step(phi, self._batch(sampled), alpha)[0]
        return returns

    # --- state ------------------------------------------------------------------------------
    @property
    def beta(self):
        return float(tf.convert_to_tensor(self.optimizer.learning_rate))

    @property
    def hyperparameters(self):
        return {"alpha": self.alpha, "inner_steps": self.inner_steps, "first_order": self.first_order,
                "optimizer": "Adam", "beta": self.beta, "meta_batch": self.meta_batch,
                "trajectories": self.trajectories, "horizon": self.horizon, "gamma": self.gamma,
                "normalize_advantages": self.normalize, "policy": self.policy.config}

    @property
    def learning_rates(self):
        return {N_("alpha (inner step)"): self.alpha, N_("beta (outer learning rate)"): self.beta}

    def get_state(self):
        """theta as {"policy/000": W1, ...} (positions, as the supervised learners)."""
        return {f"policy/{i:03d}": v.numpy() for i, v in enumerate(self.theta)}

    def set_state(self, state):
        names = {f"policy/{i:03d}": v for i, v in enumerate(self.theta)}
        if set(state) != set(names):
            missing, extra = sorted(set(names) - set(state)), sorted(set(state) - set(names))
            raise ValueError(_("state does not fit this learner: missing {missing}, unexpected {extra}",
                               missing=missing, extra=extra))
        for key, value in state.items():
            if tuple(np.shape(value)) != tuple(names[key].shape):
                raise ValueError(_("state[{key!r}] has shape {shape}, the learner needs {needed}", key=key,
                                   shape=np.shape(value), needed=tuple(names[key].shape)))
        for key, v in names.items():
            v.assign(np.asarray(state[key], dtype=self.dtype))


def train(learner, iterations, seed=0, max_seconds=None, progress=True, report=None, report_every=10):
    """Meta-train `learner` for `iterations` meta-steps on goals drawn from a generator seeded
    by `seed` (or until `max_seconds` of wall time). Returns the history: one dict per
    iteration {iteration, seconds, return_before, return_after, loss}. `report(record)` is
    called every `report_every` iterations (the bench prints a line). Stops cleanly on
    KeyboardInterrupt, keeping what was learned; raises training.DivergenceError (theta left at
    the last finite step) when a meta-step is not finite."""
    checks.integer("iterations", iterations, 0)
    checks.integer("report_every", report_every, 1)
    if max_seconds is not None:
        checks.positive_number("max_seconds", max_seconds)
    rng = np.random.default_rng(seed)
    history, start = [], time.perf_counter()
    bar = tqdm(total=iterations, desc=_("meta-training {name}", name=learner.name), disable=not progress,
               mininterval=1.0)
    try:
        for i in range(1, iterations + 1):
            goals = sample_tasks(learner.meta_batch, rng)
            record = learner.meta_step(goals, rng)
            if record["diverged"]:
                raise DivergenceError.at(learner, i, history, history[-1]["loss"] if history else None)
            history.append({"iteration": i, "seconds": time.perf_counter() - start,
                            **{k: record[k] for k in ("return_before", "return_after", "loss")}})
            bar.set_postfix(before=f"{record['return_before']:.1f}", after=f"{record['return_after']:.1f}",
                            refresh=False)
            bar.update(1)
            if report is not None and i % report_every == 0:
                report(history[-1])
            if max_seconds is not None and time.perf_counter() - start > max_seconds:
                break
    except KeyboardInterrupt:
        pass
    finally:
        bar.close()
    return history
