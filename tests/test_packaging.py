"""The four top-level folders install as one namespace, from a wheel as well as editable."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.unit
def test_editable_install_maps_the_four_folders():
    import okdp_migrate
    import okdp_migrate.connectors
    import okdp_migrate.reports
    import okdp_migrate.rules

    assert Path(okdp_migrate.__file__).parent == ROOT / "migrate"
    for mod, folder in ((okdp_migrate.connectors, "connectors"), (okdp_migrate.rules, "rules"),
                        (okdp_migrate.reports, "reports")):
        assert Path(mod.__file__).parent == ROOT / folder


@pytest.mark.slow
def test_wheel_holds_every_subpackage(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("okdp_migrate-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    expected = {"okdp_migrate/__init__.py", "okdp_migrate/cli/__init__.py", "okdp_migrate/connectors/__init__.py",
                "okdp_migrate/rules/__init__.py", "okdp_migrate/reports/__init__.py"}
    assert expected <= set(names)
    # every package folder of the source tree is in the wheel
    for folder, pkg in (("migrate", "okdp_migrate"), ("connectors", "okdp_migrate/connectors"),
                        ("rules", "okdp_migrate/rules"), ("reports", "okdp_migrate/reports")):
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.relative_to(ROOT / folder).as_posix()
            assert f"{pkg}/{rel}" in names, rel
    assert any(n.endswith("entry_points.txt") for n in names)
