"""Few-shot language identification (Lesson 11): which of N languages, never seen in
meta-training, is a short text in? How each learner is configured and meta-trained, and the
shipped checkpoints. Nothing is published for this task: the yardstick is the n-gram baseline.

Every learner reads the same examples (tasks.Languages: 3 words of one language as 40 character
ids) through the same encoder (text_models.ngram_encoder: hashed character 1-3-grams, an MLP's
64 learned features beside 3x the n-gram features themselves); meta-training uses the 19
training languages, testing the 8 others. Budgets are CPU minutes on a 2-core laptop:
- MAML / FOMAML: the encoder with a 5-way linear head starting at zero, 5-way 1-shot tasks with
  5 queries, 1 inner step of alpha 50. From a zero head one step of cross-entropy gives class c
  the logits alpha/(NK) * z . (sum of c's support vectors - their mean over classes): a nearest
  centroid by dot product, whose sharpness alpha sets; meta-training learns the features it
  measures with. FOMAML holds the head's initial value at zero (the "zero trick" of Kao et al.
  2022, MAML is a noisy contrastive learner): without it the first-order head collapses to chance.
  At test time both take 10 steps of alpha 1: the steps after the first fit the head to the support
  set (logistic regression on the features), which the centroid of one step cannot do. Alpha 50 is
  far above a multi-step descent's stability limit (about 2 / the largest curvature of the support
  loss, 2N / mu_max, about 2.5 on one test task): its second step overshoots and 5-shot query
  accuracy falls (77.7 -> 63.6% over 10 steps on 60 test tasks; alpha 10 reaches chance by step 5,
  alpha 3 falls on training-language tasks as on test ones), while alpha 1 and 0.3 both settle at
  the same accuracy;
- ProtoNet: 600 meta-iterations of 19-way 1-shot training episodes with 15 queries (more ways than
  the test's 5, as its paper does), every training language enciphered afresh in every task, as
  the in-context learner's are. The cipher trades 1-shot for 5-shot accuracy: on the 1,000 test
  episodes per K, 600 iterations scored 60.7 / 79.8% (1 / 5-shot) without it and 58.1 / 81.2% with
  it; only the latter's 5-shot interval is more than 2 points above the n-gram baseline's (77.1).
  Each run takes about 2 minutes;
- in-context: a 2-block transformer started as a reader of the support set (learners.in_context)
  whose tokens carry the MLP's 64 learned features and whose attention also compares the n-gram
  features (compare=4096), 3,000 meta-iterations of 19-way 1-shot tasks at beta 1e-3, every
  training language enciphered afresh in every task (Languages(cipher=1), meta-augmentation).
  Without the cipher it meta-overfits the 19 training languages: in probes (100 test-language
  episodes) its accuracy peaked near 100-150 iterations (55.1% 1-shot) and fell to 52.4 / 71.1%
  (1 / 5-shot) by 600, while with the cipher it kept rising (1-shot tracking 55.1% at 100
  iterations, 59.5% at 2,100, 58.5% at 3,000: flat after about 2,000); 1,000 iterations scored
  56.4 / 78.1% on the 1,000 test episodes, 3,000 scored 58.2 / 79.6%. Training 5-way or 5-shot
  instead of 19-way 1-shot, or pooling each class's support texts, did not help in probes;
- fine-tuned: the encoder pretrained to tell the 19 training languages apart, then a fresh
  5-way head fitted to the support set;
- untrained MAML: MAML's model as built (random MLP features beside the n-gram skip, a zero head)
  with MAML's test-time rule, 10 steps of alpha 1: what the rule gives without meta-training;
- n-gram: character 1-3-gram profiles, nearest centroid by cosine, no meta-training.
"""

from pathlib import Path

import keras

from ..functional import cross_entropy
from ..learners import MAML, ProtoNet, TransferBaseline
from ..learners.in_context import InContext
from ..learners.ngram import NGramCentroid
from ..tasks.languages import TRAIN_LANGUAGES, Languages, Vocabulary, alphabet
from ..tasks.omniglot import GlobalLabels
from ..text_models import HashedNGrams, ngram_encoder
from .common import DATA, Recipe, check_name, load_shipped, narrowed

LEARNERS = ("MAML", "FOMAML", "ProtoNet", "in-context", "fine-tuned", "untrained MAML", "n-gram")
UNTRAINED = ("untrained MAML", "n-gram")  # scored as built: nothing to train or ship
PAPER = {}  # no published numbers for this task
TEST_WAYS = 5
TEST_SHOTS = (1, 5)
TEST_QUERIES = 15  # query texts per language in test episodes
WORDS = 3  # words per example (1: the hard setting)
NGRAM_BUCKETS = 4096  # hashed character 1-3-gram features of the encoder (text_models.HashedNGrams)
# meta-augmentation in training: the probability a training language is enciphered
CIPHER = {"in-context": 1.0, "ProtoNet": 1.0}

RECIPES = {
    "MAML": Recipe(meta_batch=8, ways=5, K=1, Q=5, test_steps=10, test_alpha=1.0, minutes=3, eval_every=100),
    "FOMAML": Recipe(meta_batch=8, ways=5, K=1, Q=5, test_steps=10, test_alpha=1.0, minutes=3,
                     eval_every=100),
    "ProtoNet": Recipe(meta_batch=4, ways=19, K=1, Q=15, test_steps=0, iterations=600, eval_every=50),
    "in-context": Recipe(meta_batch=8, ways=19, K=1, Q=5, test_steps=0, iterations=3000, eval_every=100),
    "fine-tuned": Recipe(meta_batch=1, ways=19, K=5, Q=5, test_steps=50, minutes=2, eval_every=200),
}


