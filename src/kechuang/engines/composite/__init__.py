"""Composite-indicator engine (综合指数): a COINr-grade pipeline as a pure Polars/NumPy library.

Typical use::

    from kechuang.engines.composite import load_spec, read_table, run
    result = run(load_spec("examples/asem/spec.yaml"), read_table("ASEM_iData.csv"))
    result.table        # every aggregate score and rank per unit
    result.log          # what each step did; result.record() for the full reproducible record
"""

from .errors import CompositeError, DataError, FrameworkError, SpecError
from .framework import Framework, Node, framework_from_dict, framework_from_imeta, load_framework
from .io import hash_frame, read_table, write_table
from .pipeline import RunResult, run
from .spec import Spec, load_spec, spec_from_dict

__all__ = [
    "CompositeError",
    "DataError",
    "Framework",
    "FrameworkError",
    "Node",
    "RunResult",
    "Spec",
    "SpecError",
    "framework_from_dict",
    "framework_from_imeta",
    "hash_frame",
    "load_framework",
    "load_spec",
    "read_table",
    "run",
    "spec_from_dict",
    "write_table",
]
