"""Sluice: a data-centric optimization workbench for deep-learning training.

Load a program, inspect it, verify it, and read its data-movement report::

    import sluice
    p = sluice.load("samples/matmul.sluice.json")
    print(p.to_text())
    assert p.verify() == []
    print(p.report({"M": 64, "N": 64, "K": 64})["total"])
"""

from ._core import (  # noqa: F401  (re-exported API)
    Container,
    Diagnostic,
    Edge,
    Error,
    Node,
    Program,
    State,
    load,
    loads,
    sample,
    sample_names,
)

__all__ = [
    "Container",
    "Diagnostic",
    "Edge",
    "Error",
    "Node",
    "Program",
    "State",
    "load",
    "loads",
    "sample",
    "sample_names",
]
__version__ = "0.1.0"
