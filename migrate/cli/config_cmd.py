"""`okdp-migrate config show`: the effective configuration, where each value came from, secrets redacted."""
from __future__ import annotations

import click

from .app import App


@click.group()
def config():
    """Inspect the effective configuration."""


@config.command("show")
@click.pass_obj
def show(app: App):
    """Print every setting, its value (secrets redacted) and its source (default, file, env, flag)."""
    rows = app.config.shown()
    if app.as_json:
        app.emit({"config_file": str(app.config.path) if app.config.path else None, "settings": rows})
        return
    from ..reports.console import emit_table

    emit_table(["key", "value", "source", "env var"],
               [(r["key"], r["value"], r["source"], r["env"]) for r in rows], title="okdp-migrate configuration")
