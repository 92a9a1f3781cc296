"""MAML for policy gradients on 2D navigation (lesson_lib.rl): the Gaussian policy against its
formula, the linear baseline against np.linalg.lstsq, the inner gradient and the second-order
meta-gradient against finite differences (float64, tiny policy), masking, argument checks, a
short meta-training that must help, checkpoints and the bench command."""

import argparse
import math

import numpy as np
import pytest
import tensorflow as tf

from lesson_lib import checkpoints
from lesson_lib.bench import navigation as bench
from lesson_lib.envs import rollout, sample_tasks
from lesson_lib.gradcheck import flat, relative_error
from lesson_lib.rl import MAMLRL, GaussianMLPPolicy, advantages, baseline, task_batch, train


def tiny(seed=0, **options):
    """A float64 learner with a 2-3-2 policy (29 weights)."""
    policy = GaussianMLPPolicy(hidden=(3,), activation="tanh", dtype="float64")
    return MAMLRL(policy, seed=seed, **options)


def random_params(policy, seed, tasks=None):
    """Weights with every entry random (biases and log_std too), optionally per task."""
    rng = np.random.default_rng(seed)
    lead = () if tasks is None else (tasks,)
    return [rng.normal(0, 0.5, (*lead, *s)).astype(policy.dtype) for s in policy.shapes]


def hand_batch(seed, tasks=1, points=12, dead=0):
    """(obs, actions, advantages, mask) as float64 tensors [tasks, points, ...]; the last `dead`
    points of each task are masked."""
    rng = np.random.default_rng(seed)
    mask = np.ones((tasks, points))
    if dead:
        mask[:, -dead:] = 0
    obs, actions = rng.uniform(-0.5, 0.5, (tasks, points, 2)), rng.normal(0, 0.1, (tasks, points, 2))
    return tuple(tf.constant(a) for a in (obs, actions, rng.normal(0, 1, (tasks, points)), mask))


def numpy_mlp(params, obs, activation):
    h = obs
    layers = params[:-1]
    for i in range(0, len(layers), 2):
        h = h @ layers[i] + layers[i + 1]
        if i + 2 < len(layers):
            h = activation(h)
    return h


