"""`okdp-migrate sandbox up|status|down|env`: the local stand-in for a TDP cluster and an OKDP target."""
from __future__ import annotations

import shlex

import click

from .app import App

dir_option = click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
                          help="State directory (default ~/.okdp-migrate/sandbox, or $OKDP_MIGRATE_SANDBOX_DIR).")


def _json_flag(ctx, param, value):
    """`sandbox env --json` reads better than `--json sandbox env`: both work."""
    if value:
        ctx.find_object(App).as_json = True
    return value


json_option = click.option("--json", "as_json", is_flag=True, expose_value=False, callback=_json_flag,
                           help="Print one JSON document on stdout (same as the global --json).")


@click.group()
def sandbox():
    """Real local services: HDFS, Hive Metastore, HiveServer2 (Spark Thrift Server), PostgreSQL, S3 + Iceberg REST."""


@sandbox.command()
@dir_option
@json_option
@click.option("--seed", is_flag=True, help="Load the TDP-like demo warehouse once the services are healthy (once).")
@click.option("--postgres/--no-postgres", "use_postgres", default=None,
              help="Metastore database: PostgreSQL (default) or embedded Derby.")
@click.pass_obj
def up(app: App, directory, seed, use_postgres):
    """Start (or reuse) every service, wait until healthy, write the connection file and *-site.xml."""
    from ..sandbox import launcher

    app.config  # sets up logging on stderr
    env = launcher.up(directory, seed=seed, use_postgres=use_postgres)
    app.emit(_public(env), text=f"sandbox up: {env['state_dir']}\n"
             f"connection file: {env['state_dir']}/env.json  (okdp-migrate sandbox env --json)")


@sandbox.command()
@dir_option
@json_option
@click.pass_obj
def status(app: App, directory):
    """Each service's pid and health (exit code 5 when one is unhealthy)."""
    from ..errors import ExitCode
    from ..sandbox import launcher

    rows = launcher.status(directory)
    if app.as_json:
        app.emit({"healthy": all(r["healthy"] for r in rows), "services": rows})
    else:
        from ..reports.console import emit_table

        emit_table(["service", "pid", "health", "ports", "log"],
                   [(r["service"], r["pid"], "healthy" if r["healthy"] else "DOWN",
                     " ".join(f"{k}={v}" for k, v in r["ports"].items()), r["log"]) for r in rows],
                   title="okdp-migrate sandbox")
    return ExitCode.OK if all(r["healthy"] for r in rows) else ExitCode.UNREACHABLE


@sandbox.command()
@dir_option
@json_option
@click.option("--purge", is_flag=True, help="Also delete the state directory (all data).")
@click.pass_obj
def down(app: App, directory, purge):
    """Stop the processes this sandbox started (pid files); data is kept unless --purge."""
    from ..sandbox import launcher

    stopped = launcher.down(directory, purge=purge)
    app.emit({"stopped": stopped, "purged": purge},
             text=("stopped: " + ", ".join(stopped)) if stopped else "nothing was running")


@sandbox.command()
@dir_option
@json_option
@click.pass_obj
def env(app: App, directory):
    """The connection settings: shell exports, or one JSON object with --json (usable as --config)."""
    from ..sandbox import launcher

    data = launcher.read_env(directory)
    if app.as_json:
        app.emit(data)
        return
    app.emit(data, text="\n".join(f"export {k}={shlex.quote(v)}" for k, v in exports(data)))


def exports(data: dict) -> list[tuple[str, str]]:
    """Setting env var names (config.SETTINGS) where one exists, OKDP_MIGRATE_<KEY> otherwise."""
    from ..config import BY_ALIAS, ENV_PREFIX

    out = []
    for key, value in data.items():
        setting = BY_ALIAS.get(key)
        name = setting.env_var if setting else ENV_PREFIX + key.upper()
        out.append((name, ",".join(map(str, value)) if isinstance(value, list) else str(value)))
    return out


def _public(env: dict) -> dict:
    from ..config import BY_ALIAS, redact_value

    return {k: (redact_value(BY_ALIAS[k], v) if k in BY_ALIAS else v) for k, v in env.items()}
