"""Settings errors of a channel process as one line that names the setting, never its value."""
from __future__ import annotations

from pydantic import ValidationError


class ConfigurationError(Exception):
    """A setting is missing or malformed."""


def one_line(exc: ValidationError) -> ConfigurationError:
    problems = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"]).upper()
        reason = "is not set" if error["type"] == "missing" else error["msg"]
        reason = reason.removeprefix("Value error, ")
        problems.append(f"{name} {reason}".strip() if name else reason)
    return ConfigurationError("; ".join(problems))
