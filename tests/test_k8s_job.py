"""`copy --emit k8s` / `--apply`: manifests validated against the Kubernetes v1.34 JSON schemas
(../shared/schemas, skipped when absent) and the API path exercised against a FAKE Kubernetes API
server (a small http.server below: no kube-apiserver can run on this machine)."""
from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from okdp_migrate.config import load as load_config
from okdp_migrate.errors import BadInputError, PartialFailure
from okdp_migrate.plan import FileEntry, MappingRule, Plan, TablePlan, save

pytestmark = pytest.mark.unit

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "kubernetes-v1.34.0"
SECRET = "s3cr3t-value-never-written"


def _strict(schema):
    """The published schemas allow unknown fields; close every object so a misspelled field fails."""
    schema = copy.deepcopy(schema)

    def close(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for v in node.values():
                close(v)
        elif isinstance(node, list):
            for v in node:
                close(v)

    close(schema)
    return schema


def _validate(doc, name):
    if not SCHEMAS.exists():
        pytest.skip(f"Kubernetes JSON schemas not found at {SCHEMAS}")
    import jsonschema

    schema = _strict(json.loads((SCHEMAS / name).read_text()))
    jsonschema.validate(doc, schema)


@pytest.fixture
def plan_file(tmp_path):
    files = [FileEntry(src=f"/data/f{i}", size=100 * (i + 1), mtime=1, shard=i % 3) for i in range(9)]
    plan = Plan(target="s3://lake", mappings=[MappingRule("/", "s3://lake")],
                tables={"db.t": TablePlan(fqn="db.t", kind="table", strategy="copy_only")}, shard_count=3, files=files)
    return save(plan, tmp_path / "wave1.yaml")


@pytest.fixture
def config(tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"s3_endpoint: http://seaweedfs:8333\ns3_access_key: AK\ns3_secret_key: {SECRET}\n"
                   "iceberg_rest_uri: http://polaris:8181\n")
    return load_config(cfg, env={})


def test_emitted_manifests_validate_and_hold_no_secret(plan_file, config, tmp_path):
    from okdp_migrate.k8s_run import emit

    out = emit(plan_file, tmp_path / "k8s", image="registry.local/okdp-migrate:0.1", namespace="migration",
               config=config, service_account="okdp-migrate", journal_claim="okdp-journals", parallelism=2)
    docs = list(yaml.safe_load_all(Path(out["files"][2]).read_text()))
    cm, job = docs
    _validate(cm, "configmap-v1.json")
    _validate(job, "job-batch-v1.json")
    spec = job["spec"]
    assert (spec["completionMode"], spec["completions"], spec["parallelism"]) == ("Indexed", 3, 2)
    pod = spec["template"]["spec"]
    c = pod["containers"][0]
    assert c["image"] == "registry.local/okdp-migrate:0.1" and pod["serviceAccountName"] == "okdp-migrate"
    assert c["args"][c["args"].index("--shard") + 1] == "$(JOB_COMPLETION_INDEX)/3"
    assert c["resources"]["requests"]["memory"] and c["resources"]["limits"]["memory"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in c["env"] if "secretKeyRef" in e.get("valueFrom", {})}
    assert set(refs) == {"OKDP_MIGRATE_S3_ACCESS_KEY", "OKDP_MIGRATE_S3_SECRET_KEY"}
    assert all(r["name"] == "okdp-migrate" for r in refs.values())
    assert {"name": "journal", "persistentVolumeClaim": {"claimName": "okdp-journals"}} in pod["volumes"]
    for f in out["files"]:
        text = Path(f).read_text()
        assert SECRET not in text and "AK\n" not in text
    assert "s3.endpoint: http://seaweedfs:8333" in cm["data"]["okdp-migrate.yaml"]
    assert set(cm["data"]) == {"wave1.yaml", "okdp-migrate.yaml"} and "wave1.yaml.files.parquet" in cm["binaryData"]
    assert "--from-literal=OKDP_MIGRATE_S3_SECRET_KEY=..." in out["create_secret"]


def test_pod_view_of_the_configmap_loads_the_same_plan(plan_file, config, tmp_path):
    """What a pod sees at /plan (the ConfigMap's keys as files) is a loadable plan with the same shards."""
    import base64

    from okdp_migrate.k8s_run import build
    from okdp_migrate.plan import load

    cm, _, _ = build(plan_file, "img:1", config=config)
    mount = tmp_path / "mount"
    mount.mkdir()
    for k, v in cm["data"].items():
        (mount / k).write_text(v)
    for k, v in cm["binaryData"].items():
        (mount / k).write_bytes(base64.b64decode(v))
    plan = load(mount / "wave1.yaml")
    assert [i.src for i in plan.items(shard=(1, 3))] == ["/data/f1", "/data/f4", "/data/f7"]


def test_missing_image_is_bad_input(plan_file):
    from okdp_migrate.k8s_run import emit

    with pytest.raises(BadInputError, match="--image"):
        emit(plan_file, plan_file.parent / "k8s", image="")


class FakeKubeApi(BaseHTTPRequestHandler):
    """FAKE Kubernetes API server: the five endpoints apply() uses, with a Job that progresses one
    completed index per status read, failing the indexes listed in `fail`."""

    state: dict = {}

    def log_message(self, *a):
        pass

    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")

    def do_POST(self):
        s, body = self.state, self._body()
        s["calls"].append(("POST", self.path))
        kind = "configmaps" if self.path.endswith("/configmaps") else "jobs"
        name = body["metadata"]["name"]
        if name in s[kind]:
            return self._send(409, {"kind": "Status", "code": 409, "reason": "AlreadyExists"})
        s[kind][name] = body
        self._send(201, body)

    def do_PUT(self):
        s, body = self.state, self._body()
        s["calls"].append(("PUT", self.path))
        s["configmaps"][body["metadata"]["name"]] = body
        self._send(200, body)

    def do_GET(self):
        s = self.state
        s["calls"].append(("GET", self.path.split("?")[0]))
        if "/pods" in self.path:
            return self._send(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [
                {"metadata": {"name": f"p{i}", "annotations": {"batch.kubernetes.io/job-completion-index": str(i)}},
                 "status": {"phase": "Succeeded"}} for i in range(s["done"])]})
        name = self.path.split("/jobs/")[1].split("/")[0]
        job = s["jobs"][name]
        n = job["spec"]["completions"]
        s["done"] = min(n, s["done"] + 1)
        ok = [i for i in range(s["done"]) if i not in s["fail"]]
        failed = [i for i in range(s["done"]) if i in s["fail"]]
        status = {"active": n - s["done"], "succeeded": len(ok), "failed": len(failed),
                  "completedIndexes": ",".join(map(str, ok)), "failedIndexes": ",".join(map(str, failed))}
        if s["done"] == n:
            status["conditions"] = [{"type": "Failed" if failed else "Complete", "status": "True"}]
        self._send(200, {**job, "status": status})


