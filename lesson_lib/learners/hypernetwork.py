"""A hypernetwork learner: the task's few examples mapped to the *weights* of the task's model
(Lesson 5, "everything is a mapping"; the task -> weights mapping).

A hypernetwork is a network that outputs the weights of another network (Ha, Dai, Le 2016,
"HyperNetworks", arXiv:1609.09106). Used for few-shot learning, it reads a task's support set
and writes the weights of a small model for that task, in one forward pass and with no gradient
steps at test time (the family of Bertinetto et al. 2016, "Learning feed-forward one-shot
learners", and of LEO, Rusu et al. 2019, "Meta-Learning with Latent Embedding Optimization",
whose decoder maps a task code to classifier weights). Here:

    r     = (1/K) sum_k h_phi([x_k, y_k])       encode each support pair, average (as the CNP)
    w_T   = g_psi(r)                             generate the task's weights (the last layers)
    y*    = f(x*; theta, w_T)                    run the target network at each query input

f is a small ReLU MLP (the paper's 1-40-40-1 by default); its first layers theta are shared by
every task and meta-learned, its last `generated_layers` layers w_T are generated per task.
h_phi, g_psi and theta are meta-trained end to end on the query loss,
min_{phi, psi, theta} sum_i L_query_i(f(.; theta, g_psi(r_i))), with Adam at rate beta.

Contrast with the CNP (mapping.py), which maps (r, x*) straight to the prediction: here the
support set decides a whole function f(.; theta, w_T) that can then be read, plotted, or run on
any x without the support set. The mean makes the learner invariant to the order of the
support points (tests check it). The generator's output bias starts at the target network's
usual (Glorot) initial weights, so an untrained hypernetwork writes an ordinary initialised
network (Chang et al. 2020, "Principled weight initialization for hypernetworks", on why
the scale of generated weights matters).
"""

import numpy as np
import tensorflow as tf

from .. import checks
from ..functional import FunctionalModel, mse
from ..i18n import _
from ..models import mlp
from .base import MetaGradientLearner
from .mapping import aggregate


class HyperNetwork(MetaGradientLearner):
    """`HyperNetwork(width=128, target_hidden=(40, 40), generated_layers=1)`: the support set's
    summary r generates the last `generated_layers` Dense layers of the target MLP
    1-`target_hidden`-1; give your own Keras `encoder` (pairs [x, y] -> width) to replace h."""

    name = "HyperNetwork"

    def __init__(self, *, x_dim=1, y_dim=1, width=128, depth=2, target_hidden=(40, 40), generated_layers=1,
                 encoder=None, generator_scale=0.1, seed=0, dtype="float32", optimizer=None, beta=1e-3,
                 loss=mse):
        checks.integer("width", width, 1)
        checks.integer("depth", depth, 1)
        checks.integer("seed", seed, 0)
        if isinstance(target_hidden, (int, np.integer)) or not all(
                isinstance(h, (int, np.integer)) for h in tuple(target_hidden)):
            raise TypeError(_("target_hidden must be a tuple of layer widths, e.g. (40, 40), got "
                              "{target_hidden!r}", target_hidden=target_hidden))
        target_hidden = tuple(int(h) for h in target_hidden)
        checks.integer("generated_layers", generated_layers, 1, len(target_hidden) + 1)
        self.generator_scale = checks.positive_number("generator_scale", generator_scale)
        target = mlp(input_dim=x_dim, hidden=target_hidden, output_dim=y_dim, seed=seed, dtype=dtype)
        super().__init__(target, optimizer=optimizer, beta=beta, loss=loss)
        if encoder is None:
            encoder = mlp(input_dim=x_dim + y_dim, hidden=(width,) * (depth - 1), output_dim=width,
                          seed=seed + 100, dtype=dtype)
        self.encoder = FunctionalModel(encoder)
        self.width, self.depth = width, depth
        self.target_hidden, self.generated_layers = target_hidden, generated_layers
        split = len(self.f.variables) - 2 * generated_layers  # each Dense layer: kernel, bias
        self.shared, self.generated = self.f.variables[:split], self.f.variables[split:]
        self.generated_shapes = [tuple(v.shape) for v in self.generated]
        self.generated_sizes = [int(np.prod(s)) for s in self.generated_shapes]
        generator = mlp(input_dim=int(encoder.output_shape[-1]), hidden=(width,) * (depth - 1),
                        output_dim=sum(self.generated_sizes), seed=seed + 200, dtype=dtype)
        kernel, bias = generator.layers[-1].kernel, generator.layers[-1].bias
        kernel.assign(generator_scale * kernel)  # small task-dependent part at the start ...
        bias.assign(tf.concat([tf.reshape(v, [-1]) for v in self.generated], 0))  # ... around Glorot weights
        self.generator = FunctionalModel(generator)
        self.build_optimizer()

    # --- meta-parameters: [h's weights phi, g's weights psi, the shared target layers theta] ---
    @property
    def meta_parameters(self):
        return self.encoder.variables + self.generator.variables + self.shared

    def _split(self, params):
        a = len(self.encoder.variables)
        b = a + len(self.generator.variables)
        return params[:a], params[a:b], params[b:]

    def state_groups(self):
        return {"encoder": self.encoder.model.weights, "generator": self.generator.model.weights,
                "target": self.shared}

    @property
    def generated_count(self):
        """How many numbers the generator writes per task (the size of w_T)."""
        return sum(self.generated_sizes)

    @property
    def hyperparameters(self):
        return {"width": self.width, "depth": self.depth, "target_hidden": list(self.target_hidden),
                "generated_layers": self.generated_layers, "generated_weights": self.generated_count,
                "generator_scale": self.generator_scale, **super().hyperparameters}

    # --- the three per-task functions ----------------------------------------------------
    def generate(self, params, sx, sy):
        """w_T = g_psi(r), r = (1/K) sum_k h_phi([x_k, y_k]): the generated layers' weights, a list
        of tensors with the target network's shapes (kernel [in, out], bias [out], ...)."""
        phi, psi, _theta = self._split(params)
        r = aggregate(lambda pairs: self.encoder(phi, pairs), sx, sy)
        flat = self.generator(psi, r[None, :])[0]
        return [tf.reshape(part, shape) for part, shape in
                zip(tf.split(flat, self.generated_sizes), self.generated_shapes, strict=True)]

    def task_path(self, params, sx, sy, steps, alpha):
        """The generated weights w_T, the same at every 'step': adaptation is one forward pass."""
        w = self.generate(params, sx, sy)
        for _step in range(steps + 1):
            yield w

    def task_output(self, params, w, x):
        """y* = f(x*; theta, w_T): the target network with the shared layers and the generated ones."""
        *_generator, theta = self._split(params)
        return self.f(list(theta) + list(w), x)

    def task_loss(self, params, sx, sy, qx, qy):
        *_earlier, w = self.task_path(params, sx, sy, 0, None)
        return self.loss_fn(qy, self.task_output(params, w, qx))
