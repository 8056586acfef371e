"""Benchmarks, each printed beside a naive baseline measured in the same run. Run: `make bench`."""
