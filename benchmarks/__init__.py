"""Benchmarks: our engine against PyTorch, step for step, on the same machine in the same run.

Run ``python -m benchmarks --help``. Each workload module defines a WORKLOAD dict: a step builder
for us and one for torch, the unit, and how to scale seconds per step into that unit.
"""
