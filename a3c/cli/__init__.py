"""The command lines: a3c-train (Hydra app, hooks, resume, sweeps and searches) and a3c-eval. Check the config, then call the run layer."""
