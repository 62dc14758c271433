"""`okdp-migrate plan`: build a migration plan from a scan; `plan show` summarises one."""
from __future__ import annotations

import click

from .app import App


@click.group(invoke_without_command=True)
@click.option("--from-scan", "from_scan", type=click.Path(), help="Inventory directory written by 'okdp-migrate scan'.")
@click.option("--target", help="Where the data goes: s3://bucket[/prefix].")
@click.option("--mapping", "mapping_file", type=click.Path(), help="YAML list of {from: /hdfs/prefix, to: s3://b/p} "
              "rules; they override the defaults (longest prefix wins).")
@click.option("--shards", type=int, default=1, show_default=True, help="Number of shards (copy workers / Job pods).")
@click.option("--include", multiple=True, help="Only plan files under this HDFS path (repeatable).")
@click.option("--exclude", multiple=True, help="Leave out files under this HDFS path (repeatable).")
@click.option("--iceberg-prefix", default="", help="Prefix for Iceberg namespaces (e.g. 'silver_': sales -> "
              "silver_sales).")
@click.option("--out", type=click.Path(dir_okay=False), help="Plan file to write (.yaml, or .json).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document on stdout.")
@click.pass_context
def plan(ctx: click.Context, from_scan, target, mapping_file, shards, include, exclude, iceberg_prefix, out, as_json):
    """Turn a scan inventory into a migration plan (paths, Iceberg strategies, waves, shards)."""
    ctx.obj.as_json = ctx.obj.as_json or as_json
    if ctx.invoked_subcommand:
        return
    missing = [f for f, v in (("--from-scan", from_scan), ("--target", target), ("--out", out)) if not v]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)} (or use 'okdp-migrate plan show PLAN')")
    from ..plan.make import make, summary

    app: App = ctx.obj
    result = make(from_scan, target, out, shards=shards, mapping_file=mapping_file, config=app.config,
                  include=include, exclude=exclude, iceberg_prefix=iceberg_prefix)
    _render(app, summary(result))


@plan.command("show")
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document on stdout.")
@click.pass_obj
def show(app: App, plan_file, as_json):
    """Summarise a plan: per wave its tables, per shard its files and bytes."""
    app.as_json = app.as_json or as_json
    from ..plan import load
    from ..plan.make import summary

    _render(app, summary(load(plan_file)))


def _render(app: App, s: dict) -> None:
    if app.as_json:
        app.emit(s)
        return
    from ..reports.plan_report import render

    render(s)
