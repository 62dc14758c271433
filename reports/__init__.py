"""Renderers: the only code that writes what people and machines read (stdout, report files)."""
