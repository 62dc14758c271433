#!/usr/bin/env bash
# Install what the tests need, then run the whole suite. The pytest session starts the sandbox's real services
# (HDFS, Hive Metastore, Spark Thrift Server, SeaweedFS S3 + Iceberg REST, PostgreSQL) or reuses a running one.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
bash scripts/install.sh
set +e
python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "scripts/test.sh: pytest collected no tests; that is a failure here" >&2
  exit 1
fi
exit "$rc"
