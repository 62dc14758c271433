"""`copy PLAN --emit k8s` and `--apply`: run the plan's shards as a Kubernetes Indexed Job.

emit() writes the manifests (ConfigMap with the plan and non-secret settings, the Job) and returns
what it wrote; apply() creates them through the API and follows the Job until it ends. A plan too big
for the ConfigMap (or any, with --plan-in-bucket) is first uploaded to its target bucket and the pods
fetch it by URL (plan/remote.py): the ConfigMap then holds the settings only.
Tables spanning shards are committed by the last pod to finish (each pod publishes what it verified in
the bucket first, see copy/shards.py), so a Job that completes leaves every table committed; after a
failed shard is rerun, `copy PLAN --commit-only` is the final step, and both results name it.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import SETTINGS, Config
from .copy.shards import plan_id
from .errors import BadInputError, ConfigError, PartialFailure
from .inventory import atomic_write_bytes
from .plan import remote
from .plan.model import sidecar_path
from .plan.store import load
from .rules import k8s_job


def _non_secret_config(config: Config | None) -> str:
    """Settings given by the user (not defaults), secrets left out: they come from the Secret."""
    import yaml

    if config is None:
        return "{}\n"
    values = {s.key: config.values[s.key].value for s in SETTINGS
              if not s.secret and s.key in config.values and config.values[s.key].source != "default"}
    return yaml.safe_dump(values, sort_keys=True) if values else "{}\n"


def _secret_env(config: Config | None) -> list[str]:
    """Env var names of the secret settings in use here: the pods read them from the Secret."""
    if config is None:
        return []
    return [s.env_var for s in SETTINGS if s.secret and config.get(s.key)]


def build(plan_path: str | Path, image: str, namespace: str = "default", config: Config | None = None,
          name: str | None = None, parallelism: int | None = None, secret_name: str = "okdp-migrate",
          service_account: str | None = None, journal_claim: str | None = None,
          resources: dict[str, str] | None = None, extra_args: list[str] | None = None,
          plan_in_bucket: bool = False) -> tuple[dict, dict, k8s_job.JobSpec]:
    """The manifests (no I/O beyond reading the plan). A plan that does not fit the ConfigMap, or any plan
    with plan_in_bucket, is named by its s3:// URL (spec.plan_url): publish_plan() must upload it first."""
    plan_path = Path(plan_path)
    plan = load(plan_path)  # validates plan and sidecar before anything is written
    if not image:
        raise BadInputError("no container image given", obj="--image", fix="pass --image REGISTRY/okdp-migrate:TAG")
    side = sidecar_path(plan_path)
    config_yaml = _non_secret_config(config)
    pid = plan_id(plan)
    inside = k8s_job.plan_size_in_configmap(plan_path.stat().st_size, side.stat().st_size, len(config_yaml.encode()))
    url = remote.url_for(plan, pid) if plan_in_bucket or inside > k8s_job.CONFIGMAP_LIMIT else None
    if not url and k8s_job.config_key(side.name) != side.name:  # the pods would look for the list under its own name
        raise BadInputError("the plan's file name is not a valid ConfigMap key", obj=str(plan_path),
                            fix="rename the plan and its .files.parquet sidecar with letters, digits, '-', '_', '.'")
    secret_env = _secret_env(config)
    spec = k8s_job.JobSpec(
        name=k8s_job.dns_name(name or f"okdp-migrate-{plan_path.stem}"), namespace=namespace, image=image,
        shards=plan.shard_count, parallelism=parallelism or plan.shard_count, plan_file=plan_path.name,
        sidecar_file=side.name, secret_name=secret_name if secret_env else None, secret_env=secret_env,
        service_account=service_account, journal_claim=journal_claim, extra_args=list(extra_args or []),
        plan_id=pid, plan_path=str(plan_path), plan_url=url, **(resources or {}))
    if url:
        cm = k8s_job.configmap(spec, None, None, config_yaml)
    else:
        cm = k8s_job.configmap(spec, plan_path.read_text(encoding="utf-8"), side.read_bytes(), config_yaml)
    size = k8s_job.configmap_size(cm)
    if size > k8s_job.CONFIGMAP_LIMIT:  # only the settings left: something else is wrong
        raise BadInputError(f"the settings are {size} bytes, over the ConfigMap limit of ~1 MiB", obj="--config",
                            fix="keep only connection settings in the config file")
    return cm, k8s_job.job(spec), spec


