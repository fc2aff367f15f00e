"""Shared set-up for the Python tests."""

import numpy as np

# onnx 1.12 (Debian's) still uses numpy aliases that numpy 1.24 removed (np.object, np.bool...).
for _alias, _type in (("object", object), ("bool", bool), ("float", float), ("int", int),
                      ("complex", complex), ("str", str)):
    if not hasattr(np, _alias):
        setattr(np, _alias, _type)
