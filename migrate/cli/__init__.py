"""The `okdp-migrate` command line: a thin layer over the use cases in okdp_migrate.

Each verb lives in its own module here and is listed in COMMANDS; a verb is added when its
capability works, never as a placeholder.
"""
from __future__ import annotations

import importlib
import sys

import click

from ..errors import ExitCode, OkdpError
from .app import App

# verb name -> module in this package holding a click command or group of that name
COMMANDS = {
    "rewrite": "rewrite_cmd",
    "config": "config_cmd",
    "sandbox": "sandbox_cmd",
    "plan": "plan_cmd",
    "copy": "copy_cmd",
    "scan": "scan_cmd",
}


class LazyGroup(click.Group):
    """Imports a verb's module only when that verb runs, so `--help` and small verbs start fast."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        module = COMMANDS.get(name)
        if module is None:
            return None
        mod = importlib.import_module(f"{__name__}.{module}")
        return getattr(mod, name.replace("-", "_"))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              envvar="OKDP_MIGRATE_CONFIG", help="YAML (or JSON) settings file; `sandbox env --json` output works too.")
@click.option("--json", "as_json", is_flag=True, help="Print results as one JSON document on stdout.")
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv: libraries too).")
@click.option("-q", "--quiet", is_flag=True, help="Errors only on stderr.")
@click.option("--traceback", is_flag=True, help="Show the Python traceback of an error.")
@click.version_option(package_name="okdp-migrate", prog_name="okdp-migrate")
@click.pass_context
def cli(ctx: click.Context, config_path, as_json, verbose, quiet, traceback):
    """Move a Hadoop platform (HDFS, Hive, Oozie, Ranger) onto OKDP (S3, Iceberg, Trino, Spark, Airflow)."""
    ctx.obj = App(config_path=config_path, as_json=as_json, verbosity=-1 if quiet else verbose,
                  traceback=traceback)


def main(argv: list[str] | None = None) -> int:
    """Entry point. Returns (and exits with) an ExitCode; never prints a traceback unless asked."""
    want_tb = "--traceback" in (argv if argv is not None else sys.argv[1:])
    try:
        rv = cli.main(args=argv, prog_name="okdp-migrate", standalone_mode=False)
        code = int(rv) if isinstance(rv, int) else ExitCode.OK
    except OkdpError as exc:
        if want_tb:
            import traceback as tb

            tb.print_exc()
        _error(exc.one_line())
        code = exc.exit_code
    except click.exceptions.Abort:
        _error("interrupted; rerun the same command to resume")
        code = ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        _error("interrupted; rerun the same command to resume")
        code = ExitCode.INTERRUPTED
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = ExitCode.USAGE if isinstance(exc, click.UsageError) else ExitCode.BAD_INPUT
    except Exception as exc:  # a bug: one line, the traceback on request
        if want_tb:
            import traceback as tb

            tb.print_exc()
        _error(f"internal error: {type(exc).__name__}: {exc} -- rerun with --traceback and report it")
        code = ExitCode.INTERNAL
    if argv is None:
        sys.exit(int(code))
    return int(code)


def _error(line: str) -> None:
    from ..reports.console import error_line

    error_line(line)
