"""The Gaussian MLP policy of MAML's reinforcement-learning experiments (Finn et al. 2017,
section 5.3 and appendix A.2): pi_theta(a | s) = N(a; mu_theta(s), diag(sigma_theta^2)), with
mu_theta an MLP of the observation (2 hidden layers of 100 ReLU units, as in the paper) and a
learned log standard deviation that does not depend on s.

theta is a plain list of arrays [W1, b1, W2, b2, W3, b3, log_std], so an adapted phi is just
another list. Each weight may carry a leading task axis (phi_i of many tasks at once, shape
[tasks, ...]); then observations have shape [tasks, ..., obs_dim]. Two twins share that layout:
`log_prob` in TensorFlow (differentiable, for the surrogate losses) and `act` in numpy (sampling
inside `envs.navigation.rollout`, no TensorFlow call per time step).

Action scale: the authors' code wraps the environment in rllab's `normalize`, so the policy acts
in [-1, 1] and the environment receives 0.1 times that. We keep the environment as it is and
put the factor in the policy instead: a = c * u with u ~ N(mu_theta(s), sigma_theta^2) and
c = `action_scale` (0.1, the maximal speed), so an initial sigma of 1 explores the whole speed
range as in the paper. (pytorch-maml-rl uses c = 1 with the same initial sigma: nearly every
action is then clipped.)
"""

import math

import numpy as np
import tensorflow as tf

from .. import checks
from ..envs.navigation import MAX_SPEED
from ..i18n import _

ACTIVATIONS = {"relu": (tf.nn.relu, lambda x: np.maximum(x, 0)), "tanh": (tf.tanh, np.tanh)}


class GaussianMLPPolicy:
    """`GaussianMLPPolicy(obs_dim=2, action_dim=2, hidden=(100, 100), activation="relu",
    init_std=1.0, action_scale=0.1, dtype="float32")`. It holds the architecture only; the
    weights theta are the list `initial_params(seed)` returns (Glorot-uniform kernels, zero
    biases, log_std = log(init_std), as in rllab and pytorch-maml-rl)."""

    def __init__(self, obs_dim=2, action_dim=2, hidden=(100, 100), activation="relu", init_std=1.0,
                 action_scale=MAX_SPEED, dtype="float32"):
        self.obs_dim = checks.integer("obs_dim", obs_dim, 1)
        self.action_dim = checks.integer("action_dim", action_dim, 1)
        if isinstance(hidden, int | str) or not hidden:
            raise TypeError(_("hidden must be a non-empty sequence of layer widths, e.g. (100, 100), got "
                              "{hidden!r}", hidden=hidden))
        self.hidden = tuple(checks.integer("hidden", h, 1) for h in hidden)
        if activation not in ACTIVATIONS:
            raise ValueError(_("activation must be one of {activations}, got {activation!r}",
                               activations=sorted(ACTIVATIONS), activation=activation))
        self.activation = activation
        self.init_std = checks.positive_number("init_std", init_std)
        self.action_scale = checks.positive_number("action_scale", action_scale)
        if dtype not in ("float32", "float64"):
            raise ValueError(_("dtype must be 'float32' or 'float64', got {dtype!r}", dtype=dtype))
        self.dtype = dtype

    @property
    def config(self):
        return {"hidden": list(self.hidden), "activation": self.activation, "init_std": self.init_std,
                "action_scale": self.action_scale}

    @property
    def shapes(self):
        """The shapes of [W1, b1, ..., W_out, b_out, log_std]."""
        widths = (self.obs_dim, *self.hidden, self.action_dim)
        layers = [[(a, b), (b,)] for a, b in zip(widths[:-1], widths[1:], strict=True)]
        return [shape for layer in layers for shape in layer] + [(self.action_dim,)]

    def initial_params(self, seed=0):
        """A fresh theta as a list of numpy arrays."""
        rng = np.random.default_rng(seed)
        params = []
        for shape in self.shapes[:-1]:
            if len(shape) == 2:
                limit = math.sqrt(6.0 / sum(shape))
                params.append(rng.uniform(-limit, limit, shape))
            else:
                params.append(np.zeros(shape))
        params.append(np.full(self.shapes[-1], math.log(self.init_std)))
        return [p.astype(self.dtype) for p in params]

    def check_params(self, params):
        """params must be the policy's weights, all with the same leading task axis or none."""
        if len(params) != len(self.shapes):
            raise ValueError(_("params must be a list of {count} weights {shapes}, got {got}",
                               count=len(self.shapes), shapes=self.shapes, got=len(params)))
        pairs = list(zip(params, self.shapes, strict=True))
        leading = {tuple(p.shape[:len(p.shape) - len(s)]) for p, s in pairs}
        if len(leading) != 1 or len(next(iter(leading))) > 1 or any(
                tuple(p.shape[len(p.shape) - len(s):]) != s for p, s in pairs):
            raise ValueError(_("params must have shapes {shapes}, each with the same optional leading task "
                               "axis, got {got}", shapes=self.shapes, got=[tuple(p.shape) for p in params]))

    # --- TensorFlow (differentiable) -------------------------------------------------------
    def mean(self, params, obs):
        """mu_theta(s) in action units (before the action scale c): [..., action_dim]."""
        act = ACTIVATIONS[self.activation][0]
        h = obs
        *layers, _log_std = params
        for i in range(0, len(layers), 2):
            W, b = layers[i], layers[i + 1]
            h = tf.matmul(h, W) + (b[:, None, :] if len(b.shape) == 2 else b)
            if i + 2 < len(layers):
                h = act(h)
        return h

    def log_prob(self, params, obs, actions):
        """log pi_theta(a | s) of actions a in environment units (as `rollout` records them,
        before clipping): the diagonal Gaussian with mean c * mu_theta(s) and standard deviation
        c * exp(log_std), summed over the action dimensions. obs [..., obs_dim], actions
        [..., action_dim] -> [...]; with per-task params, obs is [tasks, points, obs_dim]."""
        log_std = params[-1]
        if len(log_std.shape) == 2:
            log_std = log_std[:, None, :]
        z = (actions / self.action_scale - self.mean(params, obs)) * tf.exp(-log_std)
        constant = math.log(self.action_scale) + 0.5 * math.log(2 * math.pi)
        log_density = -0.5 * tf.square(z) - log_std - constant
        return tf.reduce_sum(log_density, axis=-1)

    # --- numpy (sampling) --------------------------------------------------------------------
    def mean_numpy(self, params, obs):
        """mu_theta(s) as `mean`, with numpy arrays."""
        act = ACTIVATIONS[self.activation][1]
        h = obs
        *layers, _log_std = params
        for i in range(0, len(layers), 2):
            W, b = layers[i], layers[i + 1]
            h = np.matmul(h, W) + (b[:, None, :] if b.ndim == 2 else b)
            if i + 2 < len(layers):
                h = act(h)
        return h

    def act(self, params, obs, rng):
        """Sample a ~ pi_theta(. | s) with numpy: obs [tasks, trajectories, obs_dim] (params
        shared or per task) -> actions of the same leading shape, in environment units."""
        log_std = params[-1]
        if log_std.ndim == 2:
            log_std = log_std[:, None, :]
        noise = rng.standard_normal((*obs.shape[:-1], self.action_dim)).astype(obs.dtype)
        return self.action_scale * (self.mean_numpy(params, obs) + np.exp(log_std) * noise)

    def sampler(self, params, rng):
        """`act` with the weights bound: the `act` argument of `envs.navigation.rollout`."""
        params = [np.asarray(p, dtype=np.float32) for p in params]
        self.check_params(params)
        return lambda obs: self.act(params, obs, rng)
