"""okdp-migrate: move a Hadoop data platform onto OKDP, and keep both worlds working meanwhile."""

__version__ = "0.1.0"
