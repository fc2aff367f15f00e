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


R = np.round(np.random.default_rng(7).uniform(-2, 2, size=(2, 3, 4)), 2)


def reductions():
    print("// R:", fmt(R))
    ops = {
        "ReduceSum": lambda x, a, k: np.sum(x, axis=a, keepdims=k),
        "ReduceMean": lambda x, a, k: np.mean(x, axis=a, keepdims=k),
        "ReduceMax": lambda x, a, k: np.max(x, axis=a, keepdims=k),
        "ReduceMin": lambda x, a, k: np.min(x, axis=a, keepdims=k),
        "ReduceProd": lambda x, a, k: np.prod(x, axis=a, keepdims=k),
        "ReduceL1": lambda x, a, k: np.sum(np.abs(x), axis=a, keepdims=k),
        "ReduceL2": lambda x, a, k: np.sqrt(np.sum(x * x, axis=a, keepdims=k)),
        "ReduceLogSum": lambda x, a, k: np.log(np.sum(np.abs(x), axis=a, keepdims=k)),
        "ReduceLogSumExp": lambda x, a, k: np.log(np.sum(np.exp(x), axis=a, keepdims=k)),
        "ReduceSumSquare": lambda x, a, k: np.sum(x * x, axis=a, keepdims=k),
    }
    for name, f in ops.items():
        # ReduceLogSum runs on |R| (the log of a negative sum is NaN).
        for axes, keep in (((1,), 1), ((0, 2), 0), (None, 1), ((-1,), 0)):
            v = f(R, axes, keep)
            ax = "{}" if axes is None else "{" + ", ".join(map(str, axes)) + "}"
            shape = "{" + ", ".join(map(str, np.shape(v))) + "}"
            print(f'  {{"{name}", {ax}, {keep}, {shape}, {fmt(v)}}},')
    t = np.array([[3, 1, 3, 2], [0, 5, 5, -1], [2, 2, 2, 2]], dtype=np.float32)
    print("// ties:", fmt(t))
    for last in (0, 1):
        for axis in (0, 1):
            amax = np.argmax(np.flip(t, axis), axis) if last else np.argmax(t, axis)
            amin = np.argmin(np.flip(t, axis), axis) if last else np.argmin(t, axis)
            if last:
                amax = t.shape[axis] - 1 - amax
                amin = t.shape[axis] - 1 - amin
            print(f"// last={last} axis={axis} argmax {fmt(amax)} argmin {fmt(amin)}")
    c = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float64)
    for excl in (0, 1):
        for rev in (0, 1):
            x = np.flip(c, 1) if rev else c
            y = np.cumsum(x, 1)
            if excl:
                y = np.concatenate([np.zeros((2, 1)), y[:, :-1]], 1)
            if rev:
                y = np.flip(y, 1)
            print(f"// cumsum exclusive={excl} reverse={rev}: {fmt(y)}")


def normalizations():
    x = R  # [2, 3, 4]
    for axis in (-1, 1, 0):
        m = np.max(x, axis=axis, keepdims=True)
        e = np.exp(x - m)
        sm = e / np.sum(e, axis=axis, keepdims=True)
        print(f"// softmax axis={axis}: {fmt(sm)}")
        print(f"// logsoftmax axis={axis}: {fmt(np.log(sm))}")
        am = np.argmax(x, axis=axis)
        hm = np.zeros_like(x)
        np.put_along_axis(hm, np.expand_dims(am, axis), 1.0, axis)
        print(f"// hardmax axis={axis}: {fmt(hm)}")
    scale = np.array([0.5, 1.0, -1.5, 2.0])
    bias = np.array([0.1, 0.2, 0.3, 0.4])
    for axis in (-1, 1):
        axes = tuple(range(axis % 3, 3))
        mean = np.mean(x, axis=axes, keepdims=True)
        var = np.mean((x - mean) ** 2, axis=axes, keepdims=True)
        inv = 1 / np.sqrt(var + 1e-5)
        sc = scale if axis == -1 else np.resize(np.arange(1, 13) / 6.0, (3, 4))
        bi = bias if axis == -1 else np.zeros((3, 4))
        y = (x - mean) * inv * sc + bi
        print(f"// layernorm axis={axis}: y {fmt(y)} mean {fmt(mean)} inv {fmt(inv)}")
    # BatchNormalization (inference) on [2, 3, 2, 2] = R reshaped.
    xb = R.reshape(2, 3, 2, 2)
    s, b, m, v = (np.array([1.0, 2.0, 0.5]), np.array([0.0, 1.0, -1.0]),
                  np.array([0.1, -0.2, 0.3]), np.array([1.0, 0.5, 2.0]))
    yb = (xb - m[None, :, None, None]) / np.sqrt(v[None, :, None, None] + 1e-5) * \
        s[None, :, None, None] + b[None, :, None, None]
    print(f"// batchnorm: {fmt(yb)}")
    mean = np.mean(xb, axis=(2, 3), keepdims=True)
    var = np.var(xb, axis=(2, 3), keepdims=True)
    yi = (xb - mean) / np.sqrt(var + 1e-5) * s[None, :, None, None] + b[None, :, None, None]
    print(f"// instancenorm: {fmt(yi)}")
    for p_ in (1, 2):
        for axis in (-1, 1):
            n = np.sum(np.abs(x) ** p_, axis=axis, keepdims=True) ** (1.0 / p_)
            print(f"// lpnorm p={p_} axis={axis}: {fmt(x / n)}")
    xm = R.reshape(2, 3, 2, 2)
    mean = np.mean(xm, axis=(0, 2, 3), keepdims=True)
    std = np.sqrt(np.mean(xm ** 2, axis=(0, 2, 3), keepdims=True) - mean ** 2)
    print(f"// mvn: {fmt((xm - mean) / (std + 1e-9))}")


