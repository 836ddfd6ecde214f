"""Benchmarks: `make bench` (or `python -m bench`) prints every figure as a table."""
