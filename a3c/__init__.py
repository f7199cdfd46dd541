"""a3c: a lab for the actor-critic family, from REINFORCE to A3C."""
