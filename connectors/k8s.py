"""The Kubernetes API through the `kubernetes` package: create/replace a ConfigMap, create a Job,
read the Job's status and its pods. API errors are translated into okdp_migrate.errors."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from ..errors import AuthError, BadInputError, ConfigError, ServiceUnreachable


@contextlib.contextmanager
def translated(obj: str) -> Iterator[None]:
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    try:
        yield
    except ApiException as exc:
        if exc.status in (401, 403):
            raise AuthError(f"the Kubernetes API refused the request ({exc.status} {exc.reason})", obj=obj,
                            fix="check the kubeconfig context and the RBAC rights on configmaps and jobs") from None
        if exc.status == 404:
            raise BadInputError(f"not found ({exc.reason})", obj=obj, fix="check the namespace exists") from None
        raise BadInputError(f"the Kubernetes API rejected the request ({exc.status} {exc.reason}: "
                            f"{(exc.body or '')[:200]})", obj=obj, fix="see the message") from None
    except (HTTPError, OSError) as exc:
        raise ServiceUnreachable(f"cannot reach the Kubernetes API ({exc})", obj=obj,
                                 fix="check the kubeconfig (--kube-context) or the cluster's address") from None


class Kube:
    def __init__(self, api_client):
        from kubernetes import client

        self.core = client.CoreV1Api(api_client)
        self.batch = client.BatchV1Api(api_client)

    @classmethod
    def connect(cls, host: str | None = None, context: str | None = None, token: str | None = None,
                verify_ssl: bool = True) -> "Kube":
        """An explicit API host (with an optional bearer token), else in-cluster config, else kubeconfig."""
        from kubernetes import client, config

        if host:
            conf = client.Configuration()
            conf.host = host
            conf.verify_ssl = verify_ssl
            if token:
                conf.api_key = {"authorization": f"Bearer {token}"}
            return cls(client.ApiClient(conf))
        try:
            config.load_incluster_config()
        except config.ConfigException:
            try:
                config.load_kube_config(context=context)
            except (config.ConfigException, FileNotFoundError, TypeError) as exc:
                raise ConfigError(f"no Kubernetes configuration ({exc})", obj="kubeconfig",
                                  fix="set KUBECONFIG or pass --kube-context") from None
        return cls(client.ApiClient())

    def apply_configmap(self, body: dict[str, Any]) -> None:
        meta = body["metadata"]
        with translated(f"configmap {meta['namespace']}/{meta['name']}"):
            from kubernetes.client.exceptions import ApiException

            try:
                self.core.create_namespaced_config_map(meta["namespace"], body)
            except ApiException as exc:
                if exc.status != 409:
                    raise
                self.core.replace_namespaced_config_map(meta["name"], meta["namespace"], body)

    def create_job(self, body: dict[str, Any]) -> bool:
        """Create the Job; False when a Job of that name already exists (a rerun follows it instead)."""
        meta = body["metadata"]
        with translated(f"job {meta['namespace']}/{meta['name']}"):
            from kubernetes.client.exceptions import ApiException

            try:
                self.batch.create_namespaced_job(meta["namespace"], body)
                return True
            except ApiException as exc:
                if exc.status == 409:
                    return False
                raise

    def job_status(self, namespace: str, name: str) -> dict[str, Any]:
        with translated(f"job {namespace}/{name}"):
            job = self.batch.read_namespaced_job_status(name, namespace)
        s = job.status
        conditions = [{"type": c.type, "status": c.status, "reason": c.reason, "message": c.message}
                      for c in (s.conditions or [])]
        return {"active": s.active or 0, "succeeded": s.succeeded or 0, "failed": s.failed or 0,
                "completed_indexes": s.completed_indexes or "", "failed_indexes": s.failed_indexes or "",
                "conditions": conditions}

    def pods(self, namespace: str, job_name: str) -> list[dict[str, Any]]:
        with translated(f"pods of job {namespace}/{job_name}"):
            pods = self.core.list_namespaced_pod(namespace, label_selector=f"job-name={job_name}")
        out = []
        for p in pods.items:
            ann = p.metadata.annotations or {}
            out.append({"name": p.metadata.name, "phase": p.status.phase,
                        "index": ann.get("batch.kubernetes.io/job-completion-index")})
        return out
