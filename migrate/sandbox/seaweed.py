"""S3 + Iceberg REST catalog: SeaweedFS `weed mini` (what OKDP ships), credentials generated per sandbox,
a table bucket for Iceberg and a plain bucket for copies."""
from __future__ import annotations

from . import deps, health
from .ports import LOOPBACK
from .state import State

PORTS = ("s3", "s3_grpc", "iceberg", "weed_master", "weed_master_grpc", "weed_volume", "weed_volume_grpc",
         "weed_filer", "weed_filer_grpc", "weed_admin", "weed_admin_grpc")
TABLE_BUCKET = "warehouse"
PLAIN_BUCKET = "okdp-lake"


def start(st: State) -> None:
    p = st.ports
    argv = [deps.weed(), "mini", f"-dir={st.sub('s3')}", f"-ip={LOOPBACK}", f"-ip.bind={LOOPBACK}",
            "-admin.ui=false", "-webdav=false", "-s3.port.lance=0", "-master.telemetry=false",
            f"-master.port={p['weed_master']}", f"-master.port.grpc={p['weed_master_grpc']}",
            f"-volume.port={p['weed_volume']}", f"-volume.port.grpc={p['weed_volume_grpc']}",
            f"-filer.port={p['weed_filer']}", f"-filer.port.grpc={p['weed_filer_grpc']}",
            f"-admin.port={p['weed_admin']}", f"-admin.port.grpc={p['weed_admin_grpc']}",
            f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}", f"-s3.port.iceberg={p['iceberg']}",
            f"-tableBucket={TABLE_BUCKET}", f"-bucket={PLAIN_BUCKET}"]
    st.proc("seaweedfs").start(argv, env={"AWS_ACCESS_KEY_ID": st.credentials["s3_access_key"],
                                          "AWS_SECRET_ACCESS_KEY": st.credentials["s3_secret_key"]},
                               cwd=st.sub("s3"))


def endpoint(st: State) -> str:
    return f"http://{LOOPBACK}:{st.ports['s3']}"


def iceberg_uri(st: State) -> str:
    return f"http://{LOOPBACK}:{st.ports['iceberg']}"


def s3_client(st: State):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint(st), region_name="us-east-1",
                        aws_access_key_id=st.credentials["s3_access_key"],
                        aws_secret_access_key=st.credentials["s3_secret_key"],
                        config=Config(s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=5,
                                      retries={"max_attempts": 1}))


def healthy(st: State) -> bool:
    """S3 answers with our credentials and shows the plain bucket; the Iceberg REST catalog answers."""
    names = {b["Name"] for b in s3_client(st).list_buckets().get("Buckets", [])}
    if PLAIN_BUCKET not in names:
        return False
    return health.http_status(f"{iceberg_uri(st)}/v1/config?warehouse=s3://{TABLE_BUCKET}/") == 200


def env(st: State) -> dict:
    return {"s3_endpoint": endpoint(st), "s3_access_key": st.credentials["s3_access_key"],
            "s3_secret_key": st.credentials["s3_secret_key"], "s3_bucket": PLAIN_BUCKET,
            "s3_bucket_warehouse": TABLE_BUCKET, "iceberg_rest_uri": iceberg_uri(st),
            "iceberg_warehouse": f"s3://{TABLE_BUCKET}/",
            # SeaweedFS' catalog takes the S3 keys as its OAuth2 client credential
            "iceberg_credential": f"{st.credentials['s3_access_key']}:{st.credentials['s3_secret_key']}"}
