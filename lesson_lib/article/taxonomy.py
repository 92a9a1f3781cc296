"""The standard taxonomy of meta-learning (Hospedales et al. 2021; Finn's thesis; Stanford CS330),
which the article muddles by calling MAML "model-based" (Lesson 8), and where the kit teaches each
of its learners."""

import re

from IPython.display import Markdown

from ..i18n import N_, _, translate

FAMILIES = {
    N_("optimization-based (基于优化的元学习)"): N_(
        "adaptation is an optimisation: a few gradient steps from a learned start (MAML, FOMAML, Reptile) or "
        "a learned update rule (Meta-LSTM); Meta-SGD and MAML++ learn the step sizes too"),
    N_("model-based / black-box (基于模型的元学习)"): N_(
        "a network maps the task's examples to the answer or to weights in a forward pass (CNP, MANN, SNAIL, "
        "hypernetworks, in-context learning)"),
    N_("metric-based"): N_(
        "compare embeddings of the query with embeddings of the support set (ProtoNet, matching networks)"),
    N_("not meta-learning"): N_(
        "SGD on the task alone from random weights, a fixed rule on the task alone (the n-gram centroid), or "
        "transfer learning (迁移学习): train on everything, fine-tune on the new task"),
}
_OPT, _MODEL, _METRIC, _NONE = FAMILIES

# (kit learner class, the name the lessons use, its family, the lesson that teaches it)
LEARNERS = (
    ("MAML", "MAML", _OPT, "[Lesson 2](02_maml.ipynb)"),
    ("MAML", "FOMAML (second_order=False)", _OPT, "[Lesson 2](02_maml.ipynb)"),
    ("Reptile", "Reptile", _OPT, "[Lesson 3](03_reptile.ipynb)"),
    ("MetaLSTM", "Meta-LSTM", _OPT, "[Lesson 4](04_meta_lstm.ipynb)"),
    ("MetaSGD", "Meta-SGD", _OPT, "[Lesson 9](09_beyond_maml.ipynb)"),
    ("MAMLPlus", "MAML++", _OPT, "[Lesson 9](09_beyond_maml.ipynb)"),
    ("CNP", "CNP", _MODEL, "[Lesson 5](05_everything_is_a_mapping.ipynb)"),
    ("HyperNetwork", N_("hypernetwork"), _MODEL, "[Lesson 9](09_beyond_maml.ipynb)"),
    ("InContext", N_("in-context transformer"), _MODEL, "[Lesson 11](11_new_languages.ipynb)"),
    ("ProtoNet", "ProtoNet", _METRIC, "[Lesson 7](07_few_shot_omniglot.ipynb)"),
    ("Scratch", N_("from scratch"), _NONE, "[Lesson 0](00_welcome.ipynb)"),
    ("Pretrained", N_("pretrained baseline"), _NONE, "[Lesson 1](01_transfer_vs_meta.ipynb)"),
    ("TransferBaseline", N_("fine-tuned baseline"), _NONE, "[Lesson 7](07_few_shot_omniglot.ipynb)"),
    ("NGramCentroid", N_("n-gram nearest centroid"), _NONE, "[Lesson 11](11_new_languages.ipynb)"),
)


def _lesson_link(lesson):
    """A lesson link such as "[Lesson 2](02_maml.ipynb)", in the student's language."""
    number, notebook = re.fullmatch(r"\[Lesson (\d+)\]\((.+)\)", lesson).groups()
    return _("[Lesson {number}]({notebook})", number=number, notebook=notebook)


def taxonomy_table():
    """The kit's learners by family, as a Markdown table for a lesson."""
    rows = [_("| family | what adapts to a new task | the kit's learners (lesson) |"), "| --- | --- | --- |"]
    for family, what in FAMILIES.items():
        names = ", ".join(f"{translate(name)} ({_lesson_link(lesson)})"
                          for _cls, name, fam, lesson in LEARNERS if fam == family)
        rows.append(f"| {translate(family)} | {translate(what)} | {names} |")
    return Markdown("\n".join(rows))
