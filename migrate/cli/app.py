"""What every verb shares: the effective configuration, the output mode, the logger."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import config as config_mod
from .. import logs


@dataclass
class App:
    config_path: str | None = None
    as_json: bool = False
    verbosity: int = 0
    traceback: bool = False
    flags: dict[str, Any] = field(default_factory=dict)
    _config: config_mod.Config | None = None

    @property
    def config(self) -> config_mod.Config:
        if self._config is None:
            self._config = config_mod.load(self.config_path, flags=self.flags)
            logs.setup(self.verbosity, self._config.secrets())
        return self._config

    def with_flags(self, **flags: Any) -> "App":
        """Command-line flags that override settings (dotted keys); call before .config is read."""
        self.flags.update({k: v for k, v in flags.items() if v is not None})
        self._config = None
        return self

    def emit(self, result: Any, text: str | None = None) -> None:
        """Print a result: JSON with --json, else the given text (or JSON when no text form exists)."""
        from ..reports import console

        if self.as_json or text is None:
            console.emit_json(result)
        else:
            console.emit_text(text)
