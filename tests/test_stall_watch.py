"""The stall watch (a3c/run/stall_watch.py) on a clock we move by hand."""
from a3c.run.stall_watch import PAUSE_SECONDS, StallWatch


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float, by_looks_every: float = 1.0, watch=None, running=(True, True)):
        """Move the clock in steps, looking at the watch at each, as the main process does."""
        found = None
        while seconds > 0 and found is None:
            step = min(by_looks_every, seconds)
            self.now += step
            seconds -= step
            found = watch.stalled(running) if watch else None
        return found


def test_a_worker_without_an_update_past_the_limit_is_named_with_how_long():
    clock, updates = Clock(), [0, 0]
    watch = StallWatch(updates, limit_seconds=10, clock=clock)
    found = []
    while not found:
        updates[0] += 1
        found = clock.advance(1.0, watch=watch)
    assert found == (1, 11.0)


def test_workers_that_keep_updating_are_never_stalled():
    clock, updates = Clock(), [0, 0]
    watch = StallWatch(updates, limit_seconds=10, clock=clock)
    for _ in range(60):
        updates[0] += 1
        updates[1] += 1
        assert clock.advance(1.0, watch=watch) is None


def test_a_finished_worker_is_not_stalled():
    clock, updates = Clock(), [0, 0]
    watch = StallWatch(updates, limit_seconds=10, clock=clock)
    assert clock.advance(30, watch=watch, running=(True, False)) == (0, 11.0)
    watch = StallWatch(updates, limit_seconds=10, clock=clock)
    assert clock.advance(30, watch=watch, running=(False, False)) is None


def test_a_pause_of_the_whole_run_is_not_a_stall():
    clock, updates = Clock(), [0, 0]
    watch = StallWatch(updates, limit_seconds=10, clock=clock)
    clock.advance(5, watch=watch)
    clock.now += 3600  # Ctrl-Z for an hour: no look meanwhile
    assert watch.stalled((True, True)) is None
    assert clock.advance(5.5, watch=watch) == (0, 10.5)


def test_a_gap_below_the_pause_threshold_counts():
    clock, updates = Clock(), [0, 0]
    watch = StallWatch(updates, limit_seconds=10, clock=clock)
    clock.now += PAUSE_SECONDS - 0.5  # a slow look, not a pause
    assert watch.stalled((True, True)) is None
    clock.now += PAUSE_SECONDS - 0.5
    assert watch.stalled((True, True)) is None
    clock.now += 2.0
    assert watch.stalled((True, True)) == (0, 2 * PAUSE_SECONDS + 1.0)


def test_a_limit_of_zero_never_stops_a_run():
    clock, updates = Clock(), [0, 0]
    watch = StallWatch(updates, limit_seconds=0, clock=clock)
    assert clock.advance(3600, by_looks_every=1.0, watch=watch) is None
