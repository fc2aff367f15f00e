#!/usr/bin/python3
"""Writes the ONNX test models of tests/unit/onnx/ into tests/data/onnx/.

Run with Debian's interpreter (onnx 1.12, torch 1.13): /usr/bin/python3 make_models.py
Every model is small (a few KB) and checked in; rerunning rewrites them identically.
"""
import io
import os

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "data", "onnx")


def model(nodes, inputs, outputs, opset=13, inits=(), name="g", ir_version=8, domains=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="sluice-tests")
    m.ir_version = ir_version
    return m


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def save(m, name):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(m.SerializeToString())


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def basic():
    # add_relu: y = relu(x + b), b an initializer.
    save(model([helper.make_node("Add", ["x", "b"], ["s"], name="add"),
                helper.make_node("Relu", ["s"], ["y"], name="relu")],
               [vi("x", T.FLOAT, [2, 3])], [vi("y", T.FLOAT, [2, 3])],
               inits=[tensor("b", np.arange(3, dtype=np.float32))], name="add_relu"),
         "add_relu.onnx")
    # symbolic_batch: y = relu(x @ w), x is [batch, 4].
    save(model([helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Relu", ["m"], ["y"])],
               [vi("x", T.FLOAT, ["batch", 4])], [vi("y", T.FLOAT, ["batch", 3])], opset=17,
               inits=[tensor("w", np.ones((4, 3), dtype=np.float32))]),
         "symbolic_batch.onnx")
    # multi_output: two outputs, names that are not identifiers, an unnamed dim.
    save(model([helper.make_node("Relu", ["in:0"], ["out.relu"]),
                helper.make_node("Neg", ["in:0"], ["1out"])],
               [vi("in:0", T.FLOAT, [None, 5])], [vi("out.relu", T.FLOAT, None), vi("1out", T.FLOAT, None)]),
         "multi_output.onnx")
    # constants: Constant nodes of every spelling, folded; the data ones feed Adds.
    nodes = [helper.make_node("Constant", [], ["c_tensor"], value=tensor("", np.full((2, 3), 2.0, np.float32))),
             helper.make_node("Constant", [], ["c_float"], value_float=1.5),
             helper.make_node("Constant", [], ["c_floats"], value_floats=[1.0, 2.0]),
             helper.make_node("Constant", [], ["c_int"], value_int=3),
             helper.make_node("Constant", [], ["c_ints"], value_ints=[3, 2]),
             helper.make_node("Reshape", ["x", "c_ints"], ["r"]),
             helper.make_node("Add", ["r", "c_floats"], ["a"]),
             helper.make_node("Mul", ["a", "c_float"], ["y"])]
    save(model(nodes, [vi("x", T.FLOAT, [2, 3])], [vi("y", T.FLOAT, [3, 2])], opset=13), "constants.onnx")
    # clip_max: Clip with only `max`, an absent optional input in the middle.
    save(model([helper.make_node("Clip", ["x", "", "hi"], ["y"])], [vi("x", T.FLOAT, [4])],
               [vi("y", T.FLOAT, [4])], inits=[tensor("hi", np.float32(6.0))]), "clip_max.onnx")


def shape_ops():
    x = vi("x", T.FLOAT, [2, 3, 4])
    save(model([helper.make_node("ReduceMean", ["x"], ["y"], axes=[1], keepdims=1)], [x],
               [vi("y", T.FLOAT, None)], opset=13), "reduce_mean_13.onnx")
    save(model([helper.make_node("ReduceMean", ["x", "axes"], ["y"], keepdims=1)], [x],
               [vi("y", T.FLOAT, None)], opset=18, inits=[tensor("axes", np.array([1], np.int64))]),
         "reduce_mean_18.onnx")
    save(model([helper.make_node("Split", ["x", "sizes"], ["a", "b"], axis=2)], [x],
               [vi("a", T.FLOAT, None), vi("b", T.FLOAT, None)], opset=13,
               inits=[tensor("sizes", np.array([1, 3], np.int64))]), "split_sizes.onnx")
    # Split-18 with num_outputs: the importer fills `split` from the output shapes.
    save(model([helper.make_node("Split", ["x"], ["a", "b"], axis=1, num_outputs=2)], [vi("x", T.FLOAT, [2, 4])],
               [vi("a", T.FLOAT, None), vi("b", T.FLOAT, None)], opset=18), "split_18.onnx")
    # Opset 18 spellings ONNX 1.12 refuses: Pad with axes (after a Relu, so its input's rank is
    # known only after a round of inference) and Split into uneven parts.
    x25 = vi("x", T.FLOAT, [2, 5])
    save(model([helper.make_node("Relu", ["x"], ["r"]),
                helper.make_node("Pad", ["r", "pads", "", "axes"], ["p"], name="pad"),
                helper.make_node("Split", ["p"], ["a", "b"], axis=1, num_outputs=2, name="split")],
               [x25], [vi("a", T.FLOAT, None), vi("b", T.FLOAT, None)], opset=18,
               inits=[tensor("pads", np.array([1, 1], np.int64)), tensor("axes", np.array([-1], np.int64))]),
         "opset18_pad_split.onnx")
    # gelu_20: an op ONNX 1.12 has no schema for; its shape comes from the importer's fallback.
    save(model([helper.make_node("Gelu", ["x"], ["g"]), helper.make_node("Relu", ["g"], ["y"])], [x],
               [vi("y", T.FLOAT, None)], opset=21), "gelu_21.onnx")


def torch_model():
    import torch

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.linear = torch.nn.Linear(12, 6)

        def forward(self, x):
            b = x.shape[0]
            h = x.reshape(b, -1)               # Shape -> Gather -> Unsqueeze -> Concat -> Reshape
            h = torch.relu(self.linear(h))
            return h.view(b, 2, x.shape[1])   # another chain, with a second Gather

    buffer = io.BytesIO()
    torch.onnx.export(Net(), torch.zeros(2, 3, 4), buffer, opset_version=17, input_names=["x"],
                      output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    m = onnx.load_from_string(buffer.getvalue())
    m.producer_version = ""
    save(m, "torch_reshape.onnx")


def external():
    w = tensor("w", np.arange(12, dtype=np.float32).reshape(4, 3))
    w.ClearField("raw_data")
    w.ClearField("float_data")
    w.data_location = T.EXTERNAL

    def ext(t, location, offset, length):
        del t.external_data[:]
        for k, v in (("location", location), ("offset", str(offset)), ("length", str(length))):
            e = t.external_data.add()
            e.key, e.value = k, v

    with open(os.path.join(OUT, "external_data.bin"), "wb") as f:
        f.write(b"\0" * 16 + np.arange(12, dtype=np.float32).tobytes())
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"])]
    for name, location, offset in (("external_data.onnx", "external_data.bin", 16),
                                   ("external_missing.onnx", "no_such_file.bin", 0),
                                   ("external_out_of_range.onnx", "external_data.bin", 32),
                                   ("external_escape.onnx", "../external_data.bin", 0)):
        ext(w, location, offset, 48)
        save(model(nodes, [vi("x", T.FLOAT, [2, 4])], [vi("y", T.FLOAT, [2, 3])], inits=[w]), name)


def bad():
    x = vi("x", T.FLOAT, [2, 3])
    y = vi("y", T.FLOAT, None)
    # Several unsupported operators, two nodes of one of them.
    body = helper.make_graph([helper.make_node("Identity", ["c"], ["c_out"])], "body",
                             [vi("i", T.INT64, []), vi("c", T.BOOL, [])], [vi("c_out", T.BOOL, [])])
    boxes = vi("boxes", T.FLOAT, [1, 4, 4])
    scores = vi("scores", T.FLOAT, [1, 1, 4])
    save(model([helper.make_node("NonMaxSuppression", ["boxes", "scores"], ["s1"], name="nms_1"),
                helper.make_node("NonMaxSuppression", ["boxes", "scores"], ["s2"], name="nms_2"),
                helper.make_node("Loop", ["", "cond"], [], name="loop", body=body),
                helper.make_node("Relu", ["boxes"], ["r"], name="relu")],
               [boxes, scores, vi("cond", T.BOOL, [])],
               [vi("s1", T.INT64, None), vi("s2", T.INT64, None), vi("r", T.FLOAT, None)]),
         "unsupported_ops.onnx")
    # An unsupported op next to a shape chain that folds away: only the former is reported.
    x234 = vi("x", T.FLOAT, [2, 3, 4])
    save(model([helper.make_node("Shape", ["x"], ["s"]),
                helper.make_node("Gather", ["s", "i0"], ["d0"], axis=0),
                helper.make_node("Unsqueeze", ["d0", "axes0"], ["d0u"]),
                helper.make_node("Concat", ["d0u", "minus1"], ["target"], axis=0),
                helper.make_node("Reshape", ["x", "target"], ["r"]),
                helper.make_node("NonMaxSuppression", ["boxes", "scores"], ["sel"], name="nms")],
               [x234, boxes, scores], [vi("r", T.FLOAT, None), vi("sel", T.INT64, None)],
               inits=[tensor("i0", np.array(0, np.int64)), tensor("axes0", np.array([0], np.int64)),
                      tensor("minus1", np.array([-1], np.int64))]), "unsupported_beside_folding.onnx")
    save(model([helper.make_node("Add", ["x", "i"], ["y"], name="add_mixed")],
               [x, vi("i", T.INT64, [2, 3])], [y]), "type_mismatch.onnx")
    save(model([helper.make_node("Add", ["x", "z"], ["y"], name="add_bad")],
               [x, vi("z", T.FLOAT, [4, 5])], [y]), "shape_mismatch.onnx")
    save(model([helper.make_node("Relu", ["x"], ["y"])], [x], []), "no_outputs.onnx")
    w = T(name="w", data_type=T.FLOAT, dims=[2, 3])
    save(model([helper.make_node("Add", ["x", "w"], ["y"])], [x], [y], inits=[w]), "missing_initializer_data.onnx")
    save(model([helper.make_node("Relu", ["b"], ["a"], name="first"), helper.make_node("Relu", ["a"], ["b"], name="second"),
                helper.make_node("Add", ["x", "a"], ["y"])], [x], [y]), "cycle.onnx")
    save(model([helper.make_node("NonZero", ["x"], ["nz"], name="nonzero"), helper.make_node("Neg", ["nz"], ["y"])],
               [x], [vi("y", T.INT64, None)]), "unknown_dim.onnx")
    save(model([helper.make_node("Relu", ["u"], ["y"])], [vi("u", T.UINT8, [4])], [vi("y", T.UINT8, None)]),
         "uint8_input.onnx")
    save(model([helper.make_node("FusedMatMul", ["x", "x"], ["y"], name="fused", domain="com.microsoft"),
                helper.make_node("Relu", ["y"], ["z"])], [x], [vi("z", T.FLOAT, None)], domains=["com.microsoft"]),
         "foreign_domain.onnx")
    save(model([helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")], [x, vi("s", T.INT64, [2])], [y]),
         "dynamic_reshape.onnx")


def naming():
    # Duplicate and missing node names; value names that clash once made identifiers.
    save(model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", T.FLOAT, ["_b", "2n", "a-b"])],
               [vi("y", T.FLOAT, None)]), "symbol_names.onnx")
    # IR 3: initializers are listed as inputs too; they stay constants.
    save(model([helper.make_node("Add", ["x", "b"], ["y"])], [vi("x", T.FLOAT, [3]), vi("b", T.FLOAT, [3])],
               [vi("y", T.FLOAT, None)], inits=[tensor("b", np.ones(3, np.float32))], ir_version=3, opset=8),
         "initializer_as_input.onnx")
    save(model([helper.make_node("Relu", ["x"], ["a.b"], name="n"),
                helper.make_node("Relu", ["a.b"], ["a_b"], name="n"),
                helper.make_node("Relu", ["a_b"], ["y"])],
               [vi("x", T.FLOAT, [2])], [vi("y", T.FLOAT, [2])]), "naming.onnx")


def folding():
    # The shape arithmetic exporters emit, all on constants or static shapes: folded away,
    # leaving one Reshape whose shape is [2, 3, 2, 2] and an Add of a folded Range.
    x = vi("x", T.FLOAT, [2, 3, 4])
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "i0"], ["d0"], axis=0),
        helper.make_node("Gather", ["shape", "i1"], ["d1"], axis=0),
        helper.make_node("Shape", ["x"], ["last"], start=-1),
        helper.make_node("Cast", ["last"], ["last_f"], to=T.FLOAT),
        helper.make_node("Sqrt", ["last_f"], ["sqrt"]),
        helper.make_node("Cast", ["sqrt"], ["half"], to=T.INT64),
        helper.make_node("Unsqueeze", ["d0", "axes0"], ["d0u"]),
        helper.make_node("Unsqueeze", ["d1", "axes0"], ["d1u"]),
        helper.make_node("Concat", ["d0u", "d1u", "half", "half"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["r"]),
        helper.make_node("Size", ["x"], ["n"]),
        helper.make_node("Div", ["n", "six"], ["four"]),
        helper.make_node("Range", ["zero", "four", "one"], ["iota"]),
        helper.make_node("Cast", ["iota"], ["iota_f"], to=T.FLOAT),
        helper.make_node("Slice", ["iota_f", "s_start", "s_end"], ["two"]),
        helper.make_node("Equal", ["two", "two"], ["eq"]),
        helper.make_node("Where", ["eq", "two", "two"], ["w"]),
        helper.make_node("ConstantOfShape", ["s_end"], ["ones"], value=tensor("", np.array([1.0], np.float32))),
        helper.make_node("Mul", ["w", "ones"], ["w1"]),
        helper.make_node("Expand", ["w1", "e_shape"], ["we"]),
        helper.make_node("Squeeze", ["we", "axes0"], ["ws"]),
        helper.make_node("Add", ["r", "ws"], ["y"], name="add"),
    ]
    i64 = lambda v: tensor("", np.array(v, np.int64))
    inits = [tensor("i0", np.array(0, np.int64)), tensor("i1", np.array(1, np.int64)),
             tensor("axes0", np.array([0], np.int64)), tensor("six", np.array(6, np.int64)),
             tensor("zero", np.array(0, np.int64)), tensor("one", np.array(1, np.int64)),
             tensor("s_start", np.array([2], np.int64)), tensor("s_end", np.array([4], np.int64)),
             tensor("e_shape", np.array([1, 2], np.int64))]
    # Slice of iota_f [0 1 2 3] from 2 to 4 = [2 3]; ones is [1 1 1 1]; broadcasting [2] * [4]
    # fails, so multiply by a [1] instead.
    nodes[18] = helper.make_node("ConstantOfShape", ["one_1d"], ["ones"], value=tensor("", np.array([1.0], np.float32)))
    inits.append(tensor("one_1d", np.array([1], np.int64)))
    save(model(nodes, [x], [vi("y", T.FLOAT, None)], opset=17, inits=inits), "folding.onnx")
    # 24 "layers", each reshaping by a shape computed from the previous layer's output shape:
    # a layer's Shape folds only after the previous Reshape's shape has (one round per layer).
    nodes, h = [], "x"
    for i in range(24):
        nodes += [helper.make_node("Shape", [h], [f"s{i}"]),
                  helper.make_node("Gather", [f"s{i}", "i0"], [f"d{i}"], axis=0),
                  helper.make_node("Unsqueeze", [f"d{i}", "axes0"], [f"u{i}"]),
                  helper.make_node("Concat", [f"u{i}", "minus1"], [f"t{i}"], axis=0),
                  helper.make_node("Reshape", [h, f"t{i}"], [f"r{i}"]),
                  helper.make_node("Relu", [f"r{i}"], [f"h{i}"])]
        h = f"h{i}"
    save(model(nodes, [vi("x", T.FLOAT, [2, 3, 4])], [vi(h, T.FLOAT, None)], opset=17,
               inits=[tensor("i0", np.array(0, np.int64)), tensor("axes0", np.array([0], np.int64)),
                      tensor("minus1", np.array([-1], np.int64))]), "deep_reshape_chain.onnx")


def folding_ops():
    # Each output but y is a folded constant; the test checks their values.
    def c(name, array):
        return helper.make_node("Constant", [], [name], value=tensor("", np.asarray(array)))
    i64 = np.int64
    nodes = [
        c("m23", np.array([[1, 2, 3], [4, 5, 6]], i64)),
        helper.make_node("Transpose", ["m23"], ["t"]),
        c("ten", np.arange(10, dtype=i64)),
        c("st", np.array([8], i64)), c("en", np.array([1], i64)), c("ax", np.array([0], i64)),
        c("sp", np.array([-3], i64)),
        helper.make_node("Slice", ["ten", "st", "en", "ax", "sp"], ["s"]),
        c("a24", np.arange(24, dtype=np.float32).reshape(2, 3, 4)),
        helper.make_node("Flatten", ["a24"], ["f"], axis=2),
        c("p", np.array([1, 5, 3], i64)), c("q", np.array([4, 2, 6], i64)),
        helper.make_node("Min", ["p", "q"], ["mn"]),
        helper.make_node("Max", ["p", "q"], ["mx"]),
        c("num", np.array([-7, 7], i64)), c("den", np.array([3, -3], i64)),
        helper.make_node("Mod", ["num", "den"], ["md"]),
        helper.make_node("Mod", ["num", "den"], ["fm"], fmod=1),
        c("gi", np.array([[2, 0]], i64)),
        helper.make_node("Gather", ["m23", "gi"], ["g"], axis=1),
        c("r0", np.array(5.0, np.float32)), c("r1", np.array(1.0, np.float32)), c("rd", np.array(-1.5, np.float32)),
        helper.make_node("Range", ["r0", "r1", "rd"], ["r"]),
        c("fl", np.array([1.7, -1.7], np.float32)),
        helper.make_node("Cast", ["fl"], ["ci"], to=T.INT64),
        c("col", np.array([[1], [2]], i64)), c("eshape", np.array([2, 3], i64)),
        helper.make_node("Expand", ["col", "eshape"], ["e"]),
        c("one3one", np.zeros((1, 3, 1), np.float32)),
        helper.make_node("Squeeze", ["one3one"], ["sq"]),
        helper.make_node("Equal", ["p", "q"], ["eq"]),
        c("cond", np.array([True, False])), c("yes", np.array(1, i64)), c("no", np.array(2, i64)),
        helper.make_node("Where", ["cond", "yes", "no"], ["w"]),
        c("neg1", np.array([-1], i64)),
        helper.make_node("Unsqueeze", ["p", "neg1"], ["u"]),
        c("two", np.array([2], i64)),
        helper.make_node("ConstantOfShape", ["two"], ["zeros"]),
        c("keep", np.array([0, -1], i64)),
        helper.make_node("Reshape", ["m23", "keep"], ["rs"]),
        helper.make_node("Relu", ["x"], ["y"]),
    ]
    outs = ["y", "t", "s", "f", "mn", "mx", "md", "fm", "g", "r", "ci", "e", "sq", "eq", "w", "u", "zeros", "rs"]
    save(model(nodes, [vi("x", T.FLOAT, [2])], [helper.make_empty_tensor_value_info(o) for o in outs], opset=17),
         "folding_ops.onnx")


def hostile():
    x = vi("x", T.FLOAT, [2, 3])
    y = vi("y", T.FLOAT, None)
    save(model([helper.make_node("Gather", ["c", "idx"], ["g"], name="gather"), helper.make_node("Add", ["x", "g"], ["y"])],
               [x], [y], inits=[tensor("c", np.zeros(3, np.float32)), tensor("idx", np.array(7, np.int64))]),
         "hostile_gather_index.onnx")
    big = T(name="w", data_type=T.FLOAT, dims=[1 << 40, 1 << 40])
    save(model([helper.make_node("Add", ["x", "w"], ["y"])], [x], [y], inits=[big]), "hostile_huge_initializer.onnx")
    save(model([helper.make_node("ConstantOfShape", ["s"], ["z"], name="cos"), helper.make_node("Relu", ["z"], ["y"])],
               [x], [y], inits=[tensor("s", np.array([1 << 40, 1 << 40], np.int64))]), "hostile_huge_constant_of_shape.onnx")
    save(model([helper.make_node("Relu", ["x"], ["y"])], [vi("", T.FLOAT, [2]), x], [y]), "hostile_unnamed_input.onnx")
    save(model([helper.make_node("Relu", ["nowhere"], ["y"], name="orphan")], [x], [y]), "hostile_undefined_input.onnx")


def old_and_optional_inputs():
    # Opset 9: attribute spellings of what later became inputs, and Pad-2's `value`.
    x = vi("x", T.FLOAT, [2, 4])
    nodes = [helper.make_node("Pad", ["x"], ["p"], pads=[0, 1, 0, 1], value=1.5),
             helper.make_node("Slice", ["p"], ["s"], starts=[0], ends=[4], axes=[1]),
             helper.make_node("Unsqueeze", ["s"], ["u"], axes=[0]),
             helper.make_node("ReduceSum", ["u"], ["r"], axes=[0], keepdims=0),
             helper.make_node("Split", ["r"], ["a", "b"], axis=1, split=[1, 3])]
    save(model(nodes, [x], [vi("a", T.FLOAT, None), vi("b", T.FLOAT, None)], opset=9), "opset9_attributes.onnx")
    # Opset 13: Resize with an empty roi and constant scales, Dropout with a ratio input, Pad with
    # pads and constant_value inputs, TopK with k.
    nodes = [helper.make_node("Resize", ["x", "roi", "scales"], ["big"], mode="nearest"),
             helper.make_node("Dropout", ["big", "ratio"], ["d"]),
             helper.make_node("Pad", ["d", "pads", "cval"], ["p"]),
             helper.make_node("TopK", ["p", "k"], ["vals", "idx"], axis=1)]
    inits = [tensor("roi", np.zeros(0, np.float32)), tensor("scales", np.array([1, 2], np.float32)),
             tensor("ratio", np.array(0.25, np.float32)), tensor("pads", np.array([0, 1, 0, 1], np.int64)),
             tensor("cval", np.array(0.5, np.float32)), tensor("k", np.array([3], np.int64))]
    save(model(nodes, [x], [vi("vals", T.FLOAT, None), vi("idx", T.INT64, None)], opset=13, inits=inits),
         "opset13_shape_inputs.onnx")


def regressions():
    # Fuzzer finds. Shape of a value of an op ONNX cannot type crashed ONNX 1.12's data propagation.
    save(model([helper.make_node("Foo", ["x"], ["w"], name="foo"), helper.make_node("Shape", ["w"], ["s"])],
               [vi("x", T.FLOAT, [2])], [vi("s", T.INT64, None)]), "regress_shape_of_untyped.onnx")
    # Gathering nothing from a [2^40, 0] tensor looped 2^40 times.
    empty = T(name="e", data_type=T.FLOAT, dims=[1 << 40, 0])
    save(model([helper.make_node("Gather", ["e", "none"], ["g"], axis=1), helper.make_node("Relu", ["x"], ["y"])],
               [vi("x", T.FLOAT, [2])], [vi("y", T.FLOAT, None), vi("g", T.FLOAT, None)],
               inits=[empty, tensor("none", np.zeros(0, np.int64))]), "regress_gather_empty_huge.onnx")
    # Python-style Mod computed ((x % y) + y) % y, which overflows for a huge divisor.
    big = np.array([2**63 - 3], np.int64)
    save(model([helper.make_node("Constant", [], ["num"], value=tensor("", np.array([7, -7], np.int64))),
                helper.make_node("Constant", [], ["den"], value=tensor("", big)),
                helper.make_node("Mod", ["num", "den"], ["m"]), helper.make_node("Relu", ["x"], ["y"])],
               [vi("x", T.FLOAT, [2])], [vi("y", T.FLOAT, None), vi("m", T.INT64, None)]),
         "regress_mod_overflow.onnx")
    # A bool stored as the byte 2 must read as 1.
    cond = T(name="cond", data_type=T.BOOL, dims=[2], raw_data=bytes([2, 0]))
    save(model([helper.make_node("Where", ["cond", "x", "x"], ["y"])], [vi("x", T.FLOAT, [2])],
               [vi("y", T.FLOAT, None)], inits=[cond]), "bool_bytes.onnx")
    # A node listing one output twice read past the nodes collected so far.
    save(model([helper.make_node("Split", ["x"], ["y", "y"], name="split")], [vi("x", T.FLOAT, [2])],
               [vi("y", T.FLOAT, None)]), "regress_output_twice.onnx")
    save(model([helper.make_node("Relu", ["x"], ["y"], name="first"), helper.make_node("Neg", ["x"], ["y"], name="second")],
               [vi("x", T.FLOAT, [2])], [vi("y", T.FLOAT, None)]), "output_of_two_nodes.onnx")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    basic()
    shape_ops()
    external()
    bad()
    naming()
    folding()
    folding_ops()
    hostile()
    old_and_optional_inputs()
    regressions()
    torch_model()
