"""`copy PLAN --emit k8s` and `--apply`: run the plan's shards as a Kubernetes Indexed Job.

emit() writes the manifests (ConfigMap with the plan and non-secret settings, the Job) and returns
what it wrote; apply() creates them through the API and follows the Job until it ends.
Tables spanning shards are committed by the last pod to finish (each pod publishes what it verified in
the bucket first, see copy/shards.py), so a Job that completes leaves every table committed; after a
failed shard is rerun, `copy PLAN --commit-only` is the final step, and both results name it.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from .config import SETTINGS, Config
from .copy.shards import plan_id
from .errors import BadInputError, PartialFailure
from .inventory import atomic_write_bytes
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
          resources: dict[str, str] | None = None, extra_args: list[str] | None = None) -> tuple[dict, dict, k8s_job.JobSpec]:
    plan_path = Path(plan_path)
    plan = load(plan_path)  # validates plan and sidecar before anything is written
    if not image:
        raise BadInputError("no container image given", obj="--image", fix="pass --image REGISTRY/okdp-migrate:TAG")
    side = sidecar_path(plan_path)
    if k8s_job.config_key(side.name) != side.name:  # the pods would look for the file list under its own name
        raise BadInputError("the plan's file name is not a valid ConfigMap key", obj=str(plan_path),
                            fix="rename the plan and its .files.parquet sidecar with letters, digits, '-', '_', '.'")
    secret_env = _secret_env(config)
    spec = k8s_job.JobSpec(
        name=k8s_job.dns_name(name or f"okdp-migrate-{plan_path.stem}"), namespace=namespace, image=image,
        shards=plan.shard_count, parallelism=parallelism or plan.shard_count, plan_file=plan_path.name,
        sidecar_file=side.name, secret_name=secret_name if secret_env else None, secret_env=secret_env,
        service_account=service_account, journal_claim=journal_claim, extra_args=list(extra_args or []),
        plan_id=plan_id(plan), plan_path=str(plan_path), **(resources or {}))
    cm = k8s_job.configmap(spec, plan_path.read_text(encoding="utf-8"), side.read_bytes(), _non_secret_config(config))
    size = k8s_job.configmap_size(cm)
    if size > k8s_job.CONFIGMAP_LIMIT:
        raise BadInputError(f"the plan is {size} bytes, over the ConfigMap limit of ~1 MiB", obj=str(plan_path),
                            fix="split it: plan fewer paths per run with 'plan --include PATH'")
    return cm, k8s_job.job(spec), spec


def emit(plan_path: str | Path, out_dir: str | Path, image: str, namespace: str = "default",
         config: Config | None = None, **kw: Any) -> dict[str, Any]:
    """Write configmap.yaml, job.yaml and all.yaml (both, for `kubectl apply -f`) into out_dir."""
    import yaml

    cm, job, spec = build(plan_path, image, namespace, config, **kw)
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
            "finalize": k8s_job.commit_only_command(spec)}


def apply(plan_path: str | Path, image: str, namespace: str = "default", config: Config | None = None,
          kube=None, follow: bool = True, poll_seconds: float = 5.0, timeout_seconds: float | None = None,
          on_status: Callable[[dict[str, Any]], None] | None = None, **kw: Any) -> dict[str, Any]:
    """Create the ConfigMap and the Job (an existing Job of that name is followed, not recreated), then
    follow it until it completes or fails. Raises PartialFailure when some shards failed."""
    from .connectors.k8s import Kube

    cm, job, spec = build(plan_path, image, namespace, config, **kw)
    kube = kube or Kube.connect()
    kube.apply_configmap(cm)
    created = kube.create_job(job)
    result: dict[str, Any] = {"namespace": namespace, "job": spec.name, "created": created, "shards": spec.shards}
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
