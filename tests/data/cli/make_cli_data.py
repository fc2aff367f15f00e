"""Writes the small models and .npz files the CLI tests use (tests/cli/cli_test.sh).

    /usr/bin/python3 tests/data/cli/make_cli_data.py
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    # out = relu(x + bias) @ w, with w an initializer: Add, Relu, MatMul.
    rng = np.random.default_rng(7)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "bias"], ["s"], name="add"),
         helper.make_node("Relu", ["s"], ["r"], name="relu"),
         helper.make_node("MatMul", ["r", "w"], ["out"], name="matmul")],
        "add_relu_matmul",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("bias", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [2, 4])],
        [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, "add_relu_matmul.onnx"))

    x = rng.standard_normal((2, 3)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    np.savez(os.path.join(HERE, "inputs.npz"), x=x, bias=bias)
    np.savez(os.path.join(HERE, "expected.npz"), out=np.maximum(x + bias, 0) @ w)
    np.savez(os.path.join(HERE, "missing_input.npz"), x=x)
    np.savez(os.path.join(HERE, "wrong_shape.npz"), x=x[:, :2], bias=bias)
    np.savez(os.path.join(HERE, "wrong_dtype.npz"), x=x.astype(np.float64), bias=bias)
    np.savez(os.path.join(HERE, "extra_input.npz"), x=x, bias=bias, z=bias)

    # `sluice grad`: d sum(out * seed) by hand, for x, bias and w.
    seed = rng.standard_normal((2, 4)).astype(np.float32)
    s = x + bias
    ds = (seed @ w.T) * (s > 0)
    np.savez(os.path.join(HERE, "seed.npz"), out=seed)
    np.savez(os.path.join(HERE, "expected_grads.npz"), x=ds, bias=ds.sum(0),
             w=np.maximum(s, 0).T @ seed)
    np.savez(os.path.join(HERE, "seed_unknown_output.npz"), out=seed, logits=seed)
    np.savez(os.path.join(HERE, "seed_wrong_shape.npz"), out=seed[:, :3])

    # `sluice train`: logits = x @ w2 + b2, a linear classifier of 4 features into 3 classes;
    # the class is which of the first three features is largest.
    w2 = (0.1 * rng.standard_normal((4, 3))).astype(np.float32)
    b2 = np.zeros(3, np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["xw"], name="matmul"),
         helper.make_node("Add", ["xw", "b"], ["logits"], name="add")],
        "linear_classifier",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [8, 4])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [8, 3])],
        [numpy_helper.from_array(w2, "w"), numpy_helper.from_array(b2, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, "linear_classifier.onnx"))
    samples = rng.standard_normal((32, 4)).astype(np.float32)
    np.savez(os.path.join(HERE, "train_data.npz"), x=samples,
             target=np.argmax(samples[:, :3], axis=1).astype(np.int64))
    np.savez(os.path.join(HERE, "train_data_no_target.npz"), x=samples)


if __name__ == "__main__":
    main()
