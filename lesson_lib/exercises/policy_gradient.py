"""Exercises: the reward-to-go of a trajectory and the REINFORCE loss, the two pieces of MAML's
inner step for policy gradients (2D navigation, lesson_lib.rl). The references are the kit's own:
`envs.navigation.Rollouts.discounted_returns` and the surrogate of `rl.maml_rl.MAMLRL`."""

import numpy as np

from ..envs.navigation import Rollouts
from ..i18n import N_, _
from .compare import close, largest_difference, one_array
from .feedback import call, checker, wrong


def reference_rewards_to_go(rewards, gamma):
    """G_t = sum_{k >= t} gamma^(k - t) r_k for rewards [H, n] (time first): the kit's
    Rollouts.discounted_returns on these rewards, every step alive."""
    rewards = np.asarray(rewards, np.float64)
    alive = np.ones_like(rewards)
    empty = np.zeros((*rewards.shape, 2))
    return Rollouts(empty, empty, rewards, alive).discounted_returns(gamma)


def _to_go_mistakes(rewards, gamma):
    """[(what a typical mistake returns, its sentence)], in the order they are said."""
    H = len(rewards)
    power = gamma ** np.arange(H)[:, None]
    want = reference_rewards_to_go(rewards, gamma)
    return [
        (reference_rewards_to_go(rewards, 1.0),
         _("the rewards are not discounted: each later reward r_k counts gamma^(k - t) times, not once")),
        (np.cumsum((power * rewards)[::-1], axis=0)[::-1],
         _("the discount counts from the episode's start (gamma^k r_k): count from step t, gamma^(k - t), so "
           "that the first reward after t is not discounted")),
        (want - rewards,
         _("r_t itself is missing: the reward-to-go at t starts with the reward of step t, G_t = r_t + "
           "gamma G_(t+1)")),
        (np.cumsum(rewards * power, axis=0) / power,
         _("this sums the rewards before t (a running total from the start): sum the rewards from t to the "
           "end, running backwards in time")),
        (np.broadcast_to(want[:1], want.shape),
         _("every step got the whole trajectory's return G_0: each step t gets only the rewards from t on "
           "(what came before its action cannot be its doing)")),
        (np.broadcast_to(want.mean(axis=1, keepdims=True), want.shape),
         _("the trajectories were averaged together: compute each trajectory's (each column's) reward-to-go "
           "on its own")),
    ]


@checker(N_("the reward-to-go"))
def check_rewards_to_go(rewards_to_go):
    """rewards_to_go(rewards [H, n], gamma) -> [H, n]: for each of n trajectories (columns) and each
    step t, G_t = sum_{k >= t} gamma^(k - t) r_k."""
    rng = np.random.default_rng(5)
    cases = [(-rng.uniform(0, 1, (6, 3)), 0.9), (rng.normal(size=(5, 2)), 0.5),
             (-rng.uniform(0, 1, (4, 4)), 1.0)]
    for rewards, gamma in cases:
        kept = rewards.copy()
        out = one_array(call(rewards_to_go, rewards, gamma), _("the rewards-to-go [H, n]"), sequences=False,
                        scalars=False)
        if not close(rewards, kept):
            wrong(_("your function changed the rewards it was given: write the sums into a new array"))
        want = reference_rewards_to_go(rewards, gamma)
        if out.shape != want.shape:
            if out.shape == want.shape[1:]:
                wrong(_("return one value per step and trajectory, shape [H, n] = {want}; got {got} (one "
                        "number per trajectory)", want=want.shape, got=out.shape))
            if out.shape == want.shape[:1]:
                wrong(_("return one value per step and trajectory, shape [H, n] = {want}; got {got} (one "
                        "number per step)", want=want.shape, got=out.shape))
            wrong(_("return the rewards-to-go with the rewards' shape [H, n] = {want}; got {got}",
                    want=want.shape, got=out.shape))
        if close(out, want):
            continue
        for mistake, sentence in _to_go_mistakes(rewards, gamma):
            if close(out, mistake):
                wrong(sentence)
        wrong(_("the rewards-to-go differ (largest difference {difference:.3g} with H = {H}, gamma = "
                "{gamma:g}): G_t = r_t + gamma G_(t+1), G_H-1 = r_H-1",
                difference=largest_difference(out, want), H=len(rewards), gamma=gamma))
    return _("correct: each step's reward-to-go, the discounted rewards from that step on, computed "
             "backwards as G_t = r_t + gamma G_(t+1)")


