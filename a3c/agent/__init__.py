"""The agent layer: actor-critic networks, their torsos, action heads and Gaussian std, and the live probes of their health."""
