"""`okdp-migrate copy PLAN`: throttled, resumable, verified copy of the plan's HDFS files into S3."""
from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

import click

from ..errors import ExitCode
from .app import App


@click.command()
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False))
@click.option("--shard", default=None, metavar="I/N", help="Copy only shard I of N (0-based).")
@click.option("--dry-run", is_flag=True, help="Show what would be copied where; write nothing.")
@click.option("--verify", is_flag=True, help="Also read every object back from S3 and recompute its CRC32C.")
@click.option("--journal", "journal_dir", default=None, type=click.Path(file_okay=False),
              help="Journal directory (default: PLAN.journal next to the plan).")
@click.option("--bandwidth", "bandwidth", type=float, default=None, metavar="MBPS",
              help="Global bandwidth limit in MB/s (0: none). Live: edit control.json in the journal dir.")
@click.option("--workers", type=int, default=None, help="Parallel copy streams.")
@click.option("--max-s3-requests", type=int, default=16, show_default=True, help="Cap on concurrent S3 calls.")
@click.option("--max-namenode-requests", type=int, default=8, show_default=True,
              help="Cap on concurrent NameNode calls.")
@click.option("--no-commit", is_flag=True, help="Copy files only; skip the Iceberg commit step.")
@click.option("--commit-only", is_flag=True,
              help="Copy nothing: commit every table whose files all shards verified (journal + bucket manifests).")
# Distributed mode (owned by the plan engineer: okdp_migrate.k8s_run)
@click.option("--emit", type=click.Choice(["k8s"]), default=None,
              help="Write a Kubernetes Indexed Job (one pod per shard) + ConfigMap instead of copying.")
@click.option("--apply", "apply_", is_flag=True, help="Submit the Job to the cluster (kubeconfig) and follow it.")
@click.option("--out", "out_dir", default="k8s", show_default=True, type=click.Path(file_okay=False),
              help="Directory for --emit k8s manifests.")
@click.option("--image", default=None, help="Container image holding okdp-migrate (for --emit/--apply).")
@click.option("--namespace", default="default", show_default=True, help="Kubernetes namespace.")
@click.option("--service-account", default=None, help="ServiceAccount of the copy pods.")
@click.option("--parallelism", type=int, default=None, help="Pods at once (default: all shards).")
@click.option("--secret", "secret_name", default="okdp-migrate", show_default=True,
              help="Secret the pods read credentials from (referenced, never written).")
@click.option("--journal-pvc", default=None, help="PersistentVolumeClaim for the shards' journals (resume).")
@click.option("--plan-in-bucket", is_flag=True,
              help="Ship the plan through its target bucket, not the ConfigMap (automatic over ~1 MiB).")
@click.pass_obj
def copy(app: App, plan_path, shard, dry_run, verify, journal_dir, bandwidth, workers, max_s3_requests,
         max_namenode_requests, no_commit, commit_only, emit, apply_, out_dir, image, namespace, service_account, parallelism,
         secret_name, journal_pvc, plan_in_bucket):
    """Copy the files of PLAN (or of one --shard) from HDFS to S3, verified by CRC32C; rerun to resume.
    PLAN may be the s3:// URL of a plan that --emit k8s / --apply put in the bucket (fetched locally first)."""
    from ..plan import remote

    if emit or apply_:
        if remote.is_url(plan_path):
            from ..errors import BadInputError

            raise BadInputError("--emit/--apply take the local plan, not its URL", obj=plan_path,
                                fix="pass the plan file made by 'okdp-migrate plan'")
        return _kubernetes(app, plan_path, emit, apply_, out_dir, image, namespace, service_account, parallelism,
                           secret_name, journal_pvc, plan_in_bucket)
    if commit_only:
        _commit_only_clash(shard, dry_run, no_commit)  # before fetching anything
        with _local_plan(app, plan_path, journal_dir, temporary=False) as local:
            return _commit_only(app, local, journal_dir, url=plan_path)
    with _local_plan(app, plan_path, journal_dir, temporary=dry_run) as local:
        return _copy(app, local, shard, dry_run, verify, journal_dir, bandwidth, workers, max_s3_requests,
                     max_namenode_requests, no_commit, url=plan_path)


