"""The policy-gradient exercise checkers (reward-to-go, REINFORCE loss): the reference passes, the
stub is "not yet implemented", each planted wrong answer is caught with its sentence, and a crash
is explained without a traceback. The checkers' references are checked too: the reward-to-go by
hand, the loss against the surrogate MAMLRL differentiates."""

import numpy as np
import pytest
import tensorflow as tf
from exercise_cases import checker_tests, crash_test

from lesson_lib.exercises.policy_gradient import reference_reinforce_loss, reference_rewards_to_go
from lesson_lib.rl import MAMLRL


def rewards_to_go(rewards, gamma):  # the notebook's solution: backwards in time
    out, running = np.zeros_like(rewards), np.zeros(rewards.shape[1])
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        out[t] = running
    return out


def rewards_to_go_by_powers(rewards, gamma):  # forwards, each step's sum written out
    H = len(rewards)
    return np.stack([sum(gamma ** (k - t) * rewards[k] for k in range(t, H)) for t in range(H)])


def reinforce_loss(log_probs, advantages, mask):  # the notebook's solution
    return -np.sum(mask * log_probs * advantages) / np.sum(mask)


def reinforce_loss_tf(log_probs, advantages, mask):
    return -tf.reduce_sum(mask * log_probs * advantages) / tf.reduce_sum(mask)


def from_start(rewards, gamma):
    power = gamma ** np.arange(len(rewards))[:, None]
    return np.cumsum((power * rewards)[::-1], axis=0)[::-1]


def in_place(rewards, gamma):
    for t in reversed(range(len(rewards) - 1)):
        rewards[t] += gamma * rewards[t + 1]
    return rewards


RIGHT = [("check_rewards_to_go", rewards_to_go), ("check_rewards_to_go", rewards_to_go_by_powers),
         ("check_rewards_to_go", reference_rewards_to_go),
         ("check_reinforce_loss", reinforce_loss), ("check_reinforce_loss", reinforce_loss_tf),
         ("check_reinforce_loss", reference_reinforce_loss)]

WRONG = [  # (checker, a planted wrong answer, what the sentence must say)
    ("check_rewards_to_go", lambda r, g: rewards_to_go(r, 1.0), "not discounted"),
    ("check_rewards_to_go", from_start, "from the episode's start"),
    ("check_rewards_to_go", lambda r, g: rewards_to_go(r, g) - r, "r_t itself is missing"),
    ("check_rewards_to_go", lambda r, g: np.cumsum(r * g ** np.arange(len(r))[:, None], axis=0)
     / g ** np.arange(len(r))[:, None], "rewards before t"),
    ("check_rewards_to_go", lambda r, g: np.broadcast_to(rewards_to_go(r, g)[:1], r.shape),
     "whole trajectory's return"),
    ("check_rewards_to_go", lambda r, g: np.broadcast_to(rewards_to_go(r, g).mean(1, keepdims=True), r.shape),
     "averaged together"),
    ("check_rewards_to_go", lambda r, g: rewards_to_go(r, g)[0], "one number per trajectory"),
    ("check_rewards_to_go", lambda r, g: rewards_to_go(r, g).T, r"shape \[H, n\]"),
    ("check_rewards_to_go", in_place, "changed the rewards"),
    ("check_rewards_to_go", lambda r, g: rewards_to_go(r, g) + 0.01, "the rewards-to-go differ"),
    ("check_rewards_to_go", lambda r, g: None, "returned nothing"),
    ("check_reinforce_loss", lambda lp, a, m: -reinforce_loss(lp, a, m), "sign is wrong"),
    ("check_reinforce_loss", lambda lp, a, m: -np.sum(m * lp * a) / m.size, "every step, those after"),
    ("check_reinforce_loss", lambda lp, a, m: -np.sum(lp * a) / np.sum(m), "multiply by the mask"),
    ("check_reinforce_loss", lambda lp, a, m: -np.mean(lp * a), "mask is ignored"),
    ("check_reinforce_loss", lambda lp, a, m: -np.sum(m * lp * a), "this is the sum"),
    ("check_reinforce_loss", lambda lp, a, m: -np.sum(m * lp * a) / m.shape[1], "number of trajectories"),
    ("check_reinforce_loss", lambda lp, a, m: -np.sum(m * np.exp(lp) * a) / np.sum(m), "probabilities"),
    ("check_reinforce_loss", lambda lp, a, m: -np.sum(m * lp * a, axis=0) / np.sum(m), "one number"),
    ("check_reinforce_loss", lambda lp, a, m: reinforce_loss(lp, a, m) + 0.1, "the loss differs"),
]

test_the_reference_answer_passes, test_the_stub_is_not_yet_implemented, test_wrong_answers_are_named = (
    checker_tests(RIGHT, WRONG))
test_crash_is_one_sentence = crash_test(RIGHT)


def test_reward_to_go_reference_by_hand():
    """r = (1, 2, 4), gamma 0.5: G_2 = 4, G_1 = 2 + 0.5 * 4 = 4, G_0 = 1 + 0.5 * 4 = 3."""
    got = reference_rewards_to_go(np.array([[1.0], [2.0], [4.0]]), 0.5)
    np.testing.assert_allclose(got[:, 0], [3.0, 4.0, 4.0])


def test_loss_reference_is_the_learners_surrogate():
    """The loss the checker asks for is the surrogate MAMLRL differentiates, on one task."""
    learner = MAMLRL(seed=0)
    rng = np.random.default_rng(0)
    H, n = 5, 3
    obs = rng.uniform(-0.5, 0.5, (H * n, 2))
    actions = rng.normal(0, 0.1, (H * n, 2))
    mask = (rng.uniform(size=H * n) < 0.8).astype(np.float64)
    adv = rng.normal(size=H * n) * mask
    batch = tuple(tf.constant(a[None], tf.float32) for a in (obs, actions, adv, mask))
    got = float(learner.surrogate(learner.params(), batch)[0])
    log_p = learner.policy.log_prob(learner.params(), batch[0], batch[1])[0].numpy()
    assert got == pytest.approx(reference_reinforce_loss(log_p, adv, mask), rel=1e-5)