def vocab_size():
    """Character ids the encoder reads: padding, unknown, space and every letter of the 27 languages."""
    return len(Vocabulary(alphabet()))


def encoder(seed=0):
    """The encoder every learner shares: ids [40] -> the MLP's 64 learned features, beside 3 times
    the 4,096 hashed n-gram features themselves."""
    return ngram_encoder(vocab_size(), buckets=NGRAM_BUCKETS, skip=3.0, seed=seed)


def reader_encoder(seed=0):
    """The in-context learner's encoder: ids [40] -> the MLP's 64 learned features scaled to length
    8 (what its tokens carry), beside the 4,096 hashed n-gram features (what its attention
    compares: InContext(compare=4096))."""
    trunk = ngram_encoder(vocab_size(), buckets=NGRAM_BUCKETS, skip=0.0, seed=seed)
    ngrams = next(layer for layer in trunk.layers if isinstance(layer, HashedNGrams)).output
    z = keras.layers.Rescaling(8.0)(keras.layers.UnitNormalization()(trunk.output))
    return keras.Model(trunk.input, keras.layers.Concatenate()([z, ngrams]), name="reader_encoder")


class HeldAtZero(keras.constraints.Constraint):
    """Keeps a weight's meta-learned initial value at zero: the outer update is undone after
    every step, while the inner loop still adapts it from zero."""

    def __call__(self, w):
        return keras.ops.zeros_like(w)


def classifier(ways, seed=0, held_at_zero=False):
    """MAML's model: the encoder (with its skip) and a linear head to `ways` logits that starts
    at zero (held there with `held_at_zero`)."""
    trunk = encoder(seed)
    zero = {"kernel_constraint": HeldAtZero(), "bias_constraint": HeldAtZero()} if held_at_zero else {}
    head = keras.layers.Dense(ways, kernel_initializer="zeros", **zero)
    return keras.Model(trunk.input, head(trunk.output), name="ngram_classifier")


_BUILD = {  # name -> (ways, seed, overrides) -> learner
    "MAML": lambda ways, seed, o: MAML(classifier(ways, seed), **{
        "alpha": 50.0, "inner_steps": 1, "loss": cross_entropy, **o}),
    "FOMAML": lambda ways, seed, o: MAML(classifier(ways, seed, held_at_zero=True), **{
        "alpha": 50.0, "inner_steps": 1, "second_order": False, "loss": cross_entropy, **o}),
    "ProtoNet": lambda ways, seed, o: ProtoNet(encoder(seed), **o),
    "in-context": lambda ways, seed, o: InContext(reader_encoder(seed), **{
        "max_ways": len(TRAIN_LANGUAGES), "compare": NGRAM_BUCKETS, "s": 40.0, "beta": 1e-3, "seed": seed,
        **o}),
    "fine-tuned": lambda ways, seed, o: TransferBaseline(encoder(seed), **{
        "num_classes": len(TRAIN_LANGUAGES), "alpha": 0.1, **o}),
    "untrained MAML": lambda ways, seed, o: MAML(classifier(ways, seed), **{
        "alpha": RECIPES["MAML"].test_alpha, "inner_steps": RECIPES["MAML"].test_steps, "loss": cross_entropy,
        **o}),
    "n-gram": lambda ways, seed, o: NGramCentroid(**o),
}


def learner(name, *, ways=TEST_WAYS, seed=0, **overrides):
    """A fresh language learner `name` (MAML's head has `ways` outputs); `overrides` replace any
    of its settings."""
    check_name(name, LEARNERS)
    return _BUILD[name](ways, seed, overrides)


def training_tasks(name, seed=0, words=WORDS):
    """The episodes learner `name` is meta-trained on: the training languages with the recipe's
    ways, enciphered as CIPHER says (the baseline: labels over all 19 training languages)."""
    tasks = Languages("train", ways=RECIPES[check_name(name, LEARNERS)].ways, words=words, seed=seed,
                      cipher=CIPHER.get(name, 0.0))
    return GlobalLabels(tasks) if name == "fine-tuned" else tasks


def test_tasks(seed=0, words=WORDS, ways=TEST_WAYS):
    """Episodes over the 8 test languages, never seen in meta-training."""
    return Languages("test", ways=ways, words=words, seed=seed)


def checkpoint_name(name):
    return f"language_{name.lower().replace('-', '_')}_{TEST_WAYS}way.npz"


def load(name, data_dir=DATA):
    """The shipped learner `name` with its test-time settings; returns (learner, manifest)."""
    shipped = learner(check_name(name, [n for n in LEARNERS if n not in UNTRAINED]))
    manifest = load_shipped(shipped, Path(data_dir) / checkpoint_name(name))
    return shipped, manifest


def with_ways(trained, ways):
    """The learner `trained` for N-way tasks, N <= the ways it was meta-trained for
    (common.narrowed)."""
    return narrowed(trained, ways, learner)


def load_all(data_dir=DATA):
    """{name: learner} of every learner: the shipped checkpoints at their test-time settings and
    the untrained baseline as built (what the lesson and its playground compare)."""
    return {name: learner(name) if name in UNTRAINED else load(name, data_dir)[0] for name in LEARNERS}
