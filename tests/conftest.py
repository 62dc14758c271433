"""Shared fixtures. `sandbox`: the real local services (see okdp_migrate.sandbox), for tests marked `services`.

It reuses a healthy sandbox at $OKDP_MIGRATE_SANDBOX_DIR (default ~/.okdp-migrate/sandbox), else starts one
(seeded when the seed module is present) and, at the end of the session, stops only the services it started
itself, unless OKDP_MIGRATE_KEEP_SANDBOX=1. Tests must create their own objects with unique names.
"""
from __future__ import annotations

import importlib.util
import os

import pytest


@pytest.fixture(scope="session")
def sandbox() -> dict:
    from okdp_migrate.errors import OkdpError
    from okdp_migrate.sandbox import launcher

    before = launcher.healthy_services()
    seed = importlib.util.find_spec("okdp_migrate.sandbox.seed") is not None
    try:
        env = launcher.up(seed=seed)
    except OkdpError as exc:
        pytest.fail(f"sandbox could not start: {exc.one_line()}", pytrace=False)
    started = launcher.healthy_services() - before
    yield env
    if started and os.environ.get("OKDP_MIGRATE_KEEP_SANDBOX") != "1":
        launcher.stop_services(started)
