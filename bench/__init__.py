"""Benchmark harness: same-run ratios against a trivial view (R0), an exam window, batch jobs.

See bench/README.md. Nothing here is imported by the product.
"""
