"""The linear feature baseline b(s_t) of rllab, used by MAML's reinforcement-learning code
(cbfinn/maml_rl: rllab.baselines.LinearFeatureBaseline; pytorch-maml-rl: the same features)
to turn returns-to-go G_t into advantages G_t - b(s_t) (Duan et al. 2016, supplementary 2).

Features of one step, exactly as rllab writes them: [o, o^2, t/100, (t/100)^2, (t/100)^3, 1],
with o = clip(s_t, -10, 10) (elementwise square) and t the step's index in its episode; 8
features for the 2D position. Steps after an episode ended (mask 0) get all-zero features, as
in pytorch-maml-rl, so they neither enter the fit nor receive a baseline. One fit per task,
over all of its trajectories: the ridge solution w = (X^T X + lambda I)^-1 X^T G with
lambda = 1e-5, multiplied by 10 (at most 5 times) while the solution is not finite, as rllab
does. As in pytorch-maml-rl, the baseline is fitted on the very trajectories it is then
applied to (rllab fits it after use, for the next batch).
"""

import numpy as np

from ..i18n import _

REG_COEFF = 1e-5  # lambda, rllab's default
FEATURES = 8  # 2 * obs_dim + 4, for the 2D position


def features(observations, mask):
    """[o, o^2, t/100, (t/100)^2, (t/100)^3, 1] * mask for observations [H, ..., obs_dim] and
    mask [H, ...] (time first, as `Rollouts`): [H, ..., 2 * obs_dim + 4]."""
    observations = np.asarray(observations, dtype=np.float64)
    mask = np.asarray(mask, dtype=np.float64)
    if observations.shape[:-1] != mask.shape:
        raise ValueError(_("observations {observations} and mask {mask} must agree on every axis but the "
                           "last (time first: [H, tasks, trajectories])", observations=observations.shape,
                           mask=mask.shape))
    o = np.clip(observations, -10, 10)
    t = (np.arange(len(mask)) / 100.0).reshape(-1, *[1] * (mask.ndim - 1))
    t = np.broadcast_to(t, mask.shape)[..., None]
    ones = np.ones_like(t)
    return np.concatenate([o, o**2, t, t**2, t**3, ones], axis=-1) * mask[..., None]


def fit(observations, returns, mask, reg_coeff=REG_COEFF):
    """Per-task ridge coefficients w [tasks, features] for observations [H, tasks,
    trajectories, obs_dim], returns-to-go G_t and mask [H, tasks, trajectories]."""
    X = features(observations, mask)
    if X.ndim != 4:
        raise ValueError(_("observations must have shape [H, tasks, trajectories, obs_dim], got {shape}",
                           shape=np.shape(observations)))
    y = np.asarray(returns, dtype=np.float64) * np.asarray(mask, dtype=np.float64)
    if y.shape != X.shape[:-1]:
        raise ValueError(_("returns must have the mask's shape {mask}, got {shape}", mask=X.shape[:-1],
                           shape=y.shape))
    XtX = np.einsum("htnf,htng->tfg", X, X)
    Xty = np.einsum("htnf,htn->tf", X, y)
    eye = np.eye(X.shape[-1])
    for _attempt in range(5):
        with np.errstate(all="ignore"):
            try:
                coeffs = np.linalg.solve(XtX + reg_coeff * eye, Xty[..., None])[..., 0]
            except np.linalg.LinAlgError:
                coeffs = np.full(Xty.shape, np.nan)
        if np.all(np.isfinite(coeffs)):
            return coeffs
        reg_coeff *= 10
    raise FloatingPointError(_("the linear baseline's normal equations have no finite solution even with "
                               "lambda = {reg_coeff:g}: the observations or returns are not finite",
                               reg_coeff=reg_coeff / 10))


def predict(coeffs, observations, mask):
    """b(s_t) = features . w_task: [H, tasks, trajectories] (0 where the mask is 0)."""
    return np.einsum("htnf,tf->htn", features(observations, mask), coeffs)


def values(rollouts, returns):
    """b(s_t) fitted per task on `rollouts` (envs.navigation.Rollouts) and their returns-to-go."""
    coeffs = fit(rollouts.observations, returns, rollouts.mask)
    return predict(coeffs, rollouts.observations, rollouts.mask)
