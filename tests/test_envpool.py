"""env.backend=envpool: real envpool on real ALE games, held to the gymnasium backend's semantics.
test_atari.py runs its clipping and life-loss tests with both backends."""
import numpy as np
import pytest
from conftest import make_config, run_cli
from test_smoke import read_run

from a3c.cli.validate import validate
from a3c.config.rules import ConfigError
from a3c.config.schema import AtariConfig, EnvConfig
from a3c.envs import EnvBatch, env_spaces, make_env_batch
from a3c.envs.envpool import EnvpoolBatch


def envpool_batch(game: str, seeds=(0,), **atari) -> EnvpoolBatch:
    env_cfg = EnvConfig(id=f"ALE/{game}-v5", backend="envpool", atari=AtariConfig(**atari))
    envs = make_env_batch(env_cfg, list(seeds))
    assert isinstance(envs, EnvpoolBatch)
    return envs


def test_observations_are_four_stacked_84x84_grayscale_frames_in_the_gymnasium_spaces():
    envs = envpool_batch("Pong", seeds=(0, 1))
    assert envs.obs.shape == (2, 4, 84, 84) and envs.obs.dtype == np.uint8
    assert (envs.observation_space, envs.action_space) == env_spaces(EnvConfig(id="ALE/Pong-v5"))
    for _ in range(30):  # Pong serves after about 60 frames
        envs.step(np.array([0, 0]))
    assert envs.obs.max() > 0 and not np.array_equal(envs.obs[0, 0], envs.obs[0, 3])  # frames move
    envs.close()


# Breakout: 5 lives, 1 to 7 points a brick; Space Invaders: 3 lives, 5 to 30 points an invader.
@pytest.mark.parametrize("game,lives,n_games", [("Breakout", 5, 8), ("SpaceInvaders", 3, 2)])
def test_both_backends_see_the_same_frames_and_scores_in_the_same_game(game, lives, n_games):
    """With one no-op at the start and no sticky actions (the only random draws, which each
    backend makes from its own generator) the two backends play the same games."""
    env_cfg = EnvConfig(id=f"ALE/{game}-v5", atari=AtariConfig(noop_max=1))
    gym_envs, pool_envs = EnvBatch(env_cfg, [0, 1]), envpool_batch(game, seeds=(0, 1), noop_max=1)
    rng = np.random.default_rng(0)
    games, lives_lost, steps = [], 0, 0
    np.testing.assert_array_equal(gym_envs.obs, pool_envs.obs)
    while len(games) < n_games:
        actions = rng.integers(gym_envs.action_space.n, size=2)
        active = rng.random(2) < 0.7 if steps % 5 == 0 else None  # envs sitting out stand still in both
        ours, theirs = gym_envs.step(actions, active), pool_envs.step(actions, active)
        for field in ("rewards", "terminated", "truncated"):
            np.testing.assert_array_equal(getattr(ours, field), getattr(theirs, field), err_msg=f"{field}, step {steps}")
        np.testing.assert_array_equal(gym_envs.obs, pool_envs.obs, err_msg=f"step {steps}")
        assert ours.finished_episodes == theirs.finished_episodes
        # The one frame that may differ: a game that ends in the middle of a frame skip leaves
        # stale frames in the max-pool, each backend its own. It is never learned from: the
        # value after a termination is 0, and final_obs serves only truncations.
        game_over = np.zeros(2, dtype=bool)
        game_over[[index for index, _, _ in ours.finished_episodes]] = True
        kept = ~(game_over & ours.terminated)
        np.testing.assert_array_equal(ours.final_obs[kept], theirs.final_obs[kept])
        games += ours.finished_episodes
        lives_lost += int((ours.terminated & ~game_over).sum())
        steps += 1
    assert lives_lost >= (lives - 1) * len(games) and len({score for _, score, _ in games}) > 1
    gym_envs.close()
    pool_envs.close()


def test_a_game_over_on_the_time_limits_step_is_terminated_in_both_backends():
    """The limit cuts the game on the step it ends: a game over all the same (no bootstrap from
    it), as gymnasium's TimeLimit says; envpool's own terminated flag said cut alone."""
    actions = np.random.default_rng(0).integers(4, size=5000)

    def play(backend: str, limit: int | None):
        env_cfg = EnvConfig(id="ALE/Breakout-v5", backend=backend, max_episode_steps=limit, atari=AtariConfig(noop_max=1))
        envs = make_env_batch(env_cfg, [0])
        try:
            for action in actions:
                result = envs.step(np.array([action]))
                if result.finished_episodes:
                    return bool(result.terminated[0]), bool(result.truncated[0]), result.finished_episodes[0][2]
        finally:
            envs.close()

    *_, length = play("envpool", None)
    assert play("gymnasium", length) == play("envpool", length) == (True, True, length)


def test_envs_are_reproducible_from_their_seeds():
    def trajectory(seeds):
        envs = envpool_batch("Breakout", seeds=seeds, repeat_action_probability=0.25)
        frames = [envs.obs.copy()]
        for _ in range(200):
            envs.step(np.array([1, 3]))
            frames.append(envs.obs.copy())
        envs.close()
        return np.stack(frames)

    first = trajectory((0, 1))
    assert np.array_equal(first, trajectory((0, 1)))
    assert not np.array_equal(first, trajectory((2, 3)))  # the seed makes the game: no-op starts, sticky actions


@pytest.mark.parametrize(
    "override,message",
    [
        ("env.backend=jax", "env.backend='jax' is not allowed: one of gymnasium, envpool"),
        ("env.backend=envpool", "env.backend='envpool' is not allowed: gymnasium for CartPole-v1 with env.preprocessing=auto"),
        ("env=pong env.preprocessing=none model=mlp env.backend=envpool",
         "env.backend='envpool' is not allowed: gymnasium for ALE/Pong-v5 with env.preprocessing=none"),
        ("env=pong env.backend=envpool env.atari.noop_max=0", "env.atari.noop_max=0 is not allowed: an integer >= 1 with env.backend=envpool"),
        ("env=pong env.backend=envpool env.atari.frame_skip=1", "env.atari.frame_skip=1 is not allowed: an integer >= 2 with env.backend=envpool"),
    ],
)
def test_envpool_is_refused_where_it_cannot_keep_the_semantics(override, message):
    with pytest.raises(ConfigError) as err:
        validate(make_config(*override.split()))
    assert str(err.value).startswith(message)


def test_a_tiny_a3c_run_on_pong_with_envpool_logs_its_games(tmp_path):
    run_dir = tmp_path / "run"
    # A 60-step time limit, so that games end (truncated) within the tiny budget.
    result = run_cli("env=pong", "env.backend=envpool", "env.max_episode_steps=60", "workers=serial",
                     "workers.envs_per_worker=2", "train.total_steps=300", "train.log_every_updates=5",
                     "train.progress=false", "logger=off", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    summary, lines, config, _ = read_run(run_dir)
    assert config["env"]["backend"] == "envpool" and summary["global_step"] >= 300
    lengths = [line["charts/episodic_length"] for line in lines if "charts/episodic_return" in line]
    assert lengths and set(lengths) == {60}
    assert any("losses/policy" in line for line in lines)
