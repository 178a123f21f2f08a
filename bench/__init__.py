"""Benchmarks: `make bench` (python -m bench) prints tables and writes bench/results.md."""
