"""Access cases of the isolation matrix, one module per area (see tests/isolation_support.py)."""
