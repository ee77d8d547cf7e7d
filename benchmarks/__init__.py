"""Benchmarks for the leaderboard query and concurrent sale saves (see README.md)."""
