"""Benchmarks: ``python -m bench`` (or ``make bench``) prints each figure with its baseline."""
