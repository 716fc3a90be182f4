"""Filter Lab's benchmark: every figure is measured beside a bare PyTorch loop, in one run.

`python -m bench` prints the table that README quotes. Each measurement runs in its own
process so that one's thread settings or memory cannot colour another's.
"""
