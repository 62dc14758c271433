#!/usr/bin/env bash
# The main job on a fresh machine: install everything, bring up the sandbox (a miniature TDP cluster and OKDP
# target made of real servers), seed it with a TDP-like warehouse, and show its status.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
bash scripts/install.sh
okdp-migrate sandbox up --seed
okdp-migrate sandbox status
