#!/usr/bin/python3
"""Prints the expected values pasted into the compute-op tests (elementwise_test.cpp,
reduction_test.cpp, normalization_test.cpp, contraction_test.cpp, loss_test.cpp), computed with
numpy the way the ONNX reference implementation does. Run: /usr/bin/python3 <this> <family>."""
import math
import sys

import numpy as np


def fmt(values):
    out = []
    for v in np.asarray(values, dtype=np.float64).ravel():
        if math.isnan(v):
            out.append("NAN")
        elif math.isinf(v):
            out.append("INFINITY" if v > 0 else "-INFINITY")
        else:
            out.append(repr(float(v)))
    return "{" + ", ".join(out) + "}"


X = np.array([-2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.5, 3.7], dtype=np.float32)
U = np.array([-0.9, -0.5, -0.1, 0.0, 0.2, 0.5, 0.7, 0.95], dtype=np.float32)  # in (-1, 1)
P = np.array([0.1, 0.5, 1.0, 1.5, 2.0, 3.0, 7.5, 10.0], dtype=np.float32)     # positive
erf = np.vectorize(math.erf)


def softplus(x):
    return np.log(np.exp(x) + 1)


def elementwise():
    x = X.astype(np.float64)
    unary = {
        "Neg": -x, "Abs": np.abs(x), "Exp": np.exp(x), "Tanh": np.tanh(x), "Erf": erf(x),
        "Sigmoid": 1 / (1 + np.exp(-x)), "Floor": np.floor(x), "Ceil": np.ceil(x),
        "Relu": np.maximum(x, 0), "Sign": np.sign(x), "Sin": np.sin(x), "Cos": np.cos(x),
        "Tan": np.tan(x), "Sinh": np.sinh(x), "Cosh": np.cosh(x), "Asinh": np.arcsinh(x),
        "Softplus": softplus(x), "Softsign": x / (1 + np.abs(x)),
        "Mish": x * np.tanh(softplus(x)),
        "Elu": np.where(x < 0, np.exp(x) - 1, x),
        "Selu": 1.0507009873554804934193349852946 * np.where(
            x <= 0, 1.6732632423543772848170429916717 * (np.exp(x) - 1), x),
        "Celu": np.maximum(0, x) + np.minimum(0, np.exp(x) - 1),
        "HardSigmoid": np.clip(0.2 * x + 0.5, 0, 1),
        "HardSwish": x * np.clip(x / 6 + 0.5, 0, 1),
        "LeakyRelu": np.where(x < 0, 0.01 * x, x),
        "ThresholdedRelu": np.where(x > 1.0, x, 0),
        "Shrink": np.where(x < -0.5, x, np.where(x > 0.5, x, 0)),
        "Gelu": 0.5 * x * (1 + erf(x / math.sqrt(2))),
    }
    for name, v in unary.items():
        print(f'  {{"{name}", {fmt(v)}}},')
    u = U.astype(np.float64)
    print("// on U:")
    for name, v in {"Asin": np.arcsin(u), "Acos": np.arccos(u), "Atan": np.arctan(u),
                    "Atanh": np.arctanh(u)}.items():
        print(f'  {{"{name}", {fmt(v)}}},')
    p = P.astype(np.float64)
    print("// on P:")
    for name, v in {"Sqrt": np.sqrt(p), "Log": np.log(p), "Reciprocal": 1 / p,
                    "Acosh": np.arccosh(p + 1)}.items():
        print(f'  {{"{name}", {fmt(v)}}},')
    print("// gelu tanh:", fmt(0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                                       (x + 0.044715 * x ** 3)))))
    print("// round:", fmt(np.round(np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, 2.51, -2.7]))))
    a = np.array([-7, -7, 7, 7, 5, -5], dtype=np.int64)
    b = np.array([2, -2, 2, -2, 3, 3], dtype=np.int64)
    print("// int div (trunc):", fmt(np.trunc(a / b)))
    print("// int mod:", fmt(np.mod(a, b)), " fmod:", fmt(np.fmod(a, b)))
    af = np.array([-7.5, 7.5, 5.25, -5.25])
    bf = np.array([2.0, -2.0, 1.5, 1.5])
    print("// float fmod:", fmt(np.fmod(af, bf)))


def main():
    globals()[sys.argv[1]]()


if __name__ == "__main__":
    main()
