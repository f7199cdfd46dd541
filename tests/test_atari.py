"""Atari: the DeepMind preprocessing on real ALE games, the paper's networks, and a real run."""
import numpy as np
import pytest
from conftest import run_cli
from test_smoke import SUMMARY_FIELDS, read_run

from a3c.config.schema import AtariConfig, EnvConfig
from a3c.envs import EnvBatch, make_env_batch
from a3c.envs.envpool import EnvpoolBatch

BACKENDS = ("gymnasium", "envpool")  # env.backend: both hold to the same semantics (test_envpool.py)


def atari_batch(game: str, seed: int = 0, backend: str = "gymnasium", **atari) -> EnvBatch:
    return make_env_batch(EnvConfig(id=f"ALE/{game}-v5", backend=backend, atari=AtariConfig(**atari)), seeds=[seed])


def lives_left(envs: EnvBatch) -> int:
    return int(envs.lives[0]) if isinstance(envs, EnvpoolBatch) else envs.envs[0].unwrapped.ale.lives()


def play_one_game(envs: EnvBatch, seed: int = 0, max_steps: int = 20_000):
    """Random actions until the first whole game ends: (training steps, finished game)."""
    rng = np.random.default_rng(seed)
    steps = []
    for _ in range(max_steps):
        result = envs.step(rng.integers(envs.action_space.n, size=1))
        steps.append(result)
        if result.finished_episodes:
            return steps, result.finished_episodes[0]
    raise AssertionError(f"no game ended within {max_steps} steps")


def test_pong_observations_are_four_stacked_84x84_grayscale_frames():
    envs = atari_batch("Pong")
    assert envs.obs.shape == (1, 4, 84, 84) and envs.obs.dtype == np.uint8
    for _ in range(10):
        envs.step(np.array([0]))
    assert envs.obs.max() > 0 and not np.array_equal(envs.obs[0, 0], envs.obs[0, 3])  # frames move


@pytest.mark.parametrize("backend", BACKENDS)
def test_rewards_are_clipped_for_training_but_the_logged_return_is_the_game_score(backend):
    # Space Invaders pays 5 to 30 points per invader; the same seed and actions replay one game.
    clipped, _ = play_one_game(atari_batch("SpaceInvaders", backend=backend, terminal_on_life_loss=False))
    raw, (_, raw_score, raw_length) = play_one_game(
        atari_batch("SpaceInvaders", backend=backend, terminal_on_life_loss=False, clip_rewards=False))
    clipped_rewards = np.concatenate([s.rewards for s in clipped])
    raw_rewards = np.concatenate([s.rewards for s in raw])
    assert set(np.unique(clipped_rewards)) <= {-1.0, 0.0, 1.0}
    assert raw_rewards.max() >= 5
    logged = clipped[-1].finished_episodes[0]
    assert logged[1] == raw_score == raw_rewards.sum() > clipped_rewards.sum()
    assert logged[2] == raw_length == len(raw)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_lost_life_ends_the_training_episode_but_not_the_game(backend):
    envs = atari_batch("Breakout", backend=backend, clip_rewards=False)
    rng = np.random.default_rng(0)
    rewards, lives_after_each_end = [], []
    for _ in range(20_000):
        result = envs.step(rng.integers(envs.action_space.n, size=1))
        rewards.append(result.rewards[0])
        if result.terminated[0]:
            lives_after_each_end.append(lives_left(envs))  # after the reset that the batch made
        if result.finished_episodes:
            break
    # Five training episodes in one game: each reset played on with the lives left.
    assert lives_after_each_end == [4, 3, 2, 1, 5]
    (_, score, length), = result.finished_episodes
    # The logged return is the whole game's score (the reset after each lost life plays one
    # no-op step, counted in the game's length).
    assert score == sum(rewards) and length == len(rewards) + 4


def test_a_tiny_lstm_a3c_run_on_pong_with_two_workers_writes_its_files(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli("env=pong", "model=atari_cnn_lstm", "workers=hogwild", "workers.count=2",
                     "workers.envs_per_worker=2", "train.total_steps=400", "train.log_every_updates=5",
                     "train.progress=false", "logger=off", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    summary, lines, config, checkpoint = read_run(run_dir)
    assert SUMMARY_FIELDS <= summary.keys()
    assert summary["env_id"] == "ALE/Pong-v5" and summary["global_step"] >= 400
    assert config["model"]["lstm_size"] == 256 and "actor_body.lstm.weight_hh" in checkpoint["model"]
    assert any("losses/policy" in line for line in lines)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_game_cut_by_the_time_limit_in_the_no_op_after_a_lost_life_is_still_reported(backend):
    # Replay one Breakout game up to its first lost life at training step k; with a time limit
    # of k + 1 agent steps the no-op step that follows the lost life ends the game.
    rng = np.random.default_rng(0)
    actions = rng.integers(4, size=5_000)
    envs = atari_batch("Breakout", backend=backend)
    first_loss = next(k for k, action in enumerate(actions, 1) if envs.step(np.array([action])).terminated[0])
    envs = make_env_batch(EnvConfig(id="ALE/Breakout-v5", backend=backend, max_episode_steps=first_loss + 1), seeds=[0])
    results = [envs.step(np.array([action])) for action in actions[:first_loss]]
    assert results[-1].terminated[0] and not any(r.finished_episodes for r in results[:-1])
    (index, _, length), = results[-1].finished_episodes
    assert index == 0 and length == first_loss + 1


def test_an_atari_time_limit_counts_agent_steps_not_frames():
    envs = EnvBatch(EnvConfig(id="ALE/Pong-v5", max_episode_steps=30), seeds=[0])
    results = [envs.step(np.array([0])) for _ in range(30)]
    assert [r.truncated[0] for r in results] == [False] * 29 + [True]
    assert results[-1].finished_episodes[0][2] == 30


@pytest.mark.parametrize("limit, ale_cap", [(None, 108_000), (30_000, 0)])
def test_a_time_limit_lifts_ales_own_cap_so_that_it_alone_decides(limit, ale_cap):
    # Above about 27,000 agent steps ALE v5's 108,000 frames would cut a game first (envpool's does not).
    envs = make_env_batch(EnvConfig(id="ALE/Breakout-v5", max_episode_steps=limit), seeds=[0])
    assert envs.envs[0].unwrapped.ale.getInt("max_num_frames_per_episode") == ale_cap
    envs.close()
