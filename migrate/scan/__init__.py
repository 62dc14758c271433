"""`okdp-migrate scan`: read-only inventory and assessment of a Hadoop cluster (see runner.run_scan)."""
from .runner import SOURCES, ScanOptions, ScanRun, run_scan

__all__ = ["SOURCES", "ScanOptions", "ScanRun", "run_scan"]
