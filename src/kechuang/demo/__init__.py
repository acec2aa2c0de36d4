"""Deterministic demo data: a seeded generator of registry and statistics frames."""