@contextlib.contextmanager
def _local_plan(app: App, plan_path: str, journal_dir, temporary: bool):
    """The plan as a local file: itself, or a URL plan fetched into --journal/plan (else a stable directory
    by plan id, so a rerun resumes with the same journal; a temporary one for --dry-run, which writes nothing)."""
    from ..plan import remote

    if not remote.is_url(plan_path):
        yield plan_path
        return
    settings = app.config.section("s3")
    if temporary:
        with tempfile.TemporaryDirectory(prefix="okdp-migrate-plan-") as tmp:
            yield str(remote.fetch(plan_path, Path(tmp) / "plan", settings))
        return
    yield str(remote.fetch(plan_path, remote.local_dir(plan_path, journal_dir), settings))


def _copy(app: App, plan_path, shard, dry_run, verify, journal_dir, bandwidth, workers, max_s3_requests,
          max_namenode_requests, no_commit, url: str) -> int:
    from ..copy.run import CopyOptions, run_copy, validate_shard
    from ..reports.copy_report import RichCopyProgress, summary_text

    app.with_flags(**{"copy.bandwidth_mbps": bandwidth, "copy.workers": workers})
    cfg = app.config
    options = CopyOptions(shard=validate_shard(shard), dry_run=dry_run, verify=verify, journal_dir=journal_dir,
                          bandwidth_mbps=float(cfg.get("copy.bandwidth_mbps") or 0),
                          workers=int(cfg.get("copy.workers") or 4), max_s3_requests=max_s3_requests,
                          max_namenode_requests=max_namenode_requests, commit_tables=not no_commit)
    show = not dry_run and app.verbosity >= 0 and sys.stderr.isatty()
    with RichCopyProgress(enabled=show) as progress:
        summary = run_copy(plan_path, cfg, options, progress=progress)
    _name_url(summary, plan_path, url, kept=not dry_run)
    app.emit(summary, summary_text(summary))
    return int(summary.exit_code)


def _name_url(summary, local: str, url: str, kept: bool = True) -> None:
    if url != local:
        summary.plan = url
        summary.notes.append(f"plan fetched from {url}" + (f" into {local}" if kept else " (dry run: not kept)"))


def _commit_only_clash(shard, dry_run, no_commit) -> None:
    from ..errors import BadInputError

    clash = [f for f, on in (("--shard", shard), ("--dry-run", dry_run), ("--no-commit", no_commit)) if on]
    if clash:
        raise BadInputError(f"--commit-only copies nothing, so {clash[0]} does not apply", obj=clash[0],
                            fix="drop it (--commit-only reads every shard's records)")


def _commit_only(app: App, plan_path, journal_dir, url: str) -> int:
    from ..copy.shards import commit_only
    from ..reports.copy_report import summary_text

    summary = commit_only(plan_path, app.config, journal_dir)
    _name_url(summary, plan_path, url)
    app.emit(summary, summary_text(summary))
    if summary.tables_waiting and summary.exit_code != ExitCode.UNREACHABLE:
        return int(ExitCode.PARTIAL)  # files of some tables were never verified: rerun their shards
    return int(summary.exit_code)


def _kubernetes(app: App, plan_path, emit, apply_, out_dir, image, namespace, service_account, parallelism,
                secret_name, journal_pvc, plan_in_bucket) -> int:
    from .. import k8s_run
    from ..reports.plan_report import k8s_progress, k8s_text

    kw = dict(image=image, namespace=namespace, config=app.config, service_account=service_account,
              parallelism=parallelism, secret_name=secret_name, journal_claim=journal_pvc, plan_in_bucket=plan_in_bucket)
    if emit:
        result = k8s_run.emit(plan_path, out_dir, **kw)
        app.emit(result, k8s_text(result))
    if apply_:
        result = k8s_run.apply(plan_path, on_status=None if app.as_json else k8s_progress, **kw)
        app.emit(result, k8s_text(result))
    return int(ExitCode.OK)
