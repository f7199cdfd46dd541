"""The run's clock (a3c/run/training_clock.py) on a clock we move by hand."""
import pytest

from a3c.run import training_clock
from a3c.run.training_clock import TrainingClock


@pytest.fixture
def now(monkeypatch):
    moment = [1000.0]
    monkeypatch.setattr(training_clock.time, "monotonic", lambda: moment[0])
    return moment


def test_seconds_count_from_the_start_and_go_on_from_a_checkpoints(now):
    clock, resumed = TrainingClock(), TrainingClock(seconds=60.0, eval_seconds=5.0)
    now[0] += 2.5
    assert (clock.seconds, resumed.seconds, resumed.eval_seconds) == (2.5, 62.5, 5.0)


def test_a_paused_clock_gives_its_seconds_to_evaluation_not_to_training(now):
    clock = TrainingClock()
    now[0] += 10.0
    with clock.paused():
        now[0] += 4.0
    now[0] += 1.0
    assert (clock.seconds, clock.eval_seconds) == (11.0, 4.0)


def test_an_evaluation_that_fails_still_pauses_only_its_own_seconds(now):
    clock = TrainingClock()
    with pytest.raises(RuntimeError), clock.paused():
        now[0] += 3.0
        raise RuntimeError("the evaluation env broke")
    assert (clock.seconds, clock.eval_seconds) == (0.0, 3.0)
