"""The ONNX backend test suite (node tests, data from Debian's libonnx-testdata) through Sluice.

Every node test whose operators Sluice implements runs and must pass; the others are skipped by
the backend's ``is_compatible`` ("unsupported operators: ..."), so they are never counted as
passed. Run alone with:

    PYTHONPATH=build/release/python /usr/bin/python3 -m pytest -q tests/python/test_onnx_backend.py
"""

import os

import onnx.backend.test

from sluice.onnx_backend import SluiceBackend

os.environ.setdefault("SLUICE_CACHE_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                       "sluice-conformance-cache"))

backend_test = onnx.backend.test.BackendTest(SluiceBackend, __name__)
# Node tests only (the model zoo needs downloads); CPU only.
backend_test.exclude(r"_cuda$")
OnnxBackendNodeModelTest = backend_test.test_cases["OnnxBackendNodeModelTest"]