@pytest.fixture
def fake_api():
    FakeKubeApi.state = {"configmaps": {}, "jobs": {}, "calls": [], "done": 0, "fail": set()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKubeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", FakeKubeApi.state
    server.shutdown()


def test_apply_creates_configmap_and_job_and_follows_to_completion(plan_file, config, fake_api):
    from okdp_migrate.connectors.k8s import Kube
    from okdp_migrate.k8s_run import apply

    url, state = fake_api
    seen = []
    result = apply(plan_file, "img:1", "migration", config=config, kube=Kube.connect(host=url),
                   poll_seconds=0, on_status=seen.append)
    assert result["state"] == "complete" and result["succeeded"] == 3 and result["completed_indexes"] == "0,1,2"
    assert [s["succeeded"] for s in seen] == [1, 2, 3]
    assert ("POST", "/api/v1/namespaces/migration/configmaps") in state["calls"]
    assert ("POST", "/apis/batch/v1/namespaces/migration/jobs") in state["calls"]
    assert SECRET not in json.dumps(state["configmaps"]) + json.dumps(state["jobs"])
    # a rerun replaces the ConfigMap and follows the existing Job instead of creating a second one
    state["done"] = 0
    again = apply(plan_file, "img:1", "migration", config=config, kube=Kube.connect(host=url), poll_seconds=0)
    assert again["created"] is False and len(state["jobs"]) == 1
    assert any(c[0] == "PUT" for c in state["calls"])


def test_apply_reports_failed_shards_as_partial_failure(plan_file, config, fake_api):
    from okdp_migrate.connectors.k8s import Kube
    from okdp_migrate.k8s_run import apply

    url, state = fake_api
    state["fail"] = {1}
    with pytest.raises(PartialFailure, match="shards 1 failed"):
        apply(plan_file, "img:1", "ns", config=config, kube=Kube.connect(host=url), poll_seconds=0)


def test_unreachable_api_is_one_clear_error(plan_file, config):
    from okdp_migrate.connectors.k8s import Kube
    from okdp_migrate.errors import ServiceUnreachable
    from okdp_migrate.k8s_run import apply

    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(ServiceUnreachable, match="Kubernetes API"):
        apply(plan_file, "img:1", "ns", config=config, kube=Kube.connect(host=f"http://127.0.0.1:{port}"), poll_seconds=0)
