#!/usr/bin/env bash
# The main job on a fresh machine, end to end on the embedded sandbox (a miniature TDP cluster and OKDP target
# made of real servers): install, start and seed the sandbox, then scan -> rewrite -> plan -> copy (verified,
# Iceberg tables committed) -> report. Everything lands in ./out (or $OKDP_DEMO_OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
OUT="${OKDP_DEMO_OUT:-out}"
step() { printf '\n== %s\n' "$*" >&2; }

bash scripts/install.sh

step "sandbox: up, seed, status"
okdp-migrate sandbox up --seed
okdp-migrate sandbox status
mkdir -p "$OUT"
okdp-migrate sandbox env --json > "$OUT/sandbox-env.json"
chmod 600 "$OUT/sandbox-env.json"   # holds the sandbox's S3 keys
cfg=(--config "$OUT/sandbox-env.json")

step "scan: HDFS, metastore, HiveServer2, Oozie, Ranger, configs -> $OUT/scan"
# exit 8 means some source was not scanned: the report says which; the demo goes on
okdp-migrate "${cfg[@]}" scan --out "$OUT/scan" --metastore-sql || [ $? -eq 8 ]

step "rewrite: the views and Oozie HiveQL found by the scan -> Trino and Spark SQL in $OUT/rewrite"
okdp-migrate "${cfg[@]}" rewrite --from-scan "$OUT/scan" --out "$OUT/rewrite"

step "plan: warehouse and data directories -> s3://okdp-lake/demo, Iceberg tables, 2 shards"
okdp-migrate "${cfg[@]}" plan --from-scan "$OUT/scan" --target s3://okdp-lake/demo --shards 2 \
  --include /warehouse --include /data --out "$OUT/plan/plan.yaml"
okdp-migrate "${cfg[@]}" plan show "$OUT/plan/plan.yaml"

step "copy: HDFS -> S3, every object CRC32C-verified, Iceberg tables committed"
okdp-migrate "${cfg[@]}" copy "$OUT/plan/plan.yaml" --verify

step "reports"
ls -1 "$OUT"/scan/*.html "$OUT"/scan/*.md "$OUT"/rewrite/report.* 2>/dev/null || true
