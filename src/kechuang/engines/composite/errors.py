"""Errors raised by the composite-indicator engine; messages are Chinese because users read them."""

from __future__ import annotations


class CompositeError(ValueError):
    """A problem with a framework, a specification or the data, described in Chinese."""

    def __init__(self, messages: str | list[str]):
        if isinstance(messages, str):
            messages = [messages]
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


class FrameworkError(CompositeError):
    """The framework file is invalid (cycles, unknown parents, bad weights, ...)."""


class SpecError(CompositeError):
    """The pipeline specification is invalid."""


class DataError(CompositeError):
    """The input data does not fit the framework or the specification."""
