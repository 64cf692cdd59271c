"""Benchmark harness (not part of the installed package; never collected by pytest)."""
