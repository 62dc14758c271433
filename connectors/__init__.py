"""Connectors: each module talks to one outside system and translates its errors into okdp_migrate.errors."""
