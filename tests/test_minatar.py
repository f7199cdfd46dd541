"""MinAtar through the env layer and the CLI."""
import numpy as np
import pytest
from conftest import make_config, run_cli
from test_smoke import SUMMARY_FIELDS, read_run

from a3c.config.schema import EnvConfig
from a3c.envs import EnvBatch


@pytest.mark.parametrize("game,channels,actions", [("Breakout", 4, 3), ("SpaceInvaders", 6, 4)])
def test_minatar_frames_arrive_channels_first_as_float32_zeros_and_ones(game, channels, actions):
    envs = EnvBatch(EnvConfig(id=f"MinAtar/{game}-v1"), seeds=[0, 1])
    assert envs.observation_space.shape == (channels, 10, 10) and envs.action_space.n == actions
    for _ in range(20):
        envs.step(np.array([1, 2]))
        assert envs.obs.dtype == np.float32 and envs.obs.shape == (2, channels, 10, 10)
        assert set(np.unique(envs.obs)) <= {0.0, 1.0} and envs.obs.sum() > 0  # objects on the board


def test_minatar_frames_are_the_games_own_state_transposed():
    import gymnasium as gym

    from a3c.envs.minatar import register_minatar

    register_minatar("MinAtar/Breakout-v1")
    raw = gym.make("MinAtar/Breakout-v1", disable_env_checker=True)
    raw_obs, _ = raw.reset(seed=3)
    envs = EnvBatch(EnvConfig(id="MinAtar/Breakout-v1"), seeds=[3])
    np.testing.assert_array_equal(envs.obs[0], raw_obs.transpose(2, 0, 1).astype(np.float32))


@pytest.mark.parametrize("model", ["minatar_cnn", "minatar_cnn_lstm"])
def test_a_tiny_minatar_run_completes_and_writes_its_files(tmp_path, model):
    run_dir = tmp_path / "run"
    result = run_cli("env=minatar_breakout", f"model={model}", "workers=serial", "train.total_steps=600",
                     "train.log_every_updates=5", "train.progress=false", "logger=off",
                     f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    summary, lines, config, checkpoint = read_run(run_dir)
    assert SUMMARY_FIELDS <= summary.keys()
    assert summary["env_id"] == "MinAtar/Breakout-v1" and summary["global_step"] >= 600
    assert config["model"]["arch"] == "minatar_cnn"
    assert ("actor_body.lstm.weight_hh" in checkpoint["model"]) == (model == "minatar_cnn_lstm")
    assert any("charts/episodic_return" in line for line in lines)
    probes = [line["probes/actor_inactive_units"] for line in lines if "probes/actor_inactive_units" in line]
    assert probes and all(0.0 <= probe <= 1.0 for probe in probes)  # the live dead-unit signal


def test_a_minatar_video_shows_the_game_in_colour_at_160_by_160(tmp_path):
    import imageio.v2 as imageio
    import torch

    from a3c.agent.networks import build_model
    from a3c.envs.make import env_spaces
    from a3c.run.evaluate import film_path, play_episodes

    cfg = make_config("env=minatar_breakout", "model=minatar_cnn")
    torch.manual_seed(0)
    model = build_model(cfg, *env_spaces(cfg.env))
    (_, length), = play_episodes(model, cfg, None, episodes=1, greedy=False, seed=5, video_dir=tmp_path)
    frames = imageio.mimread(film_path(tmp_path, 5), memtest=False)
    assert len(frames) in (length, length + 1)  # every step, and maybe the first frame
    assert all(frame.shape == (160, 160, 3) for frame in frames)
    # The paddle, the ball and the bricks are on screen: bright, coloured cells, not a black frame.
    assert all((frame.max(axis=2) > 100).mean() > 0.05 for frame in frames)
    assert all(len(np.unique(frame.reshape(-1, 3) // 32, axis=0)) >= 3 for frame in frames)
