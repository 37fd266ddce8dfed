"""xsoar-fetch: generate, update, check and simulate Cortex XSOAR fetch-incidents integrations."""

__version__ = "0.1.0"
