"""The running layer: one training run (in-process or Hogwild), its processes, bookkeeping, checkpoints, policy files, tracking and evaluation."""
