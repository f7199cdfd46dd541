"""a3c-eval, the weights-only policy file, and periodic evaluation during training."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import run_cli
from wandb_reader import read_offline_run, read_offline_run_file

from a3c.agent.networks import build_model
from a3c.cli.eval import trained_config
from a3c.envs import make_env
from a3c.run.carried_metrics import carry_best_policy
from a3c.run.checkpoint import load_checkpoint
from a3c.run.evaluate import play_episodes
from a3c.run.policy_file import load_policy

SERIAL = ["workers=serial", "train.progress=false", "logger=off"]


def run_eval(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "a3c.cli.eval", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "WANDB_SILENT": "true"})


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(word in lines[0] for word in words), lines[0]


@pytest.fixture(scope="module")
def pendulum_run(tmp_path_factory) -> Path:
    """A short serial Pendulum run; its tuned preset normalizes observations: the policy needs the statistics."""
    root = tmp_path_factory.mktemp("pendulum")
    run_dir = root / "run"
    result = run_cli(*SERIAL, "env=pendulum", "train.total_steps=3000",
                     f"hydra.run.dir={run_dir}", cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    return run_dir


def model_from(payload: dict):
    cfg = trained_config(payload["config"], [])
    env = make_env(cfg.env, seed=0)
    model = build_model(cfg, env.observation_space, env.action_space)
    model.load_state_dict(payload["model"])
    return cfg, model


def test_every_run_leaves_a_policy_file_that_loads_weights_only(pendulum_run):
    payload = torch.load(pendulum_run / "policy.pt", weights_only=True)
    assert payload["format"] == "a3c-policy/1" and payload["global_step"] >= 3000
    assert payload["config"]["env"]["id"] == "Pendulum-v1"
    assert set(payload["normalizer"]) == {"obs", "return"} and payload["normalizer"]["obs"]["count"] > 3000


def test_the_policy_file_plays_exactly_as_the_model_it_was_saved_from(pendulum_run):
    policy, checkpoint = load_policy(pendulum_run / "policy.pt"), load_checkpoint(pendulum_run / "checkpoint.pt")
    cfg, from_policy = model_from(policy)
    _, from_checkpoint = model_from(checkpoint)
    played = [play_episodes(model, cfg, stats, episodes=3, greedy=True, seed=7)
              for model, stats in ((from_policy, policy["normalizer"]), (from_checkpoint, checkpoint["normalizer"]))]
    assert played[0] == played[1]
    # The statistics matter: without them the same network plays other episodes.
    assert play_episodes(from_policy, cfg, None, episodes=3, greedy=True, seed=7) != played[0]


def test_a3c_eval_prints_the_mean_with_its_interval_and_writes_eval_json_only(pendulum_run, tmp_path):
    before = {p.name: p.stat().st_mtime_ns for p in pendulum_run.iterdir() if p.name not in ("eval.json", "evals.jsonl")}
    result = run_eval(str(pendulum_run), "eval.episodes=4", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Pendulum-v1: mean return" in result.stdout and "95% CI" in result.stdout
    written = json.loads((pendulum_run / "eval.json").read_text())
    assert written["episodes"] == 4 and len(written["returns"]) == 4 and written["greedy"] is True
    assert written["ci95_low"] <= written["mean_return"] <= written["ci95_high"]
    assert all(length == 200 for length in written["lengths"])  # Pendulum's time limit: whole episodes
    after = {p.name: p.stat().st_mtime_ns for p in pendulum_run.iterdir() if p.name not in ("eval.json", "evals.jsonl")}
    assert after == before


def test_the_same_seed_gives_the_same_evaluation(pendulum_run, tmp_path):
    returns = []
    for _ in range(2):
        assert run_eval(str(pendulum_run), "eval.episodes=2", "eval.greedy=false", cwd=tmp_path).returncode == 0
        returns.append(json.loads((pendulum_run / "eval.json").read_text())["returns"])
    assert returns[0] == returns[1]


@pytest.mark.parametrize("args, words", [
    (["eval.episodes=0"], ["eval.episodes=0", ">= 1"]),
    (["eval.episode=3"], ["eval.episode=3", "no such key", "eval.episodes"]),
    (["algo.lr=0.1"], ["algo.lr=0.1", "eval.* or env.*"]),
    (["env.id=CartPole-v1"], ["env.id=CartPole-v1 is not allowed", "Discrete(2)", "Pendulum-v1"]),
])
def test_bad_eval_input_is_one_line_and_exit_2(pendulum_run, tmp_path, args, words):
    assert_one_line_error(run_eval(str(pendulum_run), *args, cwd=tmp_path), *words)


def test_a_directory_without_a_policy_is_refused(tmp_path):
    assert_one_line_error(run_eval(str(tmp_path), cwd=tmp_path), "holds no policy.pt")
    assert_one_line_error(run_eval(str(tmp_path / "missing"), cwd=tmp_path), "no such run directory")


@pytest.mark.parametrize("args", [["missing"], ["missing", "eval.episodes=0"], [".", "eval.episods=3"]])
def test_a_missing_path_or_bad_option_is_refused_before_torch_loads(tmp_path, args):
    # What makes the refusal come within a second: torch's import alone takes longer.
    probe = ("import sys\nfrom a3c.cli.eval import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as stop:\n"
             "    print('exit', stop.code, 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "exit 2 False", result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_damaged_policy_file_is_refused(pendulum_run, tmp_path):
    damaged = tmp_path / "policy.pt"
    damaged.write_bytes((pendulum_run / "policy.pt").read_bytes()[:2000])  # cut short mid-write
    assert_one_line_error(run_eval(str(damaged), cwd=tmp_path), "not a readable policy file")
    assert_one_line_error(run_eval(str(tmp_path), "eval.trust_checkpoint=true", cwd=tmp_path),
                          "neither a policy file nor a checkpoint")


class WritesMarker:
    """Unpickling this object would run code: it writes the marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code ran"))


