"""Hydra's sweep syntax as Optuna's search space: interval, choice and range overrides become
distributions; the rest are the overrides every trial shares."""
from __future__ import annotations

from typing import Any


def search_space(arguments: list[str]) -> tuple[list[str], dict[str, Any]]:
    """The overrides every trial shares, and the distribution of each searched key. Raises
    ValueError, one line, for a search space Optuna does not take."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    final = {o.key_or_group: o for o in OverridesParser.create().parse_overrides(arguments)}
    fixed = [o.input_line for o in final.values() if not o.is_sweep_override()]
    space = {}
    for key, override in final.items():
        if override.is_sweep_override():
            try:
                space[key] = distribution(override)
            except (ValueError, TypeError) as err:
                raise ValueError(f"{override.input_line} is not a search space Optuna takes: {err}") from None
    return fixed, space


def distribution(override: Any) -> Any:
    """interval(a, b) (tag(log, ...) for a log scale; ints give ints), choice(...), and
    range(...), an integer one stepped, any other as its list of values."""
    from hydra.core.override_parser.types import Transformer
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    value = override.value()
    if override.is_interval_sweep():
        log_scale = "log" in value.tags
        if isinstance(value.start, int) and isinstance(value.end, int):
            return IntDistribution(value.start, value.end, log=log_scale)
        return FloatDistribution(value.start, value.end, log=log_scale)
    choices = list(override.sweep_iterator(transformer=Transformer.encode))
    if not choices:
        raise ValueError("it has no value")
    if override.is_range_sweep() and not value.shuffle and all(isinstance(c, int) for c in (value.start, value.stop, value.step)):
        ints = sorted(int(c) for c in choices)
        return IntDistribution(ints[0], ints[-1], step=abs(value.step))
    if override.is_choice_sweep() or override.is_range_sweep():
        return CategoricalDistribution([c if isinstance(c, (str, int, float, bool, type(None))) else str(c) for c in choices])
    raise ValueError("only interval, choice and range are")


def search_space_bounds(arguments: list[str]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The overrides every trial shares, and one job's own per bound of the search space (each
    end of an interval, each choice): (the search space's override, [key=bound]).
    Raises ValueError, one line, for a search space Optuna does not take."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Transformer

    fixed, _ = search_space(arguments)  # raises for a space Optuna refuses
    final = {o.key_or_group: o for o in OverridesParser.create().parse_overrides(arguments)}
    bounds = []
    for key, override in final.items():
        if not override.is_sweep_override():
            continue
        if override.is_interval_sweep():
            values = [str(override.value().start), str(override.value().end)]
        else:
            values = list(override.sweep_iterator(transformer=Transformer.encode))
        bounds += [(override.input_line, [f"{key}={value}"]) for value in values]
    return fixed, bounds