def log_softmax(x, axis=1):
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def nll(logp, target, weight=None, reduction="mean", ignore_index=None):
    # As onnx's reference: gather -logp at the target class, weight, then reduce.
    n, c = logp.shape[:2]
    w = np.ones(c) if weight is None else weight
    t = target.copy()
    mask = np.ones(t.shape, dtype=bool) if ignore_index is None else t != ignore_index
    t = np.where(mask, t, 0)
    picked = np.take_along_axis(logp, np.expand_dims(t, 1), 1).squeeze(1)
    l = np.where(mask, -picked * w[t], 0.0)
    ws = np.where(mask, w[t], 0.0)
    if reduction == "none":
        return l
    if reduction == "sum":
        return np.sum(l)
    return np.sum(l) / np.sum(ws)


def losses():
    x = R.reshape(2, 3, 4)  # N=2, C=3, d=4
    target = np.array([[0, 1, 2, 1], [2, -1, 0, 0]])
    weight = np.array([0.5, 1.0, 2.0])
    print("// target:", fmt(target))
    for red in ("none", "sum", "mean"):
        print(f"// nll {red} ignore=-1: {fmt(nll(x, target, None, red, -1))}")
        print(f"// nll {red} weighted ignore=-1: {fmt(nll(x, target, weight, red, -1))}")
    lp = log_softmax(x)
    t2 = np.array([[0, 1, 2, 1], [2, 2, 0, 0]])
    for red in ("none", "sum", "mean"):
        print(f"// sce {red}: {fmt(nll(lp, t2, None, red))}")
        print(f"// sce {red} weighted: {fmt(nll(lp, t2, weight, red))}")
    print(f"// sce log_prob: {fmt(lp)}")
    x2 = np.array([[1.0, 2.0, 3.0], [1.0, -1.0, 0.5]])
    print(f"// sce 2d mean ignore=1: {fmt(nll(log_softmax(x2), np.array([2, 1]), None, 'mean', 1))}")


def contractions():
    a = R.reshape(2, 3, 4)
    b = np.round(np.random.default_rng(3).uniform(-1, 1, size=(4, 5)), 2)
    print(f"// B45: {fmt(b)}")
    print(f"// matmul [2,3,4]x[4,5]: {fmt(a @ b)}")
    v = np.array([1.0, -2.0, 0.5, 3.0])
    print(f"// matmul [2,3,4]x[4]: {fmt(a @ v)}")
    print(f"// matmul [4]x[4,5]: {fmt(v @ b)}")
    print(f"// matmul [4]x[4]: {fmt(v @ v)}")
    b2 = np.round(np.random.default_rng(5).uniform(-1, 1, size=(1, 4, 2)), 2)
    print(f"// B142: {fmt(b2)}")
    print(f"// matmul [2,3,4]x[1,4,2]: {fmt(np.matmul(a, b2))}")
    a2 = a[0]  # [3, 4]
    c = np.array([0.5, -0.5, 1.0, 2.0, 0.0])
    print(f"// gemm a[3,4] b[4,5] c[5] alpha=0.5 beta=2: {fmt(0.5 * a2 @ b + 2 * c)}")
    print(f"// gemm transA a^T[4,3]=a2.T transB b^T: {fmt(a2 @ b)}")
    print(f"// einsum ij,jk->ik: {fmt(np.einsum('ij,jk->ik', a2, b))}")
    print(f"// einsum bij->bji: {fmt(np.einsum('bij->bji', a))}")
    print(f"// einsum bij,jk->bik: {fmt(np.einsum('bij,jk->bik', a, b))}")
    print(f"// einsum ij->: {fmt(np.einsum('ij->', a2))}")
    sq = a2[:, :3]
    print(f"// einsum ii->i on a2[:, :3]: {fmt(np.einsum('ii->i', sq))}")
    print(f"// einsum i,i: {fmt(np.einsum('i,i', v, v))}")
    print(f"// einsum ...ij,...jk->...ik: {fmt(np.einsum('...ij,...jk->...ik', a, b2))}")
    print(f"// einsum ij,kj (implicit): {fmt(np.einsum('ij,kj', a2, a2))}")


def main():
    globals()[sys.argv[1]]()


if __name__ == "__main__":
    main()
