"""W&B run names from what varies in a sweep."""
from a3c.sweep import run_name, varying_keys


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
