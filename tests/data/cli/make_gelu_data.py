"""Writes the model and .npz files the CLI tests of transformations and plugins use
(tests/cli/cli_test.sh, tests/python/test_transforms.py).

    /usr/bin/python3 tests/data/cli/make_gelu_data.py

linear_gelu.onnx is a linear layer and a GeLU as torch 1.13 exports nn.GELU (opset 17):
MatMul, Add (bias), then Div by sqrt(2), Erf, Add 1, Mul by the sum, Mul by 0.5, the constants
as initializers; then a second MatMul, so the GeLU's result feeds more work.
"""

import math
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.default_rng(11)
    w1 = rng.standard_normal((8, 16)).astype(np.float32)
    b1 = rng.standard_normal(16).astype(np.float32)
    w2 = rng.standard_normal((16, 4)).astype(np.float32)
    consts = {"sqrt2": np.float32(math.sqrt(2.0)), "one": np.float32(1.0),
              "half": np.float32(0.5)}
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1/MatMul"),
         helper.make_node("Add", ["h", "b1"], ["s"], name="fc1/Add"),
         helper.make_node("Div", ["s", "sqrt2"], ["d"], name="act/Div"),
         helper.make_node("Erf", ["d"], ["e"], name="act/Erf"),
         helper.make_node("Add", ["e", "one"], ["p"], name="act/Add"),
         helper.make_node("Mul", ["s", "p"], ["m"], name="act/Mul"),
         helper.make_node("Mul", ["m", "half"], ["g"], name="act/Mul_1"),
         helper.make_node("MatMul", ["g", "w2"], ["y"], name="fc2/MatMul")],
        "linear_gelu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 4])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(w2, "w2")] +
        [numpy_helper.from_array(np.array(v, dtype=np.float32), k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, "linear_gelu.onnx"))

    x = rng.standard_normal((2, 3, 8)).astype(np.float32)
    s = x @ w1 + b1
    erf = np.vectorize(math.erf)(s / consts["sqrt2"]).astype(np.float32)
    g = s * (erf + consts["one"]) * consts["half"]
    np.savez(os.path.join(HERE, "gelu_inputs.npz"), x=x)
    np.savez(os.path.join(HERE, "gelu_expected.npz"), y=(g @ w2).astype(np.float32))


if __name__ == "__main__":
    main()