@pytest.mark.parametrize("name", ["policy.pt", "checkpoint.pt"])
def test_a_file_whose_unpickling_would_run_code_is_refused_unrun(tmp_path, name):
    marker, run_dir = tmp_path / "marker", tmp_path / "run"
    run_dir.mkdir()
    torch.save({"format": "a3c-policy/1", "model": WritesMarker(marker)}, run_dir / name)
    for target in (run_dir, run_dir / name):
        result = run_eval(str(target), cwd=tmp_path)
        assert result.returncode == 2 and not marker.exists()
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "trust_checkpoint" in run_eval(str(run_dir), cwd=tmp_path).stderr or name == "policy.pt"


def test_a_trusted_checkpoint_can_be_evaluated(pendulum_run, tmp_path):
    result = run_eval(str(pendulum_run / "checkpoint.pt"), "eval.trust_checkpoint=true", "eval.episodes=1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def metric_lines(run_dir: Path, key: str) -> list[dict]:
    lines = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [line for line in lines if key in line]


# Pendulum's tuned preset explores with gSDE, whose noise a batch of another size redraws.
@pytest.mark.parametrize("env", ["cartpole", "pendulum"])
def test_periodic_evaluation_logs_greedy_returns_and_keeps_the_best_policy_without_changing_training(tmp_path, env):
    runs = {}
    for every in (0, 1000):
        run_dir = tmp_path / f"every{every}"
        result = run_cli(*SERIAL, f"env={env}", "train.total_steps=4000", f"train.eval_every_steps={every}",
                         "train.eval_episodes=3", f"hydra.run.dir={run_dir}", cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        runs[every] = run_dir
    evals = metric_lines(runs[1000], "eval/mean_return")
    assert [line["global_step"] // 1000 for line in evals] == [1, 2, 3, 4]
    summary = json.loads((runs[1000] / "summary.json").read_text())
    assert summary["eval_best_mean_return"] == max(line["eval/mean_return"] for line in evals)
    assert summary["eval_last_mean_return"] == evals[-1]["eval/mean_return"]
    best = load_policy(runs[1000] / "best_policy.pt")
    assert best["global_step"] == summary["eval_best_at_step"]
    # Evaluation draws on no training randomness: the training curve is the same without it.
    returns = {every: [line["charts/episodic_return"] for line in metric_lines(run, "charts/episodic_return")]
               for every, run in runs.items()}
    assert returns[0] == returns[1000] and not (runs[0] / "best_policy.pt").exists()
    # Nor does its time count as training's.
    assert summary["eval_seconds"] > 0 and json.loads((runs[0] / "summary.json").read_text())["eval_seconds"] == 0


def test_a_run_resumed_into_another_directory_takes_the_best_policy_its_summary_names(tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    result = run_cli(*SERIAL, "train.total_steps=4000", "train.eval_every_steps=2000", "train.eval_episodes=2",
                     f"hydra.run.dir={first}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    result = run_cli(*SERIAL, "train.total_steps=5000", "train.eval_every_steps=2000", "train.eval_episodes=2",
                     f"train.resume={first}", f"hydra.run.dir={second}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((second / "summary.json").read_text())
    assert load_policy(second / "best_policy.pt")["global_step"] == summary["eval_best_at_step"] is not None
    # One that a later evaluation replaced is not the checkpoint's best: left behind, with a word.
    carry_best_policy(first, tmp_path / "third", {"global_step": 123, "mean_return": 1.0})
    assert not (tmp_path / "third" / "best_policy.pt").exists()
    assert "best_policy.pt held the policy of step 4,000, not this checkpoint's best (step 123)" in capsys.readouterr().err
    # a3c-eval of it says which of its episodes' seeds the evaluations that picked it played.
    result = run_eval(str(first / "best_policy.pt"), cwd=tmp_path)
    assert ("warning: eval.seed=1000000 plays env seeds 1000000-1000009, among those the periodic evaluation "
            "that picked it played (1000004-1000005, train.seed=0)") in result.stderr
    assert "warning" not in run_eval(str(first / "best_policy.pt"), "eval.episodes=4", cwd=tmp_path).stderr
    # In place (a requeued job whose last checkpoint is older than its best policy), it is set aside once.
    carry_best_policy(first, first, {"global_step": 123, "mean_return": 1.0})
    assert not (first / "best_policy.pt").exists() and (first / "best_policy.unfinished.pt").exists()
    assert "moved to best_policy.unfinished.pt" in capsys.readouterr().err


def test_one_episode_gets_no_interval_and_seeds_the_policy_trained_on_are_warned_of(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli(*SERIAL, "train.total_steps=1000", "train.seed=100", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    result = run_eval(str(run_dir), "eval.episodes=1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "one episode: no CI" in result.stdout
    written = json.loads((run_dir / "eval.json").read_text())
    assert written["ci95_low"] is None and written["ci95_high"] is None
    assert ("warning: eval.seed=1000000 plays env seeds 1000000-1000000, among those this policy trained with "
            "(1000000-1009999, train.seed=100)") in result.stderr
    assert "warning" not in run_eval(str(run_dir), "eval.seed=5000000", cwd=tmp_path).stderr


def test_hogwild_evaluates_in_a_process_of_its_own_and_wandb_keeps_the_policy_artifact(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli("workers=hogwild", "train.progress=false", "train.total_steps=12000", "train.stop_at_target=false",
                     "train.eval_every_steps=3000", "train.eval_episodes=2", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert metric_lines(run_dir, "eval/mean_return") and (run_dir / "best_policy.pt").exists()
    run = read_offline_run(run_dir)
    assert any("eval/mean_return" in row for row in run.history)
    (name, kind, metadata, files, aliases), = run.artifacts
    assert (kind, files, metadata["env.id"]) == ("model", ["policy.pt"], "CartPole-v1")
    assert name == f"policy-{run.run_id}" and "final" in aliases


def test_eval_video_films_each_episode_whole_and_adds_them_to_the_runs_wandb_run(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli("workers=serial", "train.progress=false", "train.total_steps=2000", f"hydra.run.dir={run_dir}",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    result = run_eval(str(run_dir), "eval.video=true", "eval.episodes=2", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    written = json.loads((run_dir / "eval.json").read_text())
    import imageio.v2 as imageio

    for path, length in zip(written["videos"], written["lengths"]):
        reader = imageio.get_reader(path)
        assert reader.count_frames() in (length, length + 1)  # every step, and maybe the first frame
        reader.close()
    videos_run = [p for p in run_dir.glob("wandb/offline-run-*/run-*.wandb")]
    assert len(videos_run) == 2  # training's, then the videos' under the same run id
    runs = [read_offline_run_file(path) for path in videos_run]
    assert {run.run_id for run in runs} == {written["wandb_run_id"]}
    logged = [row for run in runs for row in run.history if "eval/video/count" in row]
    assert [(row["eval/video/count"], row["global_step"]) for row in logged] == [(2, written["global_step"])]


def test_every_evaluation_keeps_its_record_and_the_report_takes_the_final_policys_greedy_one(pendulum_run, tmp_path):
    from a3c.report.runs import load_run

    records = pendulum_run / "evals.jsonl"
    before = records.read_text().splitlines() if records.exists() else []
    greedy = run_eval(str(pendulum_run), "eval.episodes=3", cwd=tmp_path)
    sampled = run_eval(str(pendulum_run), "eval.episodes=2", "eval.greedy=false", "eval.seed=7", cwd=tmp_path)
    changed_env = run_eval(str(pendulum_run), "eval.episodes=2", "env.max_episode_steps=50", cwd=tmp_path)
    assert greedy.returncode == sampled.returncode == changed_env.returncode == 0, sampled.stderr[-2000:]
    added = [json.loads(line) for line in records.read_text().splitlines()[len(before):]]
    assert [(r["greedy"], r["episodes"], r["seed"], r["env_overrides"]) for r in added] == [
        (True, 3, 1_000_000, []), (False, 2, 7, []), (True, 2, 1_000_000, ["env.max_episode_steps=50"])]
    run = load_run(pendulum_run)  # the later evaluations played other things: the greedy one stands
    assert run.final_eval == added[0]["mean_return"] and run.final_eval_episodes == 3


def test_a_text_file_given_as_a_policy_is_said_to_be_no_torch_file(tmp_path):
    from a3c.run.policy_file import PolicyFileError, load_policy

    (tmp_path / "metrics.jsonl").write_text('{"global_step": 0}\n')
    with pytest.raises(PolicyFileError, match=r"metrics.jsonl is not a readable policy file \(not a file torch.save wrote\)$"):
        load_policy(tmp_path / "metrics.jsonl")


def test_an_env_override_that_changes_the_spaces_is_named_in_the_refusal(pendulum_run, tmp_path):
    # Pendulum's observation has 3 entries; hiding one leaves 2, which the trained network cannot take.
    result = run_eval(str(pendulum_run), "env.hide_obs=[1]", cwd=tmp_path)
    assert_one_line_error(result, "error: env.hide_obs=[1] is not allowed: the env's observation shape (2,)",
                          "trained on Pendulum-v1")
