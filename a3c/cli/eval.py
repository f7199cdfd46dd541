"""`a3c-eval <run dir or policy file> [eval.* and env.* overrides]`: play a trained agent.

    a3c-eval outputs/2026-11-26/10-00-00-a3c-cartpole                  # its policy.pt, 10 greedy episodes
    a3c-eval runs/x/best_policy.pt eval.episodes=100 eval.greedy=false
    a3c-eval runs/x env.max_episode_steps=1000                         # the same task, longer episodes

Prints the mean return with its 95% CI (Student's t) and writes eval.json beside the policy;
nothing else in the run directory changes. Only weights-only policy files are read, unless
eval.trust_checkpoint=true (a resume checkpoint is a pickle: loading it runs its code).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from a3c.config.rules import ConfigError, validate_eval
from a3c.config.schema import SEEDS_PER_RUN, Config, EvalConfig, first_seed, periodic_eval_seed

EVAL_NAME = "eval.json"  # the latest evaluation only
EVALS_NAME = "evals.jsonl"  # one line per evaluation ever made: a3c-report picks from these
VIDEO_DIR = "videos"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="a3c-eval", description=__doc__.split("\n\n")[0].strip("`"),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="a run directory (its policy.pt) or a policy file")
    parser.add_argument("overrides", nargs="*", metavar="key=value",
                        help=f"eval.* ({', '.join(asdict(EvalConfig()))}) and env.* keys")
    args = parser.parse_args(argv)
    try:
        sys.exit(evaluate_path(Path(args.path), args.overrides))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)


def evaluate_path(path: Path, overrides: list[str]) -> int:
    options, env_overrides = parse_overrides(overrides)
    policy_path = locate_policy(path, options.trust_checkpoint)
    payload = read_policy(policy_path, options.trust_checkpoint)
    cfg = trained_config(payload["config"], env_overrides)

    import torch

    from a3c.cli.validate import validate
    from a3c.run.evaluate import EvalError, film_path, play_episodes, summarize  # gymnasium only now
    from a3c.run.policy_file import BEST_POLICY_NAME

    validate(cfg)
    _warn_of_seen_seeds(options, cfg, policy_path.name == BEST_POLICY_NAME, payload["global_step"])
    model = _model_for(cfg, payload, policy_path, env_overrides)
    torch.set_num_threads(1)
    torch.manual_seed(options.seed)  # eval.greedy=false samples actions
    videos = policy_path.parent / VIDEO_DIR if options.video else None
    try:
        outcomes = play_episodes(model, cfg, payload["normalizer"], options.episodes, options.greedy, options.seed, videos)
    except EvalError as err:
        raise ConfigError(str(err)) from None
    result = {"policy": str(policy_path), "env_id": cfg.env.id, "global_step": payload["global_step"],
              "greedy": options.greedy, "seed": options.seed, "env_overrides": env_overrides, **summarize(outcomes)}
    if videos is not None:
        from a3c.run.tracking import log_videos

        films = [film_path(videos, options.seed + i) for i in range(options.episodes)]
        result["videos"] = [str(path) for path in films]
        result["wandb_run_id"] = log_videos(policy_path.parent, cfg, films, payload["global_step"])
    out = policy_path.parent / EVAL_NAME
    out.write_text(json.dumps(result, indent=2) + "\n")  # the latest evaluation, as before
    with open(policy_path.parent / EVALS_NAME, "a", encoding="utf-8") as records:
        records.write(json.dumps(result) + "\n")  # every evaluation, each with what it played
    kind = "greedy" if options.greedy else "sampled"
    interval = (f"95% CI [{result['ci95_low']:.1f}, {result['ci95_high']:.1f}]" if result["ci95_low"] is not None
                else "one episode: no CI")
    print(f"{cfg.env.id}: mean return {result['mean_return']:.1f} ({interval}, std {result['std_return']:.1f}) "
          f"over {result['episodes']} {kind} episodes "
          f"of the policy at step {result['global_step']:,}; written to {out} (and {EVALS_NAME})")
    return 0


def _warn_of_seen_seeds(options: EvalConfig, cfg: Config, picked_by_evaluations: bool, global_step: int) -> None:
    """Env seeds the policy has met: its training's (the default eval seeds are apart from those of
    runs with train.seed < 100 only) and, for best_policy.pt, those of the periodic evaluation
    that picked it (the same episodes: a score on them is biased upward)."""
    played = range(options.seed, options.seed + options.episodes)
    first = first_seed(cfg.train.seed)
    seen = [("this policy trained with", range(first, first + SEEDS_PER_RUN))]
    if picked_by_evaluations and cfg.train.eval_every_steps:
        picked = periodic_eval_seed(cfg.train, global_step)
        seen.append(("the periodic evaluation that picked it played", range(picked, picked + cfg.train.eval_episodes)))
    for who, seeds in seen:
        if played.start < seeds.stop and seeds.start < played.stop:
            print(f"warning: eval.seed={options.seed} plays env seeds {played.start}-{played.stop - 1}, among those "
                  f"{who} ({seeds.start}-{seeds.stop - 1}, train.seed={cfg.train.seed}); another eval.seed keeps the "
                  f"episodes new to it", file=sys.stderr)


def parse_overrides(overrides: list[str]) -> tuple[EvalConfig, list[str]]:
    """eval.* into the options (checked), env.* kept for the trained config."""
    eval_items, env_items = [], []
    for item in overrides:
        key, sep, _ = item.partition("=")
        if not sep or not key.startswith(("eval.", "env.")):
            raise ConfigError(f"{item!r} is not allowed: overrides are key=value with an eval.* or env.* key")
        (eval_items if key.startswith("eval.") else env_items).append(item)
    options, allowed = OmegaConf.structured(EvalConfig), [f"eval.{key}" for key in asdict(EvalConfig())]
    for item in eval_items:
        key = item.partition("=")[0]
        if key not in allowed:
            raise ConfigError(f"{item} is not allowed: no such key; eval keys are {', '.join(allowed)}")
        try:
            options = OmegaConf.merge(options, OmegaConf.from_dotlist([item.removeprefix("eval.")]))
        except OmegaConfBaseException as err:
            raise ConfigError(f"{item} is not allowed: {_first_line(err)}") from None
    options = OmegaConf.to_object(options)
    validate_eval(options)
    return options, env_items


def locate_policy(path: Path, trust_checkpoint: bool) -> Path:
    if path.is_file():
        return path
    if not path.is_dir():  # refused before torch loads, as a bad option is: within a second
        raise ConfigError(f"{str(path)!r} is not allowed: no such run directory or policy file")
    from a3c.run.checkpoint import CHECKPOINT_NAME
    from a3c.run.policy_file import POLICY_NAME

    if (path / POLICY_NAME).is_file():
        return path / POLICY_NAME
    if (path / CHECKPOINT_NAME).is_file():
        if trust_checkpoint:
            return path / CHECKPOINT_NAME
        raise ConfigError(f"{path} has a {CHECKPOINT_NAME} but no {POLICY_NAME} (a run older than policy files); "
                              f"eval.trust_checkpoint=true reads the checkpoint, running any code it holds: only for files you trust")
    raise ConfigError(f"{str(path)!r} is not allowed: it holds no {POLICY_NAME} (not a run directory?)")


def read_policy(path: Path, trust_checkpoint: bool) -> dict:
    from a3c.run.checkpoint import CheckpointError, load_checkpoint
    from a3c.run.policy_file import PolicyFileError, load_policy

    try:
        return load_policy(path)
    except PolicyFileError as err:
        if not trust_checkpoint:
            raise ConfigError(str(err)) from None
    try:
        state = load_checkpoint(path, "it")
    except CheckpointError as err:
        raise ConfigError(f"{path} is neither a policy file nor a checkpoint ({err})") from None
    return {"model": state["model"], "config": state["config"], "normalizer": state.get("normalizer"),
            "global_step": state["global_step"]}


def trained_config(saved: dict, env_overrides: list[str]) -> Config:
    """The config the policy was trained with (keys added since then at their defaults), with
    the env.* overrides applied."""
    cfg = OmegaConf.merge(OmegaConf.structured(Config), saved)
    for item in env_overrides:
        try:
            cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist([item]))
        except OmegaConfBaseException as err:
            raise ConfigError(f"{item} is not allowed: {_first_line(err)}") from None
    return OmegaConf.to_object(cfg)


def _model_for(cfg: Config, payload: dict, policy_path: Path, env_overrides: list[str]):
    """The trained network, built for the (maybe overridden) env's spaces."""
    from a3c.agent.networks import build_model
    from a3c.envs import make_env

    env = make_env(cfg.env, seed=0)
    model = build_model(cfg, env.observation_space, env.action_space)
    spaces = f"observation shape {env.observation_space.shape} and action space {env.action_space}"
    env.close()
    try:
        model.load_state_dict(payload["model"])
    except RuntimeError:
        given = " ".join(env_overrides) or f"env.id={cfg.env.id!r}"  # what made the spaces differ
        raise ConfigError(f"{given} is not allowed: the env's {spaces} do not fit the network in "
                          f"{policy_path}, trained on {payload['config']['env']['id']}") from None
    return model


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0]


if __name__ == "__main__":
    main()
