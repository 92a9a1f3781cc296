"""In-context learning as black-box meta-learning (Lesson 11): a small transformer reads a
task's labelled support examples and a query, and gives the query's label in one forward pass.
No weight changes at test time: the "learning" happens in the activations, as in the CNP of
Lesson 5 (Garnelo et al. 2018) and SNAIL (Mishra et al. 2018), and as in a language model that
answers a few-shot prompt ("Language Models are Few-Shot Learners", Brown et al. 2020). Here
the transformer is meta-trained on few-shot tasks, end to end, on the query cross-entropy.

Tokens. An encoder e maps each example to a vector of width d_e. A support example's token
appends the vector of its label; a query's token appends the vector of "?" (label unknown):

    s_k = [e(x_k), L[y_k]]            q_j = [e(x*_j), L[?]]          (width d = d_e + d_L)

L holds `max_ways` label vectors and one "?" vector of width d_L (`label_width`), learned.
Appended rather than added, the label never blurs the example: attention can compare texts
by their first d_e numbers alone (added, a text's similarity to the support was lost under the
random label vectors and training stayed at chance on languages). Which label vector a class gets
is arbitrary (class 0 of one task has nothing to do with class 0 of the next), so the
transformer can only answer by matching a query to the support examples it resembles and
reading their label: in-context learning.

Blocks. `blocks` times, a pre-norm residual block (Vaswani et al. 2017; Xiong et al. 2020)
runs over the sequence [s_1..s_S, q_1..q_Q]:

    h <- h + Attention(LN(h), mask)      h <- h + W2 relu(W1 LN(h) + b1) + b2

with `heads` heads of scaled dot-product attention, softmax(q k^T / sqrt(d_h) + mask) v. The mask
lets every token see the support set only, never a query (not even itself): each query is
answered on its own, all in parallel, from what the support set says, and the support set's
order does not matter (no positions; tests check both).

Comparing. With `compare` = m, the encoder's last m numbers c(x) are not carried in the tokens
but compared: head h's scores gain s_h c(x_i)^T c(x_j), a learned scale s_h (starting at `s`)
times their dot product. It is attention whose W_q and W_k are block-diagonal, learned on the
tokens and s_h I on c, without the m x m matrices a full W_q would need: on languages c is the
4,096 hashed n-gram features (the skip every other learner keeps), so attention compares texts
by their n-grams as well as by the learned features, and languages never seen in meta-training
keep the n-gram evidence.

Output. A query's logits are its final vector's dot products with the task's N label vectors,
logits_c = LN(h_j)^T W_out L[c], c = 1..N (W_out: d x d_L): any N up to `max_ways` (only the
label vectors that training used are meaningful: a model trained 5-way has learned nothing
about L[6..]).

Start. With `reader_start` (the default) each block begins as a reader of the support set:
W_q = W_k = I (attention weighs support tokens by their similarity to the query), W_v = W_o = I
(what it reads is their label part), W_out = [0; 0.3 I] (the answer is the label read), and the
"?" vector L[?] = 0 (a query holds no label of its own, so no class starts favoured). From
random weights (`reader_start=False`; W_out then starts small so the first logits are near 0,
not saturated) the transformer sat at chance for 1,500 meta-iterations on languages (the
plateau before in-context learning emerges, Chan et al. 2022); started as a reader it left
chance within 200.
"""

import keras
import numpy as np
import tensorflow as tf

from .. import checks
from ..functional import cross_entropy
from ..i18n import _
from .base import MetaGradientLearner

BLOCK = ("ln1_gamma", "ln1_beta", "W_q", "W_k", "W_v", "W_o", "ln2_gamma", "ln2_beta", "W_1", "b_1", "W_2",
         "b_2")  # the weights of one block, in the order of `InContext.variables`


def layer_norm(h, gamma, beta, epsilon=1e-5):
    """LN(h) = gamma (h - mean) / sqrt(var + epsilon) + beta, over the last axis."""
    mean, variance = tf.nn.moments(h, axes=[-1], keepdims=True)
    return gamma * (h - mean) / tf.sqrt(variance + epsilon) + beta


def visibility(support, queries):
    """The attention mask [n, n], n = support + queries: True where token i may read token j
    (j in the support set)."""
    n = support + queries
    return tf.broadcast_to(tf.range(n)[None, :] < support, [n, n])


