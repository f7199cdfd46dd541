"""Is a feed-forward Atari agent's network alive? Plays 400 Pong steps with a policy file's
policy (sampled actions) and with a freshly initialized network of the same config, and prints
what the actor's fc layer computes on them, how much the logits and the value move over time.

Dead ReLUs show as fc units that never fire and features that no longer vary with the screen:
the heads then see a constant, so the policy and the value are constants too.

    python experiments/atari/probe_features.py <run dir>/policy.pt
"""
from __future__ import annotations

import sys

import numpy as np
import torch
from probe_lstm import trained_and_fresh  # this script's folder is on the path when it runs

from a3c.run.policy_file import load_policy

STEPS = 400


@torch.no_grad()
def probe(model, env, label: str) -> None:
    obs, _ = env.reset(seed=5)
    features, logits, values = [], [], []
    for _ in range(STEPS):
        frames = torch.from_numpy(np.asarray(obs)[None])
        actor_out, value, _ = model(frames, None)
        features.append(model.actor_body(frames, None)[0][0].numpy())
        logits.append(actor_out[0].numpy())
        values.append(float(value[0]))
        obs, _, terminated, truncated, _ = env.step(int(torch.multinomial(torch.softmax(actor_out[0], -1), 1)))
        if terminated or truncated:
            obs, _ = env.reset()
    fc, logits, values = np.array(features), np.array(logits), np.array(values)
    probs = torch.softmax(torch.tensor(logits), -1).mean(0).numpy().round(3)
    print(f"== {label}")
    print(f"fc features: mean {fc.mean():.3f} max {fc.max():.2f}; units never active {np.mean(fc.max(0) <= 0):.2%} "
          f"of {fc.shape[1]}; time-std per unit {fc.std(0).mean():.4f}")
    print(f"logits time-std {logits.std(0).mean():.4f}; mean action probabilities {probs}")
    print(f"value mean {values.mean():.3f}, time-std {values.std():.4f}")


def main(path: str) -> None:
    torch.set_num_threads(1)
    saved = load_policy(path)
    env, trained, fresh = trained_and_fresh(saved)
    probe(fresh, env, "fresh init")
    probe(trained, env, f"trained ({saved['global_step']:,} agent steps)")


if __name__ == "__main__":
    main(sys.argv[1])
