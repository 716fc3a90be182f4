"""The little language of `--compare`: which runs go side by side, and how each one differs.

'seed=1;seed=2;optimizer=sgd,lr=0.1' is three runs, separated by ';', each the base
configuration with its own `name=value` changes, separated by ','.
"""
from __future__ import annotations

from filterlab.engine.core.config import Config, ConfigError

RUN_FIELDS = ("seed", "optimizer", "lr", "momentum", "weight_decay", "init", "init_value")


def configs_from_spec(spec: str, base: Config) -> list[tuple[str, Config]]:
    """'seed=1;seed=2;optimizer=sgd,lr=0.1' -> (name, Config) per run: `base` with its changes.

    Runs are separated by ';', settings within a run by ',', each `name=value` with a name
    from RUN_FIELDS ('-' may stand for '_'), each at most once in a run; a run's name is its
    text. ConfigError names what is wrong.
    """
    runs = []
    for number, text in enumerate(spec.split(";"), start=1):
        changes = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, value = (s.strip() for s in item.partition("="))
            name = name.replace("-", "_")
            if not sep or name not in RUN_FIELDS:
                raise ConfigError(f"run {number}: {item!r} is not name=value with a name among "
                                  f"{', '.join(RUN_FIELDS)}")
            if name in changes:
                raise ConfigError(f"run {number} sets {name.replace('_', '-')} twice; give each setting once")
            changes[name] = _value(name, value, number)
        if not changes:
            raise ConfigError(f"run {number} is empty; give it at least one name=value (e.g. seed=0)")
        try:
            runs.append((text.strip(), base.with_(**changes)))
        except ConfigError as error:
            raise ConfigError(f"run {number}: {error}") from None
    return runs


def _value(name: str, text: str, number: int):
    convert = {"seed": int, "optimizer": str, "init": str}.get(name, float)
    try:
        return convert(text)
    except ValueError:
        kind = "whole number" if convert is int else "number"
        raise ConfigError(f"run {number}: {name} must be a {kind}, got {text!r}") from None
