"""W&B run names from what varies in a sweep, and what a sweep says when it ends."""
from conftest import run_cli

from a3c.cli.sweep import run_name, varying_keys


def test_varying_keys_are_the_swept_ones_in_order():
    assert varying_keys(["algo.n_steps=1,5,20", "logger=off", "train.seed=range(3)"]) == ["algo.n_steps", "train.seed"]


def test_a_command_line_value_replaces_a_preset_sweep():
    preset_then_cli = ["algo.entropy_coef=0,0.01", "train.seed=range(5)", "train.seed=0"]
    assert varying_keys(preset_then_cli) == ["algo.entropy_coef"]


def test_run_name_lists_what_varies_then_the_seed():
    job = ["algo.n_steps=20", "algo.entropy_coef=0", "train.seed=3", "logger=off", "algo.gamma=0.9"]
    assert run_name("a3c", 3, job, ["algo.n_steps", "algo.entropy_coef", "train.seed"]) == "a3c-n_steps=20-entropy_coef=0-seed=3"


def test_a_single_run_is_named_by_algo_and_seed():
    assert run_name("reinforce", 0, ["logger=off"], []) == "reinforce-seed=0"


def test_an_optuna_search_space_varies_its_intervals_and_choices():
    search = ["algo.lr=tag(log, interval(1e-4, 1e-2))", "algo.n_steps=choice(5, 20)", "algo.optimizer=adam"]
    assert varying_keys(search) == ["algo.lr", "algo.n_steps"]


def test_a_sampled_float_is_named_by_three_significant_digits():
    job = ["algo.lr=0.00041234567891", "algo.n_steps=20", "train.seed=0"]
    assert run_name("a3c", 0, job, ["algo.lr", "algo.n_steps"]) == "a3c-lr=0.000412-n_steps=20-seed=0"


def test_a_sweep_ends_saying_how_it_went_and_run_again_it_continues(tmp_path):
    sweep = tmp_path / "sweep"
    args = ["-m", "workers=serial", "logger=off", "train.progress=false", "train.total_steps=500",
            "train.target_return=null", "train.seed=0,1", f"hydra.sweep.dir={sweep}"]
    first = run_cli(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert f"sweep: 2 jobs, 2 finished; runs in {sweep}\ntable and curves: a3c-report {sweep}" in first.stderr
    (sweep / "1" / "summary.json").unlink()  # as if job 1 had been stopped before it ended
    again = run_cli(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"sweep: 2 jobs, 2 finished (1 of them before this sweep, which continued {sweep})" in again.stderr
    # A smaller sweep into the same directory counts its own job, not the earlier sweep's others.
    smaller = run_cli(*args[:-2], "train.seed=0", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert smaller.returncode == 0, smaller.stderr[-2000:]
    assert f"sweep: 1 jobs, 1 finished (1 of them before this sweep, which continued {sweep})" in smaller.stderr
