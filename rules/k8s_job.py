"""Kubernetes manifests for a distributed copy: a ConfigMap with the plan and an Indexed Job (pure, no I/O).
A plan too big for a ConfigMap is kept in the bucket instead: the pods' args name its s3:// URL.

Each pod of the Indexed Job copies one shard: `okdp-migrate copy PLAN --shard $(JOB_COMPLETION_INDEX)/N`.
Secrets are only referenced (secretKeyRef to a Secret the operator creates); no secret value is written.
Tables spanning shards: every pod publishes what it verified in the bucket (_okdp_migrate/<plan-id>/manifests/)
and the last pod to finish commits them; the Job's annotations say so, with the command for a final step.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

PLAN_DIR = "/plan"
JOURNAL_DIR = "/journal"
CONFIG_KEY = "okdp-migrate.yaml"
CONFIGMAP_LIMIT = 1_000_000  # the API server refuses objects over ~1 MiB
INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"


@dataclass
class JobSpec:
    name: str
    namespace: str
    image: str
    shards: int
    parallelism: int
    plan_file: str  # base name of the plan in the ConfigMap, e.g. "plan.yaml"
    sidecar_file: str  # base name of the file list, e.g. "plan.yaml.files.parquet"
    secret_name: str | None = None
    secret_env: list[str] = field(default_factory=list)  # env var names read from the Secret
    service_account: str | None = None
    cpu_request: str = "500m"
    memory_request: str = "512Mi"
    cpu_limit: str | None = "2"
    memory_limit: str = "1Gi"
    journal_claim: str | None = None  # PersistentVolumeClaim for journals (else emptyDir: no resume across pods)
    backoff_limit_per_index: int = 3
    extra_args: list[str] = field(default_factory=list)
    image_pull_policy: str = "IfNotPresent"
    plan_id: str | None = None  # where the shards' records live in the bucket (copy/shards.py)
    plan_path: str = "PLAN"  # the plan as the operator names it, for the final-step command
    plan_url: str | None = None  # s3:// URL of a plan kept in the bucket (too big for the ConfigMap)


def dns_name(text: str, limit: int = 52) -> str:
    """A DNS-1123 label from any text (Job names get a pod suffix, so keep them short)."""
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return (name[:limit].rstrip("-") or "okdp-migrate")


def config_key(text: str) -> str:
    """A valid ConfigMap key ([-._a-zA-Z0-9]+)."""
    return re.sub(r"[^-._a-zA-Z0-9]", "_", text)


def labels(spec: JobSpec) -> dict[str, str]:
    return {"app.kubernetes.io/name": "okdp-migrate", "app.kubernetes.io/component": "copy",
            "okdp-migrate/plan": spec.name}


def configmap(spec: JobSpec, plan_text: str | None, sidecar: bytes | None, config_yaml: str) -> dict[str, Any]:
    """The plan (YAML), its file list (binary) and the non-secret settings, mounted at /plan in every pod;
    only the settings when the plan is in the bucket (spec.plan_url)."""
    cm: dict[str, Any] = {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": f"{spec.name}-plan", "namespace": spec.namespace, "labels": labels(spec)},
        "data": {CONFIG_KEY: config_yaml},
    }
    if not spec.plan_url:
        cm["data"][config_key(spec.plan_file)] = plan_text or ""
        cm["binaryData"] = {config_key(spec.sidecar_file): base64.b64encode(sidecar or b"").decode("ascii")}
    return cm


def configmap_size(cm: dict[str, Any]) -> int:
    return (sum(len(v.encode()) for v in cm["data"].values())
            + sum(len(v) for v in cm.get("binaryData", {}).values()))


def plan_size_in_configmap(plan_bytes: int, sidecar_bytes: int, config_bytes: int) -> int:
    """What configmap_size() would say with the plan inside, without base64-encoding a big sidecar."""
    return plan_bytes + config_bytes + 4 * ((sidecar_bytes + 2) // 3)


def commit_only_command(spec: JobSpec) -> str:
    """The final step, run where the plan and the settings are: commits every table all shards verified."""
    return f"okdp-migrate copy {spec.plan_path} --commit-only"


def annotations(spec: JobSpec) -> dict[str, str]:
    out = {"okdp-migrate/tables": "each pod publishes the files it verified; the last pod to finish commits the "
                                  "Iceberg tables spanning shards; after rerunning failed shards: "
                                  + commit_only_command(spec)}
    if spec.plan_id:
        out["okdp-migrate/plan-id"] = spec.plan_id
    if spec.plan_url:
        out["okdp-migrate/plan-url"] = spec.plan_url
    return out


def job(spec: JobSpec) -> dict[str, Any]:
    n = spec.shards
    plan = spec.plan_url or f"{PLAN_DIR}/{config_key(spec.plan_file)}"  # a URL plan is fetched into the journal
    args = ["--config", f"{PLAN_DIR}/{CONFIG_KEY}", "copy", plan,
            "--shard", f"$(JOB_COMPLETION_INDEX)/{n}", "--journal", f"{JOURNAL_DIR}/shard-$(JOB_COMPLETION_INDEX)",
            *spec.extra_args]
    env: list[dict[str, Any]] = [
        # Declared explicitly (downward API) so $(JOB_COMPLETION_INDEX) in args is expanded by the kubelet.
        {"name": "JOB_COMPLETION_INDEX",
         "valueFrom": {"fieldRef": {"fieldPath": f"metadata.annotations['{INDEX_ANNOTATION}']"}}},
        {"name": "OKDP_MIGRATE_SHARDS", "value": str(n)},
        {"name": "PYTHONUNBUFFERED", "value": "1"},
    ]
    for var in spec.secret_env:
        env.append({"name": var, "valueFrom": {"secretKeyRef": {"name": spec.secret_name, "key": var}}})
    resources: dict[str, Any] = {"requests": {"cpu": spec.cpu_request, "memory": spec.memory_request},
                                 "limits": {"memory": spec.memory_limit}}
    if spec.cpu_limit:
        resources["limits"]["cpu"] = spec.cpu_limit
    journal_volume: dict[str, Any] = {"name": "journal"}
    if spec.journal_claim:
        journal_volume["persistentVolumeClaim"] = {"claimName": spec.journal_claim}
    else:
        journal_volume["emptyDir"] = {}
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "containers": [{
            "name": "copy", "image": spec.image, "imagePullPolicy": spec.image_pull_policy,
            "command": ["okdp-migrate"], "args": args, "env": env, "resources": resources,
            "volumeMounts": [{"name": "plan", "mountPath": PLAN_DIR, "readOnly": True},
                             {"name": "journal", "mountPath": JOURNAL_DIR}],
            "securityContext": {"allowPrivilegeEscalation": False},
        }],
        "volumes": [{"name": "plan", "configMap": {"name": f"{spec.name}-plan"}}, journal_volume],
    }
    if spec.service_account:
        pod_spec["serviceAccountName"] = spec.service_account
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": spec.name, "namespace": spec.namespace, "labels": labels(spec),
                     "annotations": annotations(spec)},
        "spec": {
            "completionMode": "Indexed", "completions": n, "parallelism": max(1, min(spec.parallelism, n)),
            "backoffLimitPerIndex": spec.backoff_limit_per_index,
            "maxFailedIndexes": n,  # a failed shard does not stop the others; the report lists it
            "template": {"metadata": {"labels": labels(spec)}, "spec": pod_spec},
        },
    }


def secret_template(spec: JobSpec) -> str:
    """The command an operator runs to create the referenced Secret (placeholders, never values)."""
    literals = " ".join(f"--from-literal={v}=..." for v in spec.secret_env)
    return f"kubectl -n {spec.namespace} create secret generic {spec.secret_name} {literals}".rstrip()
