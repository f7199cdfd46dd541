""""The last 100 episodes" are the 100 latest by global_step, whatever order workers report them
in: summary.json, the solved check and a3c-report's final return agree with the curve."""
import json

from a3c.config.schema import Config, TrainConfig
from a3c.report.runs import load_run
from a3c.run.messages import Report
from a3c.run.latest_episodes import LatestEpisodes
from a3c.run.recorder import RunRecorder
from a3c.run.tracking import Tracker


def recorder(tmp_path, target=None):
    cfg = Config(train=TrainConfig(target_return=target, progress=False, total_steps=10**6))
    return RunRecorder(tmp_path, cfg, Tracker())


def report(worker, episodes):
    """A worker's batch: (global_step, return) pairs, finished in that order by that worker."""
    return Report(worker=worker, global_step=max(step for step, _ in episodes),
                  episodes=[(step, ret, 10) for step, ret in episodes])


def test_the_window_keeps_the_latest_episodes_by_step_not_by_arrival():
    window = LatestEpisodes(3)
    for step, ret in [(50, 5.0), (10, 1.0), (40, 4.0), (20, 2.0), (30, 3.0)]:
        window.add(step, ret)
    assert window.steps() == [30, 40, 50] and window.mean() == 4.0


def test_a_slow_workers_late_batch_does_not_count_as_the_latest_episodes(tmp_path):
    # A fast worker reports 150 episodes at steps 1000..1149 (return 1); then a slow worker's
    # batch arrives holding 100 episodes from steps 0..99 (return 0). By arrival order the last
    # 100 would be the slow worker's zeros; by step they are the fast worker's ones.
    rec = recorder(tmp_path)
    rec.record(report(0, [(1000 + i, 1.0) for i in range(150)]))
    rec.record(report(1, [(i, 0.0) for i in range(100)]))
    rec.close()
    summary = rec.summary("step budget reached")
    assert summary["mean_return_last_100"] == 1.0
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    (tmp_path / "config.yaml").write_text("{}\n")
    run = load_run(tmp_path)
    assert run.final == 1.0 == run.curve_returns[-100:].mean()  # table and curve agree


def test_the_report_reads_the_final_return_from_the_curve_for_runs_with_an_arrival_ordered_summary(tmp_path):
    # Runs made before the window was by step have summary.json's arrival-order mean.
    lines = [{"global_step": 1000 + i, "charts/episodic_return": 1.0} for i in range(100)]
    lines += [{"global_step": i, "charts/episodic_return": 0.0} for i in range(100)]
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    (tmp_path / "summary.json").write_text(json.dumps({"mean_return_last_100": 0.0}))
    (tmp_path / "config.yaml").write_text("{}\n")
    assert load_run(tmp_path).final == 1.0


def test_solved_is_the_first_step_the_step_ordered_window_meets_the_target(tmp_path):
    rec = recorder(tmp_path, target=1.0)
    rec.record(report(0, [(100 + i, 1.0) for i in range(99)]))
    rec.record(report(1, [(5, -50.0)]))  # a straggler from long ago: fills the window, far below target
    assert rec.solved_at_step is None
    rec.record(report(0, [(300, 1.0)]))  # the straggler drops out: the 100 latest are all 1.0
    assert rec.solved_at_step == 300
    rec.record(report(1, [(250, 0.0)]))  # arrives after solving: counts in the window, not in solved_at_step
    assert rec.solved_at_step == 300 and rec.mean_recent_return() == 0.99
    rec.close()


def test_the_window_survives_a_checkpoint(tmp_path):
    rec = recorder(tmp_path)
    rec.record(report(0, [(20, 2.0), (30, 3.0)]))
    rec.record(report(1, [(10, 1.0)]))
    state = json.loads(json.dumps(rec.state()))
    rec.close()
    restored = recorder(tmp_path)
    restored.restore(state, saved_target=restored.cfg.train.target_return)
    assert restored.window.steps() == [10, 20, 30] and restored.mean_recent_return() == 2.0
    restored.close()
