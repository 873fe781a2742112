"""Prompt files and their strict loader.

A prompt is a text file in this folder whose first line is ``version: NAME``
(recorded with every answer). The rest is a template with ``{variables}``.
Rendering with a missing or an unexpected variable is an error, so a prompt and
the code that fills it cannot drift apart silently.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from errors import PromptError

PROMPTS_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    template: str

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(
            field for _, field, _, _ in string.Formatter().parse(self.template) if field
        )

    def render(self, **values: str) -> str:
        """Fill the template; every variable exactly once, nothing extra.

        >>> Prompt("t", "t-1", "Q: {question}").render(question="Why?")
        'Q: Why?'
        """
        missing = self.variables - values.keys()
        unknown = values.keys() - self.variables
        if missing or unknown:
            raise PromptError(
                f"prompt {self.name!r} ({self.version}): "
                + (f"missing {sorted(missing)} " if missing else "")
                + (f"unknown {sorted(unknown)}" if unknown else "")
            )
        return self.template.format(**values)


def parse(name: str, text: str) -> Prompt:
    """Read a prompt file's text: ``version:`` line, then the template."""
    first, _, rest = text.partition("\n")
    key, _, version = first.partition(":")
    if key.strip() != "version" or not version.strip():
        raise PromptError(f"prompt {name!r} must start with a 'version: NAME' line")
    try:
        list(string.Formatter().parse(rest))
    except ValueError as exc:
        raise PromptError(f"prompt {name!r} is not a valid template: {exc}") from None
    return Prompt(name, version.strip(), rest.lstrip("\n"))


@cache
def load(name: str, folder: Path = PROMPTS_DIR) -> Prompt:
    path = folder / f"{name}.txt"
    try:
        return parse(name, path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PromptError(f"prompt file {path} is missing") from None
