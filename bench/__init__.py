"""Benchmarks at production scale: a data generator and a timing suite."""
