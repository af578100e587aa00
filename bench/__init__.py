"""Reproducible benchmarks: `python -m bench [--quick] [--json]`; not part of the test run."""