def publish_plan(spec: k8s_job.JobSpec, config: Config | None) -> dict[str, Any] | None:
    """Upload the plan to spec.plan_url (verified, sidecar first) when the Job names it there."""
    if not spec.plan_url:
        return None
    settings = config.section("s3") if config is not None else {}
    if not settings.get("endpoint"):
        raise ConfigError("the plan ships through its target bucket (too big for a ConfigMap, or --plan-in-bucket) "
                          "and no S3 endpoint is configured", obj="s3.endpoint",
                          fix="set s3.endpoint and the S3 keys in --config (the pods read the same settings)")
    done = remote.publish(spec.plan_path, spec.plan_id, spec.plan_url, settings)
    return {"url": done.url, "objects": done.objects}


def emit(plan_path: str | Path, out_dir: str | Path, image: str, namespace: str = "default",
         config: Config | None = None, **kw: Any) -> dict[str, Any]:
    """Write configmap.yaml, job.yaml and all.yaml (both, for `kubectl apply -f`) into out_dir."""
    import yaml

    cm, job, spec = build(plan_path, image, namespace, config, **kw)
    published = publish_plan(spec, config)  # before the manifests that name it
    out = Path(out_dir)
    files = {"configmap.yaml": [cm], "job.yaml": [job], "all.yaml": [cm, job]}
    for fname, docs in files.items():
        atomic_write_bytes(out / fname, yaml.safe_dump_all(docs, sort_keys=False).encode("utf-8"))
    return {"namespace": namespace, "job": spec.name, "configmap": cm["metadata"]["name"], "shards": spec.shards,
            "parallelism": job["spec"]["parallelism"], "image": image, "files": [str(out / f) for f in files],
            "secret": spec.secret_name, "secret_keys": spec.secret_env,
            "create_secret": k8s_job.secret_template(spec) if spec.secret_env else None,
            "apply": f"kubectl apply -f {out / 'all.yaml'}", "plan_id": spec.plan_id,
            "tables": "committed by the last pod to finish (tables spanning shards included)",
            "finalize": k8s_job.commit_only_command(spec), "plan_url": spec.plan_url,
            "plan_in_bucket": published, "configmap_bytes": k8s_job.configmap_size(cm)}


def apply(plan_path: str | Path, image: str, namespace: str = "default", config: Config | None = None,
          kube=None, follow: bool = True, poll_seconds: float = 5.0, timeout_seconds: float | None = None,
          on_status: Callable[[dict[str, Any]], None] | None = None, **kw: Any) -> dict[str, Any]:
    """Create the ConfigMap and the Job (an existing Job of that name is followed, not recreated), then
    follow it until it completes or fails. Raises PartialFailure when some shards failed."""
    from .connectors.k8s import Kube

    cm, job, spec = build(plan_path, image, namespace, config, **kw)
    published = publish_plan(spec, config)  # before any pod can look for it
    kube = kube or Kube.connect()
    kube.apply_configmap(cm)
    created = kube.create_job(job)
    result: dict[str, Any] = {"namespace": namespace, "job": spec.name, "created": created, "shards": spec.shards,
                              "plan_url": spec.plan_url, "plan_in_bucket": published}
    if not follow:
        return result
    deadline = time.monotonic() + timeout_seconds if timeout_seconds else None
    while True:
        status = kube.job_status(namespace, spec.name)
        status["pods"] = kube.pods(namespace, spec.name)
        if on_status:
            on_status(status)
        done = {c["type"] for c in status["conditions"] if c["status"] == "True"} & {"Complete", "Failed"}
        if done or (deadline and time.monotonic() > deadline):
            break
        time.sleep(poll_seconds)
    result.update({k: status[k] for k in ("succeeded", "failed", "completed_indexes", "failed_indexes")})
    result["state"] = "complete" if "Complete" in done else "failed" if "Failed" in done else "running"
    result["finalize"] = k8s_job.commit_only_command(spec)
    if result["state"] == "complete":
        result["tables"] = "committed by the last pod to finish"
    if result["state"] == "failed" or status["failed_indexes"]:
        raise PartialFailure(f"shards {status['failed_indexes'] or '?'} failed ({status['succeeded']} of "
                             f"{spec.shards} succeeded)", obj=f"job {namespace}/{spec.name}",
                             fix=f"kubectl -n {namespace} logs -l job-name={spec.name}; rerun the failed shards "
                                 f"with 'okdp-migrate copy PLAN --shard I/N', then '{result['finalize']}' "
                                 "commits the tables they complete")
    return result
