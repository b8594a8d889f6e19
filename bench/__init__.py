"""Benchmarks of hvr-bot: measured speed, cost and scale against the physical limit and a naive client.

Run `./dev bench` (or `python -m bench`); `python -m bench --smoke` is a few-second check that the suite
still runs. Benchmarks are not tests: nothing here asserts a timing. See bench/README.md.
"""
