"""Prompt templates kept as text files, rendered with a check for missing variables."""

import string
from functools import cache
from importlib import resources


@cache
def template(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")


def render(name: str, /, **variables: object) -> str:
    """Fill `prompts/<name>.txt`; a variable the template needs but was not given is an error."""
    text = template(name)
    needed = {field for _, field, _, _ in string.Formatter().parse(text) if field}
    missing = sorted(needed - variables.keys())
    if missing:
        raise KeyError(f"prompt {name!r} needs {', '.join(missing)}")
    return text.format(**variables).strip()
