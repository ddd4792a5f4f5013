"""Dramatiq actors that run the pipeline stages. Actors take ids, never payloads, and are safe to
run twice; the broker is built explicitly (no import-time global), see ``broker.py``."""
