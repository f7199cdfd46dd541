"""How far does the paper's RMSProp move each weight? Reads a checkpoint's shared optimizer
statistics (v, the running mean of g², one per weight) and prints, per parameter tensor, the
median and 99th percentile of v and the share of weights with v above ε = 0.1.

The paper's update is θ ← θ − η·g / √(v + ε). Where v ≪ ε the denominator is √ε ≈ 0.32 for
every weight: the update is plain SGD with the rate η / √ε (2.2e-3 at η = 7e-4), and a weight
whose gradients are small moves by that rate times its small gradient, not by about η as it
would with a small ε.

    python experiments/atari/probe_optimizer.py <run dir>/checkpoint.pt   # a Markdown table
"""
from __future__ import annotations

import sys

import torch

EPS = 0.1  # conf/experiment/atari_a3c.yaml: algo.optimizer_eps


def main(path: str) -> None:
    # Our own checkpoint (tensors, numpy arrays and dicts; docs/checkpoints.md).
    saved = torch.load(path, weights_only=False, map_location="cpu")
    names = list(saved["model"])  # the optimizer's statistics follow model.parameters(), which is this order
    print(f"{path}: global_step {saved['global_step']:,}\n")
    print(f"| parameter | weights | median v | 99th percentile v | share with v > ε = {EPS} |")
    print("|---|---|---|---|---|")
    for name, state in zip(names, saved["optimizer"]["state"]):
        v = state["square_avg"].flatten().float()
        print(f"| {name} | {v.numel():,} | {v.median():.1e} | {v.quantile(0.99):.1e} | {(v > EPS).float().mean():.3f} |")


if __name__ == "__main__":
    main(sys.argv[1])
