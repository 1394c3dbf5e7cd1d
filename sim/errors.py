"""The one error type for bad input: it names the file, the key path and what was expected."""

from __future__ import annotations


class InputError(Exception):
    """Bad user input (scenario, experiment spec, results folder).

    The command line prints ``str(error)`` and exits with code 2, without a traceback.
    """

    def __init__(self, file: str, key: str, expected: str) -> None:
        self.file, self.key, self.expected = str(file), key, expected
        where = f"{self.file}: {key}" if key else self.file
        super().__init__(f"{where}: {expected}")

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:
        """Picklable, so that an error raised in a worker process reaches the parent intact."""
        return (InputError, (self.file, self.key, self.expected))
