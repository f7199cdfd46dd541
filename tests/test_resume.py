"""Checkpoints and exact resume, with real processes and signals."""
import json
import pickle
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from conftest import ctrl_c_as_from_a_terminal, make_config, run_cli
from wandb_reader import read_offline_run_file, read_records

from a3c.cli.resume import resumed_config
from a3c.run import train
from a3c.run.carried_metrics import UNFINISHED_METRICS_NAME
from a3c.run.checkpoint import CheckpointError, load_checkpoint, save_atomically

SERIAL = ["workers=serial", "logger=off", "train.progress=false", "train.target_return=null"]


# A recurrent network's state and a Q critic's carried action (with the state after it) are
# part of where a run stands, as the envs mid-episode are.
@pytest.mark.parametrize("variant", [[], ["model=mlp_lstm"], ["algo=ac_q", "model=mlp_lstm"]],
                         ids=["mlp", "lstm", "q-critic-lstm"])
def test_resuming_gives_the_same_model_as_an_uninterrupted_serial_run(tmp_path, variant):
    straight = train.run(make_config(*SERIAL, *variant, "train.total_steps=4000"), tmp_path / "straight")
    train.run(make_config(*SERIAL, *variant, "train.total_steps=2000"), tmp_path / "first_half")
    resumed = train.run(make_config(*SERIAL, *variant, "train.total_steps=4000",
                                    f"train.resume={tmp_path / 'first_half'}"), tmp_path / "second_half")
    assert straight["global_step"] == resumed["global_step"] == 4000
    assert straight["episodes"] == resumed["episodes"]
    a = load_checkpoint(tmp_path / "straight" / "checkpoint.pt")["model"]
    b = load_checkpoint(tmp_path / "second_half" / "checkpoint.pt")["model"]
    assert all(torch.equal(a[name], b[name]) for name in a)
    steps = [json.loads(line)["global_step"] for line in (tmp_path / "second_half" / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[0] < 2000 < steps[-1]  # the first half's curve, then more


def test_a_checkpoint_from_before_the_recurrent_state_was_saved_still_resumes(tmp_path):
    train.run(make_config(*SERIAL, "model=mlp_lstm", "train.total_steps=2000"), tmp_path / "old")
    path = tmp_path / "old" / "checkpoint.pt"
    saved = load_checkpoint(path)
    envs, pending_actions, *_ = pickle.loads(saved["learners"][0])
    save_atomically(path, {**saved, "learners": [pickle.dumps((envs, pending_actions))]})  # the old layout
    resumed = train.run(make_config(*SERIAL, "model=mlp_lstm", "train.total_steps=3000", f"train.resume={tmp_path / 'old'}"),
                        tmp_path / "resumed")
    assert resumed["global_step"] == 3000


def _episodes(run_dir) -> list[tuple]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [(row["global_step"], row["charts/episodic_return"]) for row in rows if "charts/episodic_return" in row]


def test_a_run_resumed_from_an_older_checkpoint_does_not_count_the_lost_steps_twice(tmp_path):
    # After a kill -9 the last periodic checkpoint is behind metrics.jsonl: the lines written
    # after it are replayed by the resumed run, and must not stay in the curve.
    straight = train.run(make_config(*SERIAL, "train.total_steps=3000"), tmp_path / "straight")
    run_dir = tmp_path / "run"
    train.run(make_config(*SERIAL, "train.total_steps=1500"), run_dir)
    older = (run_dir / "checkpoint.pt").read_bytes()
    train.run(make_config(*SERIAL, "train.total_steps=3000"), run_dir)  # on to 3000, then "killed"
    (run_dir / "checkpoint.pt").write_bytes(older)
    resumed = train.run(make_config(*SERIAL, "train.total_steps=3000"), run_dir)  # in place, from 1500
    assert _episodes(run_dir) == _episodes(tmp_path / "straight")
    assert resumed["episodes"] == straight["episodes"] == len(_episodes(run_dir))


def test_an_older_checkpoint_without_a_size_keeps_whole_lines_only(tmp_path):
    # Written before checkpoints kept metrics.jsonl's size, killed while a line was half written.
    run_dir = tmp_path / "run"
    train.run(make_config(*SERIAL, "train.total_steps=1500"), run_dir)
    state = torch.load(run_dir / "checkpoint.pt", weights_only=False)
    del state["recorder"]["metrics_bytes"]
    torch.save(state, run_dir / "checkpoint.pt")
    whole = (run_dir / "metrics.jsonl").read_bytes()
    (run_dir / "metrics.jsonl").write_bytes(whole + b'{"global_step": 15')
    train.run(make_config(*SERIAL, "train.total_steps=3000"), run_dir)
    lines = (run_dir / "metrics.jsonl").read_bytes().splitlines(keepends=True)
    assert b"".join(lines).startswith(whole) and all(json.loads(line) for line in lines)


@pytest.mark.parametrize("saved_target, target", [(475, 15), (15, 475)], ids=["met-before-resume", "never-met"])
def test_a_target_changed_on_resume_is_checked_on_the_whole_curve(tmp_path, saved_target, target):
    # CartPole's random policy lasts about 20 steps: 15 is met as soon as 100 episodes are in
    # (before the resume), 475 never.
    no_stop = [*SERIAL[:-1], "train.stop_at_target=false"]
    straight = train.run(make_config(*no_stop, f"train.target_return={target}", "train.total_steps=4000"), tmp_path / "straight")
    train.run(make_config(*no_stop, f"train.target_return={saved_target}", "train.total_steps=3000"), tmp_path / "first")
    resumed = train.run(make_config(*no_stop, f"train.target_return={target}", "train.total_steps=4000",
                                    f"train.resume={tmp_path / 'first'}"), tmp_path / "second")
    assert resumed["solved_at_step"] == straight["solved_at_step"]
    assert (straight["solved_at_step"] or 0) < 3000  # met before the resume, or never


def test_interrupt_then_rerun_continues_the_run_and_a_new_wandb_run_holds_its_whole_curve(tmp_path):
    run_dir = tmp_path / "run"
    args = ["workers=serial", "train.progress=false", "train.target_return=null", "train.total_steps=200000",
            "train.checkpoint_every_steps=5000", f"hydra.run.dir={run_dir}"]
    process = subprocess.Popen([sys.executable, "-m", "a3c", *args], stderr=subprocess.PIPE, text=True,
                               preexec_fn=ctrl_c_as_from_a_terminal)
    deadline = time.monotonic() + 60
    while not (run_dir / "checkpoint.pt").exists() and time.monotonic() < deadline:  # a periodic one
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr[-2000:]
    stopped_at = json.loads((run_dir / "summary.json").read_text())["global_step"]
    assert 5000 <= stopped_at < 200000

    result = run_cli(*args, cwd=tmp_path)  # the same run dir: it resumes by itself
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"resuming from {run_dir / 'checkpoint.pt'} at global_step {stopped_at}" in result.stderr
    assert json.loads((run_dir / "summary.json").read_text())["global_step"] == 200000
    steps = [json.loads(line)["global_step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] == 200000
    paths = sorted(run_dir.glob("wandb/offline-run-*/run-*.wandb"))
    first, second = [read_offline_run_file(path) for path in paths]
    assert second.run_id != first.run_id and second.config["resumed_from_wandb_run"] == first.run_id
    # The interrupted attempt ends as the process did, 130: W&B counts it failed, not finished.
    assert [record.exit.exit_code for record in read_records(paths[0]) if record.WhichOneof("record_type") == "exit"] == [130]
    # The resumed W&B run holds the curve metrics.jsonl holds, each line once: the part before
    # the checkpoint replayed, then the rest as it came.
    local = [{key: value for key, value in json.loads(line).items() if key != "wall_time"}
             for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [{key: value for key, value in row.items() if not key.startswith("_")} for row in second.history] == local


def test_a_damaged_checkpoint_gets_a_clear_error(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "checkpoint.pt").write_bytes(b"not a checkpoint at all")
    result = run_cli(*SERIAL, f"train.resume={bad}", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert result.returncode == 2
    assert f"error: train.resume='{bad / 'checkpoint.pt'}' is not a readable checkpoint" in result.stderr
    assert "Traceback" not in result.stderr


def test_resuming_with_no_other_override_continues_the_same_experiment(tmp_path):
    first = run_cli("algo=reinforce", *SERIAL, "train.total_steps=1000", f"hydra.run.dir={tmp_path / 'first'}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    result = run_cli(f"train.resume={tmp_path / 'first'}", "train.total_steps=2000", f"hydra.run.dir={tmp_path / 'run'}",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert (summary["algo"], summary["workers_mode"], summary["global_step"] >= 2000) == ("reinforce", "serial", True)
    assert not (tmp_path / "run" / "wandb").exists()  # logger=off, as the checkpoint's run had it


def test_resuming_a_different_experiment_is_refused_naming_every_change(tmp_path):
    train.run(make_config(*SERIAL, "train.total_steps=200"), tmp_path / "first")
    resume = [f"train.resume={tmp_path / 'first'}", f"hydra.run.dir={tmp_path / 'run'}"]
    result = run_cli("algo.lr=0.01", "algo.gamma=0.9", "train.total_steps=400", *resume, cwd=tmp_path)
    assert result.returncode == 2
    assert ("was trained with algo.lr=0.0007, algo.gamma=0.99; this run has algo.lr=0.01, algo.gamma=0.9; "
            "only budgets and logging may change on resume") in result.stderr
    result = run_cli("env=acrobot", *resume, cwd=tmp_path)
    assert result.returncode == 2
    assert "was trained on CartPole-v1, this run asks for Acrobot-v1: another env is another experiment" in result.stderr
    assert not (tmp_path / "run").exists()


def _files(run_dir) -> dict:
    return {path.relative_to(run_dir): path.read_bytes() for path in sorted(run_dir.rglob("*")) if path.is_file()}


def test_a_refused_run_into_a_run_directory_leaves_that_run_as_it_was(tmp_path):
    run = ["algo=reinforce", *SERIAL, "train.total_steps=500", f"hydra.run.dir={tmp_path / 'run'}"]
    assert run_cli(*run, cwd=tmp_path).returncode == 0
    before = _files(tmp_path / "run")
    for refused in (["algo.lr=0.01"], [f"train.resume={tmp_path / 'run'}", "algo.lr=0.01"]):
        result = run_cli(*run, *refused, cwd=tmp_path)
        assert result.returncode == 2 and result.stderr.count("error:") == 1, result.stderr[-2000:]
        assert "algo.lr=0.001" in result.stderr and "algo.lr=0.01" in result.stderr
        assert _files(tmp_path / "run") == before  # config.yaml, .hydra/, the log: nothing rewritten
        # Without train.resume, the error names what was resumed: the directory's own checkpoint.
        own = f"the checkpoint already in this run directory ({tmp_path / 'run' / 'checkpoint.pt'})"
        assert (own in result.stderr) == (len(refused) == 1), result.stderr


def test_resuming_into_a_directory_that_holds_another_run_is_refused(tmp_path):
    for name, seed in (("a", 0), ("b", 1)):
        train.run(make_config(*SERIAL, f"train.seed={seed}", "train.total_steps=500"), tmp_path / name)
    before = _files(tmp_path / "b")
    result = run_cli(f"train.resume={tmp_path / 'a'}", "train.total_steps=1000", f"hydra.run.dir={tmp_path / 'b'}", cwd=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"hydra.run.dir='{tmp_path / 'b'}' already holds another run" in result.stderr
    assert _files(tmp_path / "b") == before


def test_a_requeued_resumed_run_goes_on_from_its_own_checkpoint(tmp_path, capsys):
    train.run(make_config(*SERIAL, "train.total_steps=500"), tmp_path / "a")
    resumed = [*SERIAL, f"train.resume={tmp_path / 'a'}"]
    train.run(make_config(*resumed, "train.total_steps=1000"), tmp_path / "b")
    capsys.readouterr()
    again = train.run(make_config(*resumed, "train.total_steps=1500"), tmp_path / "b")  # the same command, requeued
    assert f"resuming from {tmp_path / 'b' / 'checkpoint.pt'} at global_step 1000" in capsys.readouterr().err
    assert again["global_step"] == 1500 and again["resumed_from"] == str((tmp_path / "a").resolve())  # one lineage
    steps = [step for step, _ in _episodes(tmp_path / "b")]
    assert steps == sorted(steps) and len(steps) == again["episodes"]  # one curve from 0, nothing twice
    # Requeued with another setting: refused, naming the checkpoint it would have gone on from.
    with pytest.raises(CheckpointError, match=re.escape(
            f"the checkpoint already in this run directory ({tmp_path / 'b' / 'checkpoint.pt'}) was trained with algo.lr")):
        resumed_config(make_config(*resumed, "algo.lr=0.01"), ["algo.lr=0.01"], tmp_path / "b")


def test_a_resumed_run_continued_in_place_twice_keeps_its_lineage(tmp_path):
    train.run(make_config(*SERIAL, "train.total_steps=500"), tmp_path / "a")
    train.run(make_config(*SERIAL, f"train.resume={tmp_path / 'a'}", "train.total_steps=1000"), tmp_path / "b")
    for steps in (1500, 2000):  # without train.resume: the directory's own checkpoint
        summary = train.run(make_config(*SERIAL, f"train.total_steps={steps}"), tmp_path / "b")
    assert summary["resumed_from"] == str((tmp_path / "a").resolve())


def test_a_run_rolls_back_in_place_to_an_older_checkpoint_of_its_own(tmp_path, capsys):
    run_dir = tmp_path / "run"
    train.run(make_config(*SERIAL, "train.total_steps=500"), run_dir)
    (run_dir / "at_500.pt").write_bytes((run_dir / "checkpoint.pt").read_bytes())
    train.run(make_config(*SERIAL, "train.total_steps=1000"), run_dir)  # on from its own checkpoint
    straight = train.run(make_config(*SERIAL, "train.total_steps=1000"), tmp_path / "straight")
    capsys.readouterr()
    again = train.run(make_config(*SERIAL, f"train.resume={run_dir / 'at_500.pt'}", "train.total_steps=1000"), run_dir)
    assert f"resuming from {run_dir / 'at_500.pt'} at global_step 500" in capsys.readouterr().err
    assert _episodes(run_dir) == _episodes(tmp_path / "straight") and again["episodes"] == straight["episodes"]


def test_a_run_killed_before_its_first_checkpoint_starts_over_with_its_curve_set_aside(tmp_path):
    run_dir = tmp_path / "run"
    train.run(make_config(*SERIAL, "train.total_steps=1000"), run_dir)
    (run_dir / "checkpoint.pt").unlink()  # as if killed before writing one
    dead_curve = (run_dir / "metrics.jsonl").read_bytes()
    summary = train.run(make_config(*SERIAL, "train.total_steps=500"), run_dir)
    assert (run_dir / UNFINISHED_METRICS_NAME).read_bytes() == dead_curve
    assert len(_episodes(run_dir)) == summary["episodes"] and _episodes(run_dir)[-1][0] <= 500 + 4
    # Killed again before a checkpoint, then another run is resumed into it: its curve, whole lines.
    (run_dir / "checkpoint.pt").unlink()
    dead_curve = (run_dir / "metrics.jsonl").read_bytes()
    train.run(make_config(*SERIAL, "train.seed=1", "train.total_steps=300"), tmp_path / "other")
    train.run(make_config(*SERIAL, "train.seed=1", f"train.resume={tmp_path / 'other'}", "train.total_steps=600"), run_dir)
    assert (run_dir / UNFINISHED_METRICS_NAME).read_bytes() == dead_curve
    assert _episodes(run_dir)[:len(_episodes(tmp_path / "other"))] == _episodes(tmp_path / "other")


WRITER = """
import sys, torch
from pathlib import Path
from a3c.run.checkpoint import save_atomically
path = Path(sys.argv[1])
i = 0
while True:
    save_atomically(path, {"model": {"w": torch.full((4_000_000,), float(i))}, "optimizer": {}, "global_step": i, "config": {}})
    i += 1
    print(i, flush=True)
"""


def test_a_kill_while_writing_leaves_the_last_checkpoint_loadable(tmp_path):
    path = tmp_path / "checkpoint.pt"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    for _ in range(3):  # let it complete a few, then kill it somewhere inside the next write
        writer.stdout.readline()
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    state = load_checkpoint(path)
    assert state["global_step"] >= 2 and float(state["model"]["w"][-1]) == state["global_step"]


def test_a_resumed_run_directory_is_named_after_the_run_it_continues(tmp_path):
    """A resume is composed from the defaults (CartPole) before the checkpoint's config replaces
    them; its new directory must still say what it trains, as hydra.run.dir's ${run_name:...} does."""
    from hydra import compose, initialize_config_dir

    from a3c import CONF_DIR
    from a3c.config.schema import register_configs

    pong = tmp_path / "pong_run"
    pong.mkdir()
    (pong / "config.yaml").write_text("algo:\n  name: a3c\nenv:\n  name: pong\n")
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        for resume, expected in ((pong, "-a3c-pong"), (pong / "checkpoint.pt", "-a3c-pong"), (None, "-a3c-cartpole"),
                                 (tmp_path / "gone", "-a3c-cartpole")):
            overrides = [f"train.resume={resume}"] if resume else []
            cfg = compose("train", overrides=overrides, return_hydra_config=True)
            assert str(cfg.hydra.run.dir).endswith(expected), (resume, cfg.hydra.run.dir)


def test_a_run_directory_refuses_another_env_naming_the_env_not_a_key_its_preset_brought(tmp_path):
    from dataclasses import asdict

    from a3c.run.checkpoint import check_same_experiment

    own = tmp_path / "checkpoint.pt"
    saved = asdict(make_config(*SERIAL))  # CartPole, a3c's tuned preset
    with pytest.raises(CheckpointError, match=re.escape(
            f"the checkpoint already in this run directory ({own}) was trained with env.id='CartPole-v1', this run "
            "has env.id='Acrobot-v1' (and ") + r"\d+ more settings\)"):
        check_same_experiment(saved, make_config(*SERIAL, "env=acrobot"), own, tmp_path)


def test_a_damaged_checkpoint_already_in_the_run_directory_is_named_as_such_not_as_train_resume(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "checkpoint.pt").write_bytes(b"half a checkpoint")
    result = run_cli(*SERIAL, "train.total_steps=500", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert result.returncode == 2 and "train.resume" not in result.stderr, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: the checkpoint already in this run directory ({tmp_path / 'run' / 'checkpoint.pt'}) "
                           "is not a readable checkpoint ("), line
