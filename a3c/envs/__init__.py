"""Environments, one module per family: make.py picks the family from the id and adds the
wrappers the config asks for; batch.py steps a few envs together for one worker, envpool.py
steps a worker's Atari envs in envpool instead (env.backend=envpool)."""
from a3c.envs.batch import EnvBatch, StepResult
from a3c.envs.envpool import make_env_batch
from a3c.envs.make import env_spaces, make_env, register_env

__all__ = ["EnvBatch", "StepResult", "env_spaces", "make_env", "make_env_batch", "register_env"]
