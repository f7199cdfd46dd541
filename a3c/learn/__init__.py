"""The learning layer: rollouts, bootstrapped returns, losses, shared optimizers, and the Learner that turns one rollout into one update of the global model."""
