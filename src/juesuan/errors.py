"""The project's own error: every parse failure names the file and the line."""
from __future__ import annotations


class ParseError(ValueError):
    """Raised for input that cannot be read; str() is ``file:line: message``."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:  # pragma: no cover - trivial
        where = self.file or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"