# --- (1) the policy ----------------------------------------------------------------------
@pytest.mark.parametrize("activation,fn", [("relu", lambda x: np.maximum(x, 0)), ("tanh", np.tanh)])
def test_log_prob_matches_the_gaussian_formula(activation, fn):
    policy = GaussianMLPPolicy(hidden=(5, 4), activation=activation, dtype="float64", action_scale=0.1)
    params = random_params(policy, 0)
    rng = np.random.default_rng(1)
    obs, actions = rng.uniform(-0.5, 0.5, (7, 2)), rng.normal(0, 0.2, (7, 2))
    mu, sigma = 0.1 * numpy_mlp(params, obs, fn), 0.1 * np.exp(params[-1])
    expected = np.sum(-0.5 * ((actions - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi), axis=-1)
    got = policy.log_prob([tf.constant(p) for p in params], tf.constant(obs), tf.constant(actions)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_per_task_weights_are_each_tasks_own_policy():
    policy = GaussianMLPPolicy(hidden=(4,), dtype="float64")
    params = random_params(policy, 0, tasks=3)
    rng = np.random.default_rng(2)
    obs, actions = rng.uniform(-0.5, 0.5, (3, 6, 2)), rng.normal(0, 0.1, (3, 6, 2))
    both = policy.log_prob([tf.constant(p) for p in params], tf.constant(obs), tf.constant(actions)).numpy()
    for i in range(3):
        own = [tf.constant(p[i]) for p in params]
        one = policy.log_prob(own, tf.constant(obs[i]), tf.constant(actions[i]))
        np.testing.assert_allclose(both[i], one.numpy(), rtol=1e-12)
        np.testing.assert_allclose(policy.mean_numpy([p[i] for p in params], obs[i]),
                                   policy.mean(own, tf.constant(obs[i])).numpy(), rtol=1e-12)


def test_act_samples_the_gaussian_in_environment_units():
    policy = GaussianMLPPolicy(hidden=(4,), dtype="float64", action_scale=0.1)
    params = random_params(policy, 3, tasks=2)
    obs = np.random.default_rng(4).uniform(-0.5, 0.5, (2, 5, 2))
    actions = policy.act(params, obs, np.random.default_rng(7))
    noise = np.random.default_rng(7).standard_normal((2, 5, 2))
    mu = np.stack([numpy_mlp([p[i] for p in params], obs[i], lambda x: np.maximum(x, 0)) for i in range(2)])
    np.testing.assert_allclose(actions, 0.1 * (mu + np.exp(params[-1])[:, None, :] * noise), rtol=1e-12)


def test_initial_params_follow_the_recipe():
    policy = GaussianMLPPolicy()
    theta = policy.initial_params(seed=5)
    assert [p.shape for p in theta] == [(2, 100), (100,), (100, 100), (100,), (100, 2), (2,), (2,)]
    assert all(p.dtype == np.float32 for p in theta)
    assert np.all(theta[1] == 0) and np.all(theta[-1] == 0)  # log(init_std = 1)
    assert np.abs(theta[2]).max() <= math.sqrt(6 / 200) and theta[2].std() > 0.05
    assert all(np.array_equal(a, b) for a, b in zip(theta, policy.initial_params(seed=5), strict=True))


# --- (2)-(4) losses and gradients ----------------------------------------------------------
def central_differences(f, params, eps=1e-6):
    params = [p.copy() for p in params]
    grads = []
    for p in params:
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = f(params)
            p[idx] = old - eps
            down = f(params)
            p[idx] = old
            grads.append((up - down) / (2 * eps))
    return np.array(grads)


def test_inner_gradient_matches_finite_differences():
    learner = tiny()
    theta = random_params(learner.policy, 1)
    batch = hand_batch(2, dead=3)

    def loss(params):
        return float(learner.surrogate([tf.constant(p) for p in params], batch)[0])

    tensors = [tf.constant(p) for p in theta]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        value = learner.surrogate(tensors, batch)[0]
    grads = flat(tape.gradient(value, tensors))
    assert relative_error(grads, central_differences(loss, theta)) < 1e-7


def test_surrogate_by_hand():
    """-sum(mask log pi A) / sum(mask), task by task."""
    learner = tiny()
    theta = [tf.constant(p) for p in random_params(learner.policy, 3)]
    obs, actions, adv, mask = hand_batch(4, tasks=2, dead=5)
    log_p = learner.policy.log_prob(theta, obs, actions).numpy()
    expected = -(mask.numpy() * log_p * adv.numpy()).sum(axis=1) / mask.numpy().sum(axis=1)
    got = learner.surrogate(theta, (obs, actions, adv, mask)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_meta_gradient_matches_finite_differences_and_first_order_differs():
    learner = tiny(alpha=0.5)
    theta = random_params(learner.policy, 5)
    inner, outer = hand_batch(6, tasks=2, dead=2), hand_batch(7, tasks=2, dead=4)

    def meta_loss(params, first_order=False):
        learner.first_order = first_order
        tensors = [tf.constant(p) for p in params]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            loss = tf.reduce_mean(learner.outer_loss(tensors, [inner], outer))
        return float(loss), flat(tape.gradient(loss, tensors))

    _, second = meta_loss(theta)
    _, first = meta_loss(theta, first_order=True)
    reference = central_differences(lambda p: meta_loss(p)[0], theta)
    assert relative_error(second, reference) < 1e-6
    assert relative_error(first, reference) > 1e-3  # first order drops the Hessian term


def test_meta_gradient_of_two_inner_steps_matches_finite_differences():
    learner = tiny(alpha=0.3, inner_steps=2)
    theta = random_params(learner.policy, 8)
    batches = [hand_batch(9, tasks=2), hand_batch(10, tasks=2, dead=1)]
    outer = hand_batch(11, tasks=2)

    def meta_loss(params):
        tensors = [tf.constant(p) for p in params]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            loss = tf.reduce_mean(learner.outer_loss(tensors, batches, outer))
        return float(loss), flat(tape.gradient(loss, tensors))

    assert relative_error(meta_loss(theta)[1], central_differences(lambda p: meta_loss(p)[0], theta)) < 1e-6


def test_masked_steps_contribute_nothing():
    learner = tiny()
    theta = [tf.constant(p) for p in random_params(learner.policy, 12)]
    obs, actions, adv, mask = hand_batch(13, points=10, dead=4)
    garbage = np.random.default_rng(0).normal(0, 100, (1, 4, 2))
    spoiled = (tf.concat([obs[:, :6], garbage], 1), tf.concat([actions[:, :6], garbage], 1),
               tf.concat([adv[:, :6], 50 * tf.ones((1, 4), tf.float64)], 1), mask)
    alive = tuple(a[:, :6] for a in (obs, actions, adv, mask))

    def value_and_grad(batch):
        with tf.GradientTape() as tape:
            tape.watch(theta)
            loss = learner.surrogate(theta, batch)[0]
        return float(loss), flat(tape.gradient(loss, theta))

    (a, ga), (b, gb) = value_and_grad(spoiled), value_and_grad(alive)
    assert a == pytest.approx(b, rel=1e-12) and np.allclose(ga, gb, rtol=1e-10, atol=1e-14)


def test_advantages_are_zero_after_the_episode_and_normalised_per_task():
    policy = GaussianMLPPolicy(hidden=(4,))
    rng = np.random.default_rng(0)
    goals = np.array([[0.05, 0.0], [0.4, -0.3]])
    velocity = np.zeros((2, 1, 2))
    velocity[0, 0, 0] = 0.05  # task 0 steps onto its goal at once, task 1 stays put
    batch = rollout(lambda s: velocity + 0.001 * rng.normal(size=s.shape), goals, trajectories=3, horizon=20)
    assert batch.mask[:, 0].sum() < batch.mask.size / 2  # task 0 reaches its goal early
    adv = advantages(batch)
    assert np.all(adv[batch.mask == 0] == 0)
    for i in range(2):
        alive = adv[:, i][batch.mask[:, i] == 1]
        assert alive.mean() == pytest.approx(0, abs=1e-9) and alive.std() == pytest.approx(1, rel=1e-3)
    obs, actions, a, mask = task_batch(batch, adv)
    assert obs.shape == (2, 60, 2) and a.shape == mask.shape == (2, 60)
    np.testing.assert_array_equal(mask.numpy()[1].reshape(20, 3), batch.mask[:, 1])
    assert policy.log_prob([tf.constant(p) for p in policy.initial_params()], obs, actions).shape == (2, 60)


# --- (5) the baseline --------------------------------------------------------------------
def test_baseline_features_by_hand():
    obs = np.array([[[[0.3, -0.2]]], [[[12.0, 0.5]]]])  # H = 2, one task, one trajectory
    mask = np.array([[[1.0]], [[1.0]]])
    f = baseline.features(obs, mask)
    np.testing.assert_allclose(f[0, 0, 0], [0.3, -0.2, 0.09, 0.04, 0, 0, 0, 1])
    np.testing.assert_allclose(f[1, 0, 0], [10, 0.5, 100, 0.25, 0.01, 1e-4, 1e-6, 1])  # clipped to 10
    assert np.all(baseline.features(obs, np.zeros_like(mask)) == 0)


def test_baseline_fit_matches_lstsq():
    rng = np.random.default_rng(0)
    H, T, N = 6, 3, 4
    obs, returns = rng.normal(0, 0.4, (H, T, N, 2)), rng.normal(-5, 2, (H, T, N))
    mask = np.ones((H, T, N))
    mask[4:, 0, 1] = 0  # one episode ended early
    mask[2:, 2, :2] = 0
    coeffs = baseline.fit(obs, returns, mask)
    assert coeffs.shape == (T, 8)
    for task in range(T):
        rows, targets = [], []
        for t in range(H):
            for n in range(N):
                if mask[t, task, n]:
                    o, s = obs[t, task, n], t / 100
                    rows.append([*o, *o**2, s, s**2, s**3, 1.0])
                    targets.append(returns[t, task, n])
        X, y = np.array(rows), np.array(targets)
        # ridge as least squares: [X; sqrt(lambda) I] w = [y; 0]
        augmented = np.vstack([X, math.sqrt(1e-5) * np.eye(8)])
        ridge = np.linalg.lstsq(augmented, np.r_[y, np.zeros(8)], rcond=None)[0]
        np.testing.assert_allclose(coeffs[task], ridge, rtol=1e-6, atol=1e-8)
    fitted = baseline.predict(coeffs, obs, mask)
    assert np.all(fitted[mask == 0] == 0)
    assert np.mean((fitted - returns)[mask == 1] ** 2) < np.var(returns[mask == 1])


# --- learner API, state and argument checks -------------------------------------------------
def test_meta_step_updates_theta_and_reports():
    learner = tiny(meta_batch=3, trajectories=4, horizon=10)
    before = learner.get_state()
    record = learner.meta_step(sample_tasks(3, seed=0), np.random.default_rng(0))
    assert set(record) == {"return_before", "return_after", "loss", "diverged"} and not record["diverged"]
    assert -10 * 1.5 < record["return_before"] < 0 and math.isfinite(record["loss"])
    assert any(not np.array_equal(before[k], v) for k, v in learner.get_state().items())


def test_task_by_task_batched_and_eager_meta_gradients_agree():
    learner = tiny(meta_batch=3, trajectories=4, horizon=10)
    goals = sample_tasks(3, seed=1)
    loss, grads = learner.meta_gradient(goals, 5)  # mode "map": tf.map_fn over tasks
    for mode in ("batched", "eager"):
        other_loss, other = learner.meta_gradient(goals, 5, mode=mode)
        assert other_loss == pytest.approx(loss, rel=1e-10)
        assert relative_error(flat(grads), flat(other)) < 1e-10
    batched = tiny(meta_batch=3, trajectories=4, horizon=10, mode="batched")
    np.testing.assert_allclose(batched.adapt_and_evaluate(goals, steps=2, trajectories=3, rng=0),
                               learner.adapt_and_evaluate(goals, steps=2, trajectories=3, rng=0), rtol=1e-9)


def test_non_finite_update_leaves_weights_and_reports():
    learner = tiny(meta_batch=2, trajectories=3, horizon=5, beta=1e300)
    state = learner.get_state()
    state["policy/000"] = state["policy/000"] * 0  # fine weights
    learner.set_state(state)
    record = learner.meta_step(sample_tasks(2, seed=0), 0)  # Adam's first step with beta 1e300 overflows
    assert record["diverged"] and math.isnan(record["loss"])
    assert all(np.array_equal(state[k], v) for k, v in learner.get_state().items())


def test_training_stops_on_divergence_and_says_what_to_try(monkeypatch):
    """train() raises the loop's own DivergenceError (lesson_lib.training): the iteration, the last
    finite loss, the learning rates; the history keeps the finite iterations."""
    from lesson_lib.training import DivergenceError

    learner = tiny(meta_batch=2, trajectories=3, horizon=5)
    records = iter([{"return_before": -3.0, "return_after": -2.0, "loss": 0.25, "diverged": False},
                    {"return_before": -3.0, "return_after": math.nan, "loss": math.nan, "diverged": True}])
    monkeypatch.setattr(learner, "meta_step", lambda goals, rng: next(records))
    with pytest.raises(DivergenceError, match=r"diverged at meta-iteration 2: .*\(last finite loss 0\.25\)\. "
                                              r"The weights are kept from iteration 1\. .*beta") as caught:
        train(learner, 5, progress=False)
    assert [r["iteration"] for r in caught.value.history] == [1]


def test_adapt_and_evaluate_shape_and_seed():
    learner = tiny(trajectories=4, horizon=10)
    goals = sample_tasks(5, seed=2)
    curve = learner.adapt_and_evaluate(goals, steps=2, trajectories=3, rng=4, chunk=2)
    assert curve.shape == (5, 3) and np.all(curve <= 0) and np.all(curve >= -10 * 1.5)
    again = learner.adapt_and_evaluate(goals, steps=2, trajectories=3, rng=4, chunk=2)
    np.testing.assert_array_equal(curve, again)


def test_checkpoint_round_trip(tmp_path):
    learner = tiny(seed=1)
    checkpoints.save(tmp_path / "nav.npz", learner, iterations=0)
    fresh = tiny(seed=2)
    manifest = checkpoints.load(tmp_path / "nav.npz", fresh)
    assert manifest["hyperparameters"]["alpha"] == 0.1 and manifest["learner"] == "MAML"
    assert all(np.array_equal(v, fresh.get_state()[k]) for k, v in learner.get_state().items())
    with pytest.raises(ValueError, match="missing"):
        fresh.set_state({"policy/000": np.zeros((2, 3))})


@pytest.mark.parametrize("build,match", [
    (lambda: MAMLRL(alpha=0), "alpha"),
    (lambda: MAMLRL(alpha="0.1"), "alpha"),
    (lambda: MAMLRL(inner_steps=-1), "inner_steps"),
    (lambda: MAMLRL(meta_batch=0), "meta_batch"),
    (lambda: MAMLRL(trajectories=1.5), "trajectories"),
    (lambda: MAMLRL(gamma=1.5), "gamma"),
    (lambda: MAMLRL(beta=-1), "beta"),
    (lambda: MAMLRL(policy="mlp"), "policy"),
    (lambda: MAMLRL(mode="vectorized"), "mode"),
    (lambda: GaussianMLPPolicy(activation="sigmoid"), "activation"),
    (lambda: GaussianMLPPolicy(hidden=100), "hidden"),
    (lambda: GaussianMLPPolicy(init_std=0), "init_std"),
    (lambda: GaussianMLPPolicy(dtype="float16"), "dtype"),
])
def test_bad_arguments_name_the_argument(build, match):
    with pytest.raises((ValueError, TypeError), match=match):
        build()


def test_bad_call_arguments_name_the_argument():
    learner = tiny(meta_batch=2, trajectories=2, horizon=5)
    with pytest.raises(ValueError, match="goals must hold meta_batch = 2"):
        learner.meta_step(sample_tasks(3, seed=0), 0)
    with pytest.raises(ValueError, match="goals must lie in"):
        learner.meta_step([[0.0, 0.9], [0.1, 0.1]], 0)
    with pytest.raises(ValueError, match="steps"):
        learner.adapt_and_evaluate(sample_tasks(2, seed=0), steps=-1)
    with pytest.raises(ValueError, match="alphas must give at least steps = 3"):
        learner.adapt_and_evaluate(sample_tasks(2, seed=0), steps=3, alphas=(0.1,))
    with pytest.raises(ValueError, match="mode"):
        learner.meta_gradient(sample_tasks(2, seed=0), 0, mode="fast")
    with pytest.raises(ValueError, match="params must"):
        learner.policy.sampler([np.zeros(2)], np.random.default_rng(0))
    with pytest.raises(ValueError, match="mask"):
        baseline.fit(np.zeros((5, 2, 3, 2)), np.zeros((5, 2, 3)), np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match="iterations"):
        train(learner, -1)


# --- (6) meta-training helps -----------------------------------------------------------------
@pytest.mark.slow
def test_short_meta_training_improves_the_return_after_one_step():
    """40 meta-iterations at the paper's sizes (20 tasks x 20 trajectories x 100 steps, about
    30 s on one core): the return after one adaptation step on 40 held-out goals rises well above
    the untrained policy's."""
    learner = MAMLRL(seed=0)
    goals = sample_tasks(40, seed=10_000)
    start = learner.adapt_and_evaluate(goals, steps=1, trajectories=20, rng=1)[:, 1].mean()
    history = train(learner, 40, seed=0, progress=False)
    after = learner.adapt_and_evaluate(goals, steps=1, trajectories=20, rng=1)[:, 1].mean()
    assert len(history) == 40
    assert after > start + 10, (start, after)


# --- the bench command ----------------------------------------------------------------------
@pytest.mark.slow
def test_bench_trains_saves_and_rescores(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--iterations", "2", "--test-tasks", "3", "--save-dir", str(tmp_path)])
    args.seed, args.learners, args.command_line = 0, None, "test"
    rows = bench.run(args)
    assert {(r["learner"], r["steps"]) for r in rows} == {(n, s) for n in ("MAML", "pretrained", "random")
                                                          for s in range(4)}
    assert all(r["tasks"] == 3 and r["return_mean"] < 0 for r in rows)
    assert [r["paper"] for r in rows if r["paper"] is not None] == [-20.3]
    assert (tmp_path / "navigation_maml.npz").exists() and (tmp_path / "navigation_pretrained.json").exists()
    args = parser.parse_args(["--from-checkpoints", "--data-dir", str(tmp_path), "--test-tasks", "3"])
    args.seed, args.learners, args.command_line = 0, ["MAML"], "test"
    again = bench.run(args)
    assert [r["return_mean"] for r in again] == [r["return_mean"] for r in rows if r["learner"] == "MAML"]
    assert "| MAML |" in capsys.readouterr().out


@pytest.mark.slow  # re-scores the shipped checkpoints on 30 goals: about 10 s
def test_shipped_checkpoints_adapt_in_one_step():
    """The shipped MAML, after one step on 30 held-out goals, beats the pretrained and random
    baselines after one step by clear margins (data/navigation.json: -10.8, -30.6, -68.7 on 200)."""
    from lesson_lib.bench import main

    rows = main(["navigation", "--from-checkpoints", "--test-tasks", "30"])
    after = {r["learner"]: r for r in rows if r["steps"] == 1}
    maml, pretrained = after["MAML"], after["pretrained"]
    assert maml["return_mean"] - maml["ci95"] > pretrained["return_mean"] + pretrained["ci95"]  # apart
    assert maml["return_mean"] > pretrained["return_mean"] + 10
    assert pretrained["return_mean"] > after["random"]["return_mean"] + 20
    assert maml["return_mean"] > -20.3  # the ANIL paper's MAML after adaptation
