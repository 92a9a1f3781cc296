"""bench.op_profile: which events count as operations, and their kinds."""

from types import SimpleNamespace

from lesson_lib.bench.op_profile import kind, self_times


def event(offset, duration):
    return SimpleNamespace(offset_ps=offset, duration_ps=duration)


def test_an_event_counts_its_time_less_the_events_directly_inside_it():
    span, first, second, later = event(0, 100), event(10, 20), event(40, 50), event(100, 5)
    nested = event(45, 10)  # inside `second`, itself inside `span`
    own = self_times([later, second, span, nested, first])
    assert own == [(span, 100 - 20 - 50), (first, 20), (second, 50 - 10), (nested, 10), (later, 5)]
    assert sum(ps for _, ps in own) == 105  # the thread's busy time, each moment counted once


def test_kinds_drop_instance_numbers_and_group_matrix_products():
    assert kind("copy_reduce_fusion.15") == "copy_reduce_fusion"
    assert kind("concat_4") == "concat"
    assert kind("MatMul_1.60") == kind("BatchMatMulV2") == "matrix products"
    assert kind("gradient_tape/model/dense:MatMul") == kind(" MatMul") == "matrix products"
    assert kind("StridedSliceGrad") == "StridedSliceGrad"


def test_a_traced_xla_step_spends_its_time_in_named_operations():
    from lesson_lib.bench.op_profile import profile
    from lesson_lib.learners import MAML
    from lesson_lib.models import mlp
    from lesson_lib.tasks import Sinusoid

    learner = MAML(mlp(hidden=(32, 32), seed=0), alpha=0.1)
    learner.path = "xla"
    episodes = [Sinusoid(seed=1).sample(8, K=5) for _ in range(2)]
    kinds, wall_ms, busy = profile(learner.meta_step, episodes, iterations=3)
    assert wall_ms > 0 and 0 < busy
    assert "matrix products" in [row["kind"] for row in kinds]
    assert abs(sum(row["share"] for row in kinds) - 1) < 0.01
    assert all(row["ms_per_iteration"] >= 0 for row in kinds)