def reference_reinforce_loss(log_probs, advantages, mask):
    """L = -sum_t,n mask log pi(a|s) A / sum_t,n mask (the surrogate of rl.maml_rl.MAMLRL)."""
    log_probs, advantages, mask = (np.asarray(a, np.float64) for a in (log_probs, advantages, mask))
    return -np.sum(mask * log_probs * advantages) / max(np.sum(mask), 1.0)


@checker(N_("the REINFORCE loss"))
def check_reinforce_loss(reinforce_loss):
    """reinforce_loss(log_probs [H, n], advantages [H, n], mask [H, n]) -> a number: minus the mean,
    over the steps still alive (mask 1), of log pi(a_t|s_t) times the advantage A_t."""
    rng = np.random.default_rng(8)
    cases = []
    for H, n, ends in ((6, 3, (6, 2, 4)), (5, 2, (5, 5)), (7, 4, (1, 7, 3, 5))):
        mask = (np.arange(H)[:, None] < np.array(ends)[None, :]).astype(np.float64)
        cases.append((rng.normal(-1, 0.5, (H, n)), rng.normal(size=(H, n)) * mask, mask))
    cases[0][1][:] = cases[0][1] + 0.3 * (1 - cases[0][2])  # advantages after an episode's end are not 0 here
    for log_probs, advantages, mask in cases:
        kept = [a.copy() for a in (log_probs, advantages, mask)]
        out = one_array(call(reinforce_loss, log_probs, advantages, mask), _("the loss (one number)"))
        if not all(close(a, k) for a, k in zip((log_probs, advantages, mask), kept, strict=True)):
            wrong(_("your function changed the arrays it was given: compute new arrays instead"))
        if out.size != 1:
            wrong(_("return one number, the loss averaged over the alive steps; got shape {shape}",
                    shape=out.shape))
        out = float(out.reshape(()))
        want = reference_reinforce_loss(log_probs, advantages, mask)
        if np.isclose(out, want, rtol=1e-6, atol=1e-9):
            continue
        live = mask.sum()
        mistakes = [
            (-want, _("the sign is wrong: the loss is MINUS log pi times the advantage, so that a gradient "
                      "step down the loss makes better-than-expected actions more likely")),
            (-np.sum(mask * log_probs * advantages) / mask.size,
             _("the mean is over every step, those after an episode ended too: divide by the number of alive "
               "steps, the sum of the mask")),
            (-np.sum(log_probs * advantages) / live,
             _("the steps after an episode ended count in the sum: multiply by the mask before summing")),
            (-np.mean(log_probs * advantages),
             _("the mask is ignored: multiply by it and divide by its sum (only alive steps count)")),
            (-np.sum(mask * log_probs * advantages),
             _("this is the sum: divide by the number of alive steps (the sum of the mask)")),
            (-np.sum(mask * log_probs * advantages) / mask.shape[1],
             _("this divides by the number of trajectories only: divide by the number of alive steps (the "
               "sum of the mask), as the kit does")),
            (-np.sum(mask * np.exp(log_probs) * advantages) / live,
             _("these are probabilities, not log-probabilities: the gradient of log pi is what REINFORCE "
               "uses")),
        ]
        for value, sentence in mistakes:
            if np.isclose(out, value, rtol=1e-6, atol=1e-9):
                wrong(sentence)
        wrong(_("the loss differs: you returned {out:.6g}, the loss is {want:.6g}, -sum(mask * log_probs * "
                "advantages) / sum(mask)", out=out, want=want))
    return _("correct: minus the mean of log pi(a|s) times the advantage over the alive steps; its gradient "
             "is the policy gradient MAML's inner step follows")
