"""Is an Atari LSTM agent's recurrent layer alive? Plays 400 Pong steps with a checkpoint's
policy (sampled actions) and with a freshly initialized network of the same config, and prints
what the actor's body computes on them: the fc features under the LSTM, the LSTM's h and c,
each gate's pre-activation, and how much the policy's logits move over time.

A dead LSTM shows gates saturated (|pre-activation| far above 5: sigmoid/tanh at 0 or 1, their
gradients ~0), an output gate shut (h ~ 0) or h that no longer varies with the input, and
logits that do not move: the heads then see a constant and the policy stays uniform.

    python experiments/atari/probe_lstm.py <run dir>/checkpoint.pt
"""
from __future__ import annotations

import sys

import numpy as np
import torch

from a3c.agent.networks import build_model
from a3c.cli.eval import trained_config
from a3c.envs import make_env
from a3c.run.checkpoint import load_checkpoint

STEPS = 400
GATES = "ifgo"  # torch's LSTMCell order: input, forget, cell candidate, output


@torch.no_grad()
def probe(model, env, label: str) -> None:
    body = model.actor_body if hasattr(model, "actor_body") else model.body
    lstm = body.lstm
    obs, _ = env.reset(seed=5)
    state, rows = None, {"fc": [], "h": [], "c": [], "gates": [], "logits": []}
    for _ in range(STEPS):
        frames = torch.from_numpy(np.asarray(obs)[None])
        features = body.torso(frames)[0]
        recurrent = lstm.weight_hh @ state[0][0] if state is not None else 0.0
        rows["gates"].append((lstm.weight_ih @ features + lstm.bias_ih + lstm.bias_hh + recurrent).numpy())
        logits, _, state = model(frames, state)
        rows["fc"].append(features.numpy())
        rows["h"].append(state[0][0].numpy())
        rows["c"].append(state[1][0].numpy())
        rows["logits"].append(logits[0].numpy())
        obs, _, terminated, truncated, _ = env.step(int(torch.multinomial(torch.softmax(logits[0], -1), 1)))
        if terminated or truncated:
            obs, _ = env.reset()
            state = None
    fc, h, c, gates, logits = (np.array(rows[key]) for key in ("fc", "h", "c", "gates", "logits"))
    print(f"== {label}")
    print(f"fc features: mean {fc.mean():.3f} max {fc.max():.2f}; units never active {np.mean(fc.max(0) <= 0):.2%}; "
          f"time-std per unit {fc.std(0).mean():.4f}")
    print(f"lstm h: |h| mean {np.abs(h).mean():.3f}; time-std per unit {h.std(0).mean():.4f}; "
          f"|h| > 0.95 {np.mean(np.abs(h) > 0.95):.2%}")
    print(f"lstm c: |c| mean {np.abs(c).mean():.2f} max {np.abs(c).max():.1f}")
    width = gates.shape[1] // 4
    for i, gate in enumerate(GATES):
        part = gates[:, i * width:(i + 1) * width]
        print(f"gate {gate} pre-activation: mean {part.mean():+.2f} |.| {np.abs(part).mean():.2f} "
              f"time-std {part.std(0).mean():.3f}")
    probs = torch.softmax(torch.tensor(logits), -1).mean(0).numpy().round(3)
    print(f"logits time-std {logits.std(0).mean():.4f}; mean action probabilities {probs}")


def trained_and_fresh(saved: dict):
    """A Pong env, the network saved (a checkpoint's or a policy file's payload) and a fresh
    one of the same config, seeded."""
    cfg = trained_config(saved["config"], [])
    env = make_env(cfg.env, seed=5)
    trained = build_model(cfg, env.observation_space, env.action_space)
    trained.load_state_dict(saved["model"])
    torch.manual_seed(0)
    fresh = build_model(cfg, env.observation_space, env.action_space)
    return env, trained, fresh


def main(path: str) -> None:
    torch.set_num_threads(1)
    saved = load_checkpoint(path)  # our own runs' checkpoints: trusted
    env, trained, fresh = trained_and_fresh(saved)
    probe(fresh, env, "fresh init")
    probe(trained, env, f"trained ({saved['global_step']:,} agent steps)")


if __name__ == "__main__":
    main(sys.argv[1])