def attention(h, mask, W_q, W_k, W_v, W_o, heads, similarity=None, s=None):
    """Multi-head scaled dot-product attention of the tokens h [n, d] under `mask` [n, n]; with
    `similarity` [n, n] (the compared features' dot products), head h's scores add s[h] times it."""
    n, d = tf.shape(h)[0], h.shape[-1]

    def split(W):  # [n, d] -> [heads, n, d / heads]
        return tf.transpose(tf.reshape(h @ W, [n, heads, d // heads]), [1, 0, 2])

    q, k, v = split(W_q), split(W_k), split(W_v)
    scores = tf.einsum("hid,hjd->hij", q, k) / tf.sqrt(tf.cast(d // heads, h.dtype))
    if similarity is not None:
        scores += s[:, None, None] * similarity[None]
    scores = tf.where(mask[None], scores, tf.cast(-1e9, h.dtype))
    out = tf.einsum("hij,hjd->hid", tf.nn.softmax(scores, axis=-1), v)
    return tf.reshape(tf.transpose(out, [1, 0, 2]), [n, d]) @ W_o


def block(h, mask, weights, heads, similarity=None):
    """One pre-norm residual block: attention, then a two-layer MLP (with `similarity`, the
    block's weights end with s, the heads' scales of it)."""
    w = dict(zip(BLOCK + ("s",) * (similarity is not None), weights, strict=True))
    h = h + attention(layer_norm(h, w["ln1_gamma"], w["ln1_beta"]), mask, w["W_q"], w["W_k"], w["W_v"],
                      w["W_o"], heads, similarity, w.get("s"))
    hidden = tf.nn.relu(layer_norm(h, w["ln2_gamma"], w["ln2_beta"]) @ w["W_1"] + w["b_1"])
    return h + hidden @ w["W_2"] + w["b_2"]


class InContext(MetaGradientLearner):
    """`InContext(encoder, max_ways=20, blocks=2, heads=4, label_width=16, compare=0)`: `encoder` is
    any Keras model mapping an example to a vector; its last `compare` numbers are compared, not
    carried (see Comparing, above); the rest plus `label_width` must be divisible by `heads`;
    labels one-hot."""

    name = "in-context"
    fixed_ways = None  # label vectors per task: any number of ways up to max_ways

    def __init__(self, encoder, *, max_ways=20, blocks=2, heads=4, label_width=16, compare=0, s=20.0,
                 reader_start=True, seed=0, optimizer=None, beta=1e-3, loss=cross_entropy):
        super().__init__(encoder, optimizer=optimizer, beta=beta, loss=loss)
        self.max_ways = checks.integer("max_ways", max_ways, 2)
        self.blocks = checks.integer("blocks", blocks, 1)
        self.heads = checks.integer("heads", heads, 1)
        self.label_width = checks.integer("label_width", label_width, 1)
        self.reader_start = bool(reader_start)
        width = int(encoder.output_shape[-1])
        self.compare = checks.integer("compare", compare, 0)
        if self.compare >= width:
            raise ValueError(_("compare must be below the encoder's output width {width}, got {compare!r}",
                               width=width, compare=compare))
        self.s = checks.positive_number("s", s) if self.compare else None
        d = width - self.compare + self.label_width
        if d % self.heads:
            raise ValueError(_("heads must divide the token width {d} (the encoder's output width minus "
                               "compare, plus label_width), got {heads!r}", d=d, heads=heads))
        rng = np.random.default_rng(checks.integer("seed", seed, 0))
        dtype = self.dtype

        def normal(scale):  # a fill drawing N(0, scale^2) from the learner's seed
            return lambda shape: rng.normal(0.0, scale, shape)

        def weight(name, shape, fill):
            return keras.Variable(np.asarray(fill(shape), dtype=dtype), name=name)

        def eye(scale):  # scale * I
            return lambda shape: scale * np.eye(*shape)

        def label_rows(scale):  # W_out reading the label part of a token: [0; scale * I]
            return lambda shape: np.concatenate([np.zeros((shape[0] - shape[1], shape[1])),
                                                 scale * np.eye(shape[1])])

        ones, zeros = np.ones, np.zeros
        random = {"W_q": normal(d ** -0.5), "W_k": normal(d ** -0.5), "W_v": normal(d ** -0.5),
                  "W_o": normal((2 * d) ** -0.5)}
        reader = {"W_q": eye(1.0), "W_k": eye(1.0), "W_v": eye(1.0), "W_o": eye(1.0)}
        reader = reader if reader_start else random
        init = {"ln1_gamma": ((d,), ones), "ln1_beta": ((d,), zeros),
                **{name: ((d, d), fill) for name, fill in reader.items()}, "ln2_gamma": ((d,), ones),
                "ln2_beta": ((d,), zeros),
                "W_1": ((d, 2 * d), normal(d ** -0.5)), "b_1": ((2 * d,), zeros),
                "W_2": ((2 * d, d), normal((4 * d) ** -0.5)), "b_2": ((d,), zeros)}
        L = normal(1.0)((self.max_ways + 1, self.label_width))
        if reader_start:
            L[self.max_ways] = 0.0  # "?" starts as no label: the query's answer is only what it reads
        self.variables = [weight("L", L.shape, lambda shape: L)]
        if self.compare:
            init["s"] = ((self.heads,), lambda shape: np.full(shape, self.s))
        for b in range(self.blocks):
            self.variables += [weight(f"block{b}_{name}", *init[name]) for name in self.block_names]
        self.variables += [weight("ln_out_gamma", (d,), ones), weight("ln_out_beta", (d,), zeros),
                           weight("W_out", (d, self.label_width),
                                  label_rows(0.3) if reader_start else normal(0.1 * d ** -0.5))]
        self.build_optimizer()

    @property
    def block_names(self):
        """The names of one block's weights, in order."""
        return BLOCK + ("s",) * bool(self.compare)

    @property
    def meta_parameters(self):
        return self.f.variables + self.variables

    def state_groups(self):
        return {**super().state_groups(), "transformer": self.variables}

    @property
    def hyperparameters(self):
        return {"max_ways": self.max_ways, "blocks": self.blocks, "heads": self.heads,
                "label_width": self.label_width, "compare": self.compare,
                "s": self.s, "reader_start": self.reader_start,
                **super().hyperparameters}

    def _split(self, params):
        """(encoder weights, L, [block weights] per block, (ln_out_gamma, ln_out_beta, W_out))."""
        n = len(self.f.variables)
        encoder, L, rest = params[:n], params[n], params[n + 1:]
        size = len(self.block_names)
        blocks = [rest[b * size:(b + 1) * size] for b in range(self.blocks)]
        return encoder, L, blocks, rest[self.blocks * size:]

    def task_path(self, params, sx, sy, steps, alpha):
        """The support tokens s_k = [e(x_k), L[y_k]] and the task's label vectors L[1..N], the same at
        every 'step': adaptation is one forward pass."""
        ways = sy.shape[-1]  # None when a graph was traced for any number of ways
        if ways is not None and ways > self.max_ways:
            raise ValueError(_("the task has {ways} ways, more than max_ways = {max_ways}: build the "
                               "learner with max_ways >= {ways}", ways=ways, max_ways=self.max_ways))
        encoder, L = self._split(params)[:2]
        labels = L[:tf.shape(sy)[-1]]
        e, compared = self._encode(encoder, sx)
        tokens = tf.concat([e, sy @ labels], axis=-1)
        for _step in range(steps + 1):
            yield tokens, compared, labels

    def _encode(self, encoder, x):
        """(the carried numbers [n, width - compare], the compared ones [n, compare] or None)."""
        z = self.f(encoder, x)
        if not self.compare:
            return z, None
        return z[:, :-self.compare], z[:, -self.compare:]

    def task_output(self, params, state, x):
        """Logits [Q, N]: the queries' tokens read the support tokens through the blocks."""
        support, support_compared, labels = state
        encoder, L, blocks, (gamma, beta, W_out) = self._split(params)
        e, compared = self._encode(encoder, x)
        queries = tf.concat([e, tf.broadcast_to(L[self.max_ways], [tf.shape(e)[0], self.label_width])],
                            axis=-1)
        h = tf.concat([support, queries], axis=0)
        mask = visibility(tf.shape(support)[0], tf.shape(queries)[0])
        similarity = None
        if self.compare:
            c = tf.concat([support_compared, compared], axis=0)
            similarity = c @ tf.transpose(c)
        for weights in blocks:
            h = block(h, mask, weights, self.heads, similarity)
        answers = layer_norm(h[tf.shape(support)[0]:], gamma, beta)
        return answers @ W_out @ tf.transpose(labels)

    def task_loss(self, params, sx, sy, qx, qy):
        *_earlier, state = self.task_path(params, sx, sy, 0, None)
        return self.loss_fn(qy, self.task_output(params, state, qx))
