"""The learner interface shared by every method in the kit (Lessons 1-6), and the machinery
they share: vectorised, compiled and guarded meta-steps, adaptation curves, predictions
and checkpoint state.

Every learner offers:
- `meta_step(episode) -> float`: one outer update on a batch of tasks; returns the
  meta-loss, or NaN (leaving every weight and the optimizer as they were) when the loss,
  a gradient or the updated weights are not finite.
- `adaptation_curve(episode, steps) -> array [T, steps + 1]`: query loss of each task
  after 0..steps adaptation steps on its support set.
- `predict(episode, x, steps) -> array [T, N, ...]`: predictions at x after adapting.
- `get_state() / set_state(state)`: every weight as a dict of arrays (checkpoints).
- `name`, `inner_steps`, `hyperparameters` (for manifests), `learning_rates` (for messages).
- capabilities, read as attributes (never by a learner's name): `uses_alpha` (adaptation
  takes an SGD step size alpha), `adapts_by_steps` (adaptation is a sequence of steps rather
  than one forward pass), `fixed_ways` (the number of outputs a trained head fixes, or None).

A learner is defined by three per-task functions of its meta-parameters `params`
(tensors, in the order of `meta_parameters`):
- `task_loss(params, sx, sy, qx, qy)`: the meta-objective on one task;
- `task_path(params, sx, sy, steps, alpha)`: yields the adapted state after 0..steps steps
  (SGD weights phi, Meta-LSTM cell state, or a black-box learner's task summary);
- `task_output(params, state, x)`: the prediction at x from such a state.
The base class vectorises them over tasks with `tf.vectorized_map` and compiles them with
`tf.function` (mode "vectorized"); mode "loop" runs the same code eagerly, task by task.
Learners whose `task_loss` only adds up `loss_fn` terms of `self.f`'s outputs (`batches_tasks`:
MAML, FOMAML, Meta-SGD, MAML++) also run it once for all tasks with a model that carries a task
axis (`batched.BatchedModel`), the whole step compiled by XLA (path "xla"), in one independent
group of tasks per core (`task_groups`): the same meta-gradient, 1.3-3x faster, after a compile
of 2-35 s instead of 1-10 s. `meta_train` takes it
for long runs (path="auto"); if the model's layers do not allow it, or XLA fails to compile it,
the "vectorized" path runs and `path_note` says why.

The outer update is `outer_step`. `MetaGradientLearner` makes it a step of an optimizer
(Adam with rate beta) on the meta-gradient, for every learner but Reptile, which moves theta
toward the adapted weights instead. `SGDAdaptation` is the one place for "adapts by
`inner_steps` SGD steps of size alpha" (MAML, Reptile, the baselines).
"""

import copy
import functools
import itertools
import os
import re
import warnings

import keras
import numpy as np
import tensorflow as tf

from .. import batched, checks
from ..functional import FunctionalModel, cross_entropy, mse, sgd_path
from ..i18n import N_, _


def usable_cores():
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def as_tensors(episode, dtype):
    return [tf.convert_to_tensor(a, dtype=dtype) for a in
            (episode.support_x, episode.support_y, episode.query_x, episode.query_y)]


def all_finite(tensors):
    return tf.reduce_all([tf.reduce_all(tf.math.is_finite(tf.convert_to_tensor(t))) for t in tensors])


def guarded_update(loss, check, update, variables):
    """Run `update()` only if `check` (a list of tensors) is finite; if the variables are not
    finite afterwards (huge gradients can overflow inside Adam), put them back. Returns the
    loss, or NaN when nothing was changed."""
    saved = [tf.identity(tf.convert_to_tensor(v)) for v in variables]
    nan = tf.constant(np.nan, loss.dtype)

    def restore():
        for v, value in zip(variables, saved, strict=True):
            v.assign(value)
        return nan

    floats = [v for v in variables if tf.as_dtype(v.dtype).is_floating]  # not step counters

    def apply():
        update()
        return tf.cond(all_finite(floats), lambda: loss, restore)

    return tf.cond(all_finite(check + [loss]), apply, lambda: nan)


