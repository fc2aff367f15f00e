#!/usr/bin/python3
"""Turns the ONNX backend node tests of the data-movement ops into tests/data/ops/onnx_node_cases.txt.

Each case is one ONNX node with its inputs and expected outputs, with shape-determining inputs
already moved into attributes as the frontend does (docs/cpu-path.md, section 1), so the op tests
see what an expansion sees after import. Run from the repository root:
    /usr/bin/python3 tests/unit/ops/make_onnx_node_cases.py
"""
import glob
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper

DATA = "/usr/share/libonnx-testdata/data/node"
OUT = "tests/data/ops/onnx_node_cases.txt"
MAX_ELEMENTS = 4096

PREFIXES = [
    "transpose", "reshape", "flatten", "squeeze", "unsqueeze", "expand", "concat", "split", "slice",
    "gather_", "gather_elements", "gathernd", "identity", "tril", "triu", "tile", "constant_pad", "edge_pad",
    "reflect_pad", "basic_conv", "conv_", "convtranspose", "maxpool", "averagepool", "globalaverage",
    "globalmax", "scatter_elements", "scatter_with", "scatter_without", "scatternd", "shape",
    "size", "constantofshape", "range_float_type_positive_delta", "range_int32_type_negative_delta",
    "eyelike", "onehot", "resize", "upsample", "depthtospace", "spacetodepth", "top_k",
]
SKIP_SUFFIX = ("_expanded",)

# ONNX input index -> (attribute name, kind) moved by the frontend.
MOVED = {
    "Reshape": {1: ("shape", "ints")}, "Expand": {1: ("shape", "ints")},
    "Tile": {1: ("repeats", "ints")},
    "Slice": {1: ("starts", "ints"), 2: ("ends", "ints"), 3: ("axes", "ints"), 4: ("steps", "ints")},
    "Pad": {1: ("pads", "ints"), 2: ("constant_value", "float"), 3: ("axes", "ints")},
    "Resize": {1: ("roi", "floats"), 2: ("scales", "floats"), 3: ("sizes", "ints")},
    "Squeeze": {1: ("axes", "ints")}, "Unsqueeze": {1: ("axes", "ints")},
    "Split": {1: ("split", "ints")}, "TopK": {1: ("k", "int")},
    "OneHot": {1: ("depth", "int"), 2: ("values", "floats")}, "Trilu": {1: ("k", "int")},
    "ConstantOfShape": {0: ("shape", "ints")}, "Upsample": {1: ("scales", "floats")},
}
DTYPES = {np.float32: "f32", np.float64: "f64", np.float16: "f16", np.int32: "i32",
          np.int64: "i64", np.int8: "i8", np.bool_: "bool"}


def dtype_name(a):
    for t, name in DTYPES.items():
        if a.dtype == t:
            return name
    return None


def values_text(a):
    flat = a.reshape(-1)
    if a.dtype == np.bool_:
        return " ".join("1" if v else "0" for v in flat)
    if np.issubdtype(a.dtype, np.integer):
        return " ".join(str(int(v)) for v in flat)
    return " ".join(repr(float(v)) for v in flat)


def tensor_line(kind, k, a):
    shape = ",".join(str(d) for d in a.shape)
    return f"{kind} {k} {dtype_name(a)} [{shape}] {values_text(a)}".rstrip()


def attr_lines(name, value):
    if isinstance(value, bytes):
        return [f"attr {name} string {value.decode()}"]
    if isinstance(value, int):
        return [f"attr {name} int {value}"]
    if isinstance(value, float):
        return [f"attr {name} float {repr(value)}"]
    if isinstance(value, onnx.TensorProto):
        a = numpy_helper.to_array(value).reshape(-1)
        return [f"attr {name} float {repr(float(a[0]))}"] if a.size else []
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return [f"attr {name} ints {' '.join(str(v) for v in value)}".rstrip()]
    if isinstance(value, list) and all(isinstance(v, float) for v in value):
        return [f"attr {name} floats {' '.join(repr(v) for v in value)}".rstrip()]
    raise ValueError(f"attribute {name}: {value!r}")


def case_text(path):
    name = os.path.basename(path)
    model = onnx.load(os.path.join(path, "model.onnx"))
    nodes = [n for n in model.graph.node if n.op_type != "Constant"]
    if len(nodes) != 1:
        return None, "not one node"
    node = nodes[0]
    constants = {}
    for n in model.graph.node:
        if n.op_type == "Constant":
            constants[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    graph_inputs = [i.name for i in model.graph.input]
    data = os.path.join(path, "test_data_set_0")
    feeds = {}
    for k, f in enumerate(sorted(glob.glob(os.path.join(data, "input_*.pb")))):
        try:
            feeds[graph_inputs[k]] = numpy_helper.to_array(onnx.load_tensor(f))
        except ValueError:
            return None, "an input is not a tensor"
    feeds.update(constants)
    outputs = [numpy_helper.to_array(onnx.load_tensor(f))
               for f in sorted(glob.glob(os.path.join(data, "output_*.pb")))]
    lines = [f"case {name}", f"op {node.op_type}"]
    moved = MOVED.get(node.op_type, {})
    for a in node.attribute:
        lines += attr_lines(a.name, helper.get_attribute_value(a))
    for k, input_name in enumerate(node.input):
        if not input_name:
            continue
        a = feeds[input_name]
        if k in moved:
            attr, kind = moved[k]
            flat = a.reshape(-1)
            if kind == "ints":
                lines.append(f"attr {attr} ints {' '.join(str(int(v)) for v in flat)}".rstrip())
            elif kind == "int":
                lines.append(f"attr {attr} int {int(flat[0])}")
            elif kind == "float":
                lines.append(f"attr {attr} float {repr(float(flat[0]))}")
            else:
                lines.append(f"attr {attr} floats {' '.join(repr(float(v)) for v in flat)}".rstrip())
            continue
        if dtype_name(a) is None:
            return None, f"input dtype {a.dtype}"
        if a.size > MAX_ELEMENTS:
            return None, "too large"
        lines.append(tensor_line("input", k, a))
    for k, a in enumerate(outputs):
        if dtype_name(a) is None:
            return None, f"output dtype {a.dtype}"
        if a.size > MAX_ELEMENTS:
            return None, "too large"
        lines.append(tensor_line("output", k, a))
    lines.append("end")
    return "\n".join(lines), None


def main():
    texts = []
    for path in sorted(glob.glob(os.path.join(DATA, "test_*"))):
        name = os.path.basename(path)[5:]
        if name.endswith(SKIP_SUFFIX) or not any(name.startswith(p) for p in PREFIXES):
            continue
        text, why = case_text(path)
        if text is None:
            print(f"skipped test_{name}: {why}")
            continue
        texts.append(text)
    with open(OUT, "w") as f:
        f.write("# Generated by tests/unit/ops/make_onnx_node_cases.py from the ONNX backend node tests.\n")
        f.write("\n".join(texts) + "\n")
    print(f"{len(texts)} cases written to {OUT}")


if __name__ == "__main__":
    main()
