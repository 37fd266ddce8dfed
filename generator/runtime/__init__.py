"""Offline stand-ins for the XSOAR server's Python runtime (tests and local runs only)."""

from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent
