"""The one error type signal_core raises for bad input."""


class SignalError(ValueError):
    """A recording or signal cannot be used; the message names the file and the problem in plain words."""