# Losses that are the mean over every point given: on [T, ...] arrays, the mean of T tasks' own losses
# (equal sizes), so T times it is their sum (the XLA path's batched loss).
MEAN_LOSSES = (mse, cross_entropy)
COMPILE_ERRORS = (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError, tf.errors.InternalError)


def _first_words(error):
    """The informative line of a TensorFlow error (a traced one starts with "in user code:")."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    named = [line.split(": ", 1)[1] for line in lines if re.match(r"^\w+Error: ", line)]
    return (named or [line for line in lines if line != "in user code:"] or [type(error).__name__])[0][:200]


def make_optimizer(optimizer, beta, **options):
    if optimizer is None:
        optimizer = keras.optimizers.Adam(checks.positive_number("beta", beta), **options)
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(_("optimizer must be a keras.optimizers.Optimizer, got {type}",
                          type=type(optimizer).__name__))
    return optimizer


class Learner:
    """Base of every learner; see the module docstring."""

    name = "learner"
    uses_alpha = False  # adaptation takes an SGD step size alpha
    adapts_by_steps = False  # adaptation is a sequence of steps (False: one forward pass)
    inner_steps = 0  # adaptation steps in the meta-objective (0: one forward pass, or none)
    eval_chunk = 100  # tasks per compiled call when evaluating or predicting
    batches_tasks = False  # task_loss adds up loss_fn terms of self.f: it can take all tasks at once
    # (declared by the class that defines task_loss: a subclass redefining it must declare it again)
    PATHS = ("xla", "vectorized")
    task_groups = None  # the "xla" path's independent groups of tasks (None: one per usable core)

    def __init__(self, model, *, loss=mse):
        self.f = FunctionalModel(model)
        self.model = model
        self.loss_fn = loss
        self.dtype = self.f.variables[0].dtype
        self._checked_shapes = set()
        self._compiled_gradients = {"xla": tf.function(self.batched_loss_and_gradient, jit_compile=True),
                                    "vectorized": tf.function(self.meta_loss_and_gradient)}
        self.path = "vectorized"  # traces in about a second; meta_train takes "xla" for long runs
        self._compiled_curve = tf.function(self._curve, reduce_retracing=True)
        self._compiled_predict = tf.function(self._predict, reduce_retracing=True)

    # --- what each learner defines ------------------------------------------------------
    @property
    def meta_parameters(self):
        """The variables the outer loop learns (default: the model's weights, theta)."""
        return self.f.variables

    def params(self):
        """The meta-parameters' current values as tensors, in the order of `meta_parameters`
        (the `params` every per-task function takes)."""
        return [tf.convert_to_tensor(v) for v in self.meta_parameters]

    def state_groups(self):
        """Variables saved in checkpoints, by group name."""
        return {"model": self.model.weights}

    def task_loss(self, params, sx, sy, qx, qy):
        raise NotImplementedError

    def task_path(self, params, sx, sy, steps, alpha):
        raise NotImplementedError

    def task_output(self, params, state, x):
        raise NotImplementedError

    def outer_step(self, sx, sy, qx, qy, vectorized=True):
        """One outer update on a meta-batch of tasks; returns the meta-loss, or NaN when
        nothing was changed (see `guarded_update`)."""
        raise NotImplementedError

    @property
    def hyperparameters(self):
        return {}

    @property
    def learning_rates(self):
        return {}

    @property
    def state_options(self):
        """The constructor options that shape `get_state()` (Reptile's carried Adam state adds
        weights): a learner rebuilt for a saved state must be built with them."""
        return {}

    @property
    def fixed_ways(self):
        """How many outputs (classes) the meta-trained model fixes: the width of its last layer.
        None for learners that build their outputs per task (ProtoNet's prototypes, the
        fine-tuned baseline's fresh head), which take any number of ways."""
        return int(self.model.output_shape[-1])

    # --- input checks -----------------------------------------------------------------
    def check_episode(self, episode):
        """The learner's prediction must have the shape of one task's targets."""
        key = (episode.support_x.shape[1:], episode.support_y.shape[2:])
        if key in self._checked_shapes:
            return
        sx, sy = (tf.convert_to_tensor(a[0], self.dtype) for a in (episode.support_x, episode.support_y))
        params = self.params()
        try:
            *_earlier, state = self.task_path(params, sx, sy, 0, self._alpha(None))
            out = self.task_output(params, state, sx)
        except Exception as error:  # the model cannot take these inputs at all
            raise ValueError(_("model does not accept inputs of shape {shape} (one task's support_x): "
                               "{error}", shape=tuple(sx.shape), error=error)) from None
        if tuple(out.shape) != episode.support_y.shape[1:]:
            raise ValueError(_("model output shape {output} does not fit the task: targets have shape "
                               "{targets} (K, ...) for inputs {inputs}", output=tuple(out.shape),
                               targets=episode.support_y.shape[1:], inputs=tuple(sx.shape)))
        self._checked_shapes.add(key)

    def _alpha(self, alpha):
        if not self.uses_alpha:
            if alpha is not None:
                raise TypeError(_("alpha does not apply to {name}: it does not adapt by SGD", name=self.name))
            return tf.constant(0.0, self.dtype)
        alpha = self.alpha if alpha is None else checks.positive_number("alpha", alpha)
        return tf.constant(alpha, self.dtype)

    # --- the path of the meta-step -----------------------------------------------------
    @property
    def path(self):
        """How `meta_step` computes the meta-gradient: "xla" (all tasks at once through a
        task-batched model, compiled by XLA) or "vectorized" (tf.vectorized_map over tasks)."""
        return self._path

    @path.setter
    def path(self, path):
        if path not in self.PATHS:
            raise ValueError(_("path must be one of {paths}, got {path!r}", paths=self.PATHS, path=path))
        reason = path == "xla" and self.xla_unsupported()
        if reason:
            raise ValueError(_("{name} cannot take the XLA path: {reason}; use path='vectorized'",
                               name=self.name, reason=reason))
        self._path, self._xla_ran, self.path_note = path, False, path
        xla = path == "xla"  # the whole step, optimizer included, in one XLA program
        self._compiled_step = tf.function(self.outer_step, jit_compile=xla)  # traced anew for the new path

    def xla_unsupported(self):
        """Why the XLA path cannot run this learner (a sentence), or None when it can."""
        if not self.batches_tasks:
            return _("{name}'s task functions run one task at a time", name=self.name)
        mro = type(self).__mro__
        loss_owner = next(c for c in mro if "task_loss" in c.__dict__)
        declared = next(c for c in mro if "batches_tasks" in c.__dict__)
        if not issubclass(declared, loss_owner):  # a subclass changed task_loss: it must say so again
            return _("{owner} redefines task_loss without declaring batches_tasks = True (set it if its "
                     "task_loss only adds up loss_fn terms of self.f's outputs)", owner=loss_owner.__name__)
        if self.loss_fn not in MEAN_LOSSES:
            return _("its loss {loss!r} is not one of the kit's means over points (functional.mse, "
                     "functional.cross_entropy)", loss=getattr(self.loss_fn, '__name__', self.loss_fn))
        return batched.unsupported(self.model)

    def _compiled(self, which):
        """The compiled meta-step ("step") or meta-gradient ("gradient") of the current path."""
        return self._compiled_step if which == "step" else self._compiled_gradients[self._path]

    def _run_compiled(self, which, *tensors):
        """self._compiled(which)(*tensors); if XLA cannot compile it, fall back to the
        vectorized path once, with a warning, and say so in `path_note`."""
        try:
            result = self._compiled(which)(*tensors)
        except COMPILE_ERRORS as error:
            if self._path != "xla" or self._xla_ran:
                raise
            why = _first_words(error)
            self.path = "vectorized"
            # path_note stays English: it is data (History.path, the manifest's meta_step_path)
            self.path_note = f"vectorized: XLA could not compile the meta-step ({why})"
            warnings.warn(_("{name}: vectorized: XLA could not compile the meta-step ({why})", name=self.name,
                            why=why), stacklevel=3)
            result = self._compiled(which)(*tensors)
        self._xla_ran = True
        return result

    # --- meta-training ------------------------------------------------------------------
    @staticmethod
    def map_tasks(fn, tensors, vectorized=True):
        """fn(*one task's tensors) for every task, results stacked over tasks: by
        tf.vectorized_map, or (vectorized=False) eagerly one task after another."""
        if vectorized:
            return tf.vectorized_map(lambda task: fn(*task), tuple(tensors))
        results = [fn(*(t[i] for t in tensors)) for i in range(tensors[0].shape[0])]
        return tf.nest.map_structure(lambda *per_task: tf.stack(per_task), *results)

    def meta_loss_and_gradient(self, sx, sy, qx, qy, vectorized=True):
        """The meta-loss, the mean over tasks of `task_loss`, and its gradient with respect to
        the meta-parameters (Lesson 2, eq. 3): one tape around every task's inner loop."""
        params = self.params()
        with tf.GradientTape() as tape:
            tape.watch(params)
            losses = self.map_tasks(lambda *task: self.task_loss(params, *task), (sx, sy, qx, qy), vectorized)
            loss = tf.reduce_mean(losses)
        grads = tape.gradient(loss, params, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return loss, grads

    def gradient_on_path(self, sx, sy, qx, qy, vectorized=True):
        """meta_loss_and_gradient, or its task-batched twin when the learner's path is "xla" (and
        `vectorized`: the eager loop is always the plain one); outer_step calls it, compiled."""
        if vectorized and self._path == "xla":
            return self.batched_loss_and_gradient(sx, sy, qx, qy)
        return self.meta_loss_and_gradient(sx, sy, qx, qy, vectorized)

    def batched_loss_and_gradient(self, sx, sy, qx, qy):
        """The meta-loss and its gradient as `meta_loss_and_gradient` computes them, with the
        tasks batched (`group_loss_and_gradient`) in `task_groups` groups of consecutive tasks,
        each an independent computation: the meta-loss is the mean over tasks, so it and its
        gradient are the groups' own, weighted by their share of the tasks. XLA's CPU runtime
        runs independent computations at the same time, while one batched computation keeps
        about one core busy: conv4 MAML (32 tasks, 2 cores) takes about 250 ms per iteration in
        2 groups against 400 in one (`bench conv4 --groups`)."""
        T = sx.shape[0]
        bounds = np.linspace(0, T, min(T, self.task_groups or usable_cores()) + 1).round().astype(int)
        groups = list(itertools.pairwise(bounds))
        shares = [float(b - a) / T for a, b in groups]
        each = [self.group_loss_and_gradient(sx[a:b], sy[a:b], qx[a:b], qy[a:b]) for a, b in groups]
        losses, grads = zip(*each, strict=True)
        weigh = lambda values: tf.add_n([share * v for share, v in zip(shares, values, strict=True)])  # noqa: E731
        return weigh(losses), [weigh(group) for group in zip(*grads, strict=True)]

    def group_loss_and_gradient(self, sx, sy, qx, qy):
        """The meta-loss over a group of tasks and its gradient, every task at once: `task_loss`
        runs once on [T, ...] arrays, with theta repeated T times and self.f replaced by the
        same model with a task axis (batched.BatchedModel). Its loss_fn is T times the loss
        over all tasks' points, a mean (MEAN_LOSSES), so it is the sum of the tasks' own losses
        and each task's inner gradient is that task's own; the result is divided by T again.
        Meta-parameters that are not the model's weights (learned step sizes) are shared by all
        tasks, as they are."""
        params = self.params()
        T, n = sx.shape[0], len(self.f.variables)
        each_task = copy.copy(self)
        each_task.f = batched.BatchedModel(self.model, training=self.f.training)
        each_task.loss_fn = lambda y, prediction: T * self.loss_fn(y, prediction)  # a mean: see MEAN_LOSSES
        with tf.GradientTape() as tape:
            tape.watch(params)
            tiled = [tf.repeat(p[None], T, axis=0) for p in params[:n]] + params[n:]
            loss = each_task.task_loss(tiled, sx, sy, qx, qy) / T
        grads = tape.gradient(loss, params, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return loss, grads

    def meta_gradient(self, episode, mode=None):
        """(meta-loss, gradient w.r.t. the meta-parameters) without updating anything.

        mode "xla": all tasks at once, compiled by XLA; "vectorized": vectorized_map inside
        tf.function; "loop": eager per-task loop; None: the learner's `path`.
        """
        if mode not in (None, "xla", "vectorized", "loop"):
            raise ValueError(_("mode must be 'xla', 'vectorized', 'loop' or None, got {mode!r}", mode=mode))
        if mode == "xla" and (reason := self.xla_unsupported()):
            raise ValueError(_("{name} cannot take the XLA path: {reason}", name=self.name, reason=reason))
        self.check_episode(episode)
        tensors = as_tensors(episode, self.dtype)
        if mode is None:
            loss, grads = self._run_compiled("gradient", *tensors)
        elif mode != "loop":
            loss, grads = self._compiled_gradients[mode](*tensors)
        else:
            loss, grads = self.meta_loss_and_gradient(*tensors, vectorized=False)
        return float(loss), [g.numpy() for g in grads]

    def meta_step(self, episode):
        """One outer update on the episode's tasks; returns the meta-loss (NaN if diverged)."""
        self.check_episode(episode)
        return float(self._run_compiled("step", *as_tensors(episode, self.dtype)))

    def meta_step_loop(self, episode):
        """The same outer update computed eagerly task by task (the slow reference)."""
        self.check_episode(episode)
        return float(self.outer_step(*as_tensors(episode, self.dtype), vectorized=False))

    # --- adaptation ---------------------------------------------------------------------
    def _curve(self, sx, sy, qx, qy, alpha, steps):
        params = self.params()

        def one_task(task):
            tsx, tsy, tqx, tqy = task
            return tf.stack([self.loss_fn(tqy, self.task_output(params, state, tqx))
                             for state in self.task_path(params, tsx, tsy, steps, alpha)])

        return tf.vectorized_map(one_task, (sx, sy, qx, qy))

    def adaptation_curve(self, episode, steps, alpha=None):
        """Query loss of each task after 0..steps adaptation steps on its support set: [T, steps+1].

        alpha: the SGD step size, for learners that adapt by SGD (default: the learner's).
        """
        checks.integer("steps", steps, 0)
        alpha = self._alpha(alpha)
        self.check_episode(episode)
        return self._in_chunks(self._compiled_curve, as_tensors(episode, self.dtype), alpha, steps)

    def _in_chunks(self, compiled, tensors, alpha, steps):
        """Run `compiled` on at most `eval_chunk` tasks at a time, so evaluating many tasks
        keeps memory bounded (Meta-LSTM's per-weight LSTM state is [tasks, weights, units])."""
        total = int(tensors[0].shape[0])
        parts = [compiled(*(t[i:i + self.eval_chunk] for t in tensors), alpha, steps).numpy()
                 for i in range(0, total, self.eval_chunk)]
        return np.concatenate(parts, axis=0)

    def _task_predictions(self, params, task, alpha, steps, every_step):
        states = list(self.task_path(params, task[0], task[1], steps, alpha))
        outputs = [self.task_output(params, state, task[2]) for state in states[0 if every_step else -1:]]
        return tf.stack(outputs) if every_step else outputs[0]

    def _predict(self, sx, sy, x, alpha, steps, every_step=False):
        params = self.params()
        return tf.vectorized_map(lambda task: self._task_predictions(params, task, alpha, steps, every_step),
                                 (sx, sy, x))

    def _predictions(self, episode, x, steps, alpha, every_step, eager=False):
        checks.integer("steps", steps, 0)
        alpha = self._alpha(alpha)
        self.check_episode(episode)
        sx, sy = as_tensors(episode, self.dtype)[:2]
        x = tf.convert_to_tensor(x, self.dtype)
        if eager:  # task by task, nothing traced
            params = self.params()
            return np.stack([self._task_predictions(params, task, alpha, steps, every_step).numpy()
                             for task in zip(sx, sy, x, strict=True)])
        compiled = functools.partial(self._compiled_predict, every_step=every_step)
        return self._in_chunks(compiled, [sx, sy, x], alpha, steps)

    def predict(self, episode, x, steps, alpha=None, eager=False):
        """Predictions at x [T, N, ...] after `steps` adaptation steps on each task's support set.

        eager=True runs task by task without compiling: for one task and many steps (a
        playground) tracing the unrolled steps costs more than running them."""
        return self._predictions(episode, x, steps, alpha, every_step=False, eager=eager)

    def prediction_path(self, episode, x, steps, alpha=None, eager=False):
        """Predictions at x after 0, 1, ..., steps adaptation steps: [T, steps + 1, N, ...]
        (the playgrounds draw them)."""
        return self._predictions(episode, x, steps, alpha, every_step=True, eager=eager)

    # --- state --------------------------------------------------------------------------
    def _state_variables(self):
        return {f"{group}/{i:03d}": v for group, variables in self.state_groups().items()
                for i, v in enumerate(variables)}

    def get_state(self):
        """Every weight, keyed by group and position: Keras layer names depend on what else
        the process built, positions do not."""
        return {name: v.numpy() for name, v in self._state_variables().items()}

    def set_state(self, state):
        variables = self._state_variables()
        if set(state) != set(variables):
            missing, extra = sorted(set(variables) - set(state)), sorted(set(state) - set(variables))
            raise ValueError(_("state does not fit this learner: missing {missing}, unexpected {extra}",
                               missing=missing, extra=extra))
        for name, value in state.items():
            if tuple(value.shape) != tuple(variables[name].shape):
                raise ValueError(_("state[{key!r}] has shape {shape}, the learner needs {needed}", key=name,
                                   shape=value.shape, needed=tuple(variables[name].shape)))
        for name, v in variables.items():
            v.assign(state[name])


class MetaGradientLearner(Learner):
    """A learner whose outer loop is gradient descent on the meta-loss (Lesson 2, eq. 3):
    theta <- theta - beta * grad_theta sum_i task_loss_i(theta), taken by `optimizer`
    (default Adam with learning rate beta)."""

    def __init__(self, model, *, optimizer=None, beta=1e-3, loss=mse, **optimizer_options):
        super().__init__(model, loss=loss)
        self.optimizer = make_optimizer(optimizer, beta, **optimizer_options)

    def build_optimizer(self):
        """Create the optimizer's slots now, so the compiled step never creates variables
        (called once a learner's meta-parameters all exist)."""
        self.optimizer.build(self.meta_parameters)

    def outer_step(self, sx, sy, qx, qy, vectorized=True):
        """One optimizer step on the meta-gradient, guarded against non-finite values."""
        loss, grads = self.gradient_on_path(sx, sy, qx, qy, vectorized)
        return guarded_update(loss, grads, lambda: self.optimizer.apply(grads, self.meta_parameters),
                              self.meta_parameters + self.optimizer.variables)

    @property
    def beta(self):
        return float(tf.convert_to_tensor(self.optimizer.learning_rate))

    @property
    def hyperparameters(self):
        return {**super().hyperparameters, "optimizer": self.optimizer.__class__.__name__, "beta": self.beta}

    @property
    def learning_rates(self):
        return {**super().learning_rates, N_("beta (outer learning rate)"): self.beta}


class SGDAdaptation:
    """Adapts by `inner_steps` SGD steps of size alpha on the support set, from theta, the
    model's weights (Lesson 2, eq. 2): the adaptation of MAML, first-order MAML, Reptile and
    the baselines. Put it before the learner's base class: `class MAML(SGDAdaptation,
    MetaGradientLearner)`."""

    uses_alpha = True
    adapts_by_steps = True

    def __init__(self, model, *, alpha=0.01, inner_steps=1, **options):
        self.alpha = checks.positive_number("alpha", alpha)
        self.inner_steps = checks.integer("inner_steps", inner_steps, 0)
        super().__init__(model, **options)

    @property
    def hyperparameters(self):
        return {**super().hyperparameters, "alpha": self.alpha, "inner_steps": self.inner_steps}

    @property
    def learning_rates(self):
        return {N_("alpha (inner step)"): self.alpha, **super().learning_rates}

    def task_path(self, theta, sx, sy, steps, alpha):
        """phi_0 = theta, then `steps` SGD steps on the support set (Lesson 2, eq. 2)."""
        return sgd_path(self.f, theta, sx, sy, steps, alpha, self.loss_fn, second_order=False)

    def task_output(self, theta, phi, x):
        return self.f(phi, x)
