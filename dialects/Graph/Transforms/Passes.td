//===- Passes.td - tg graph passes -------------------------*- tablegen -*-===//

#ifndef TESSERA_DIALECT_GRAPH_TRANSFORMS_PASSES
#define TESSERA_DIALECT_GRAPH_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def FoldBatchNorm : Pass<"tg-fold-batch-norm"> {
  let summary = "Fold inference batch_norm into the preceding conv";
  let description = [{
    Rewrites `tg.batch_norm(tg.conv(x, W, b))`, where the conv's weight and
    bias and all four normalisation parameters are dense constants and the
    conv has no other user, into one `tg.conv(x, W', b')` with

    ```
    s  = scale / sqrt(var + epsilon)
    W' = W * s     (per output channel)
    b' = (b - mean) * s + bias     (b = 0 when the conv had none)
    ```

    The arithmetic is done in double precision and rounded once to the
    element type. Convs with other users, non-constant operands, or weights
    held as resource blobs are left alone.

    Example:

    ```mlir
    %c = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1]
           group = 1 : tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>
    %y = tg.batch_norm %c, %s, %b, %m, %v : ...
    // becomes
    %y = tg.conv %x, %w2, %b2 strides = [1, 1] ... : ...
    ```
  }];
}

def GroupQuantized : Pass<"tg-group-quantized"> {
  let summary = "Quantized matmuls compute on their stored integers";
  let description = [{
    Every f32 `tg.matmul` whose operands are both `tg.dequantize` results
    of 8-bit quantized tensors (possibly transposed after the dequantize, as
    Gemm's `transB` spells it) — the left per tensor, the right per tensor
    or per column — becomes the exact integer product of the stored values
    with the zero points applied around it, converted to f32 and scaled:

    ```
    acc  = matmul_integer(qa, qb) - za * colsum(qb) + K * za * zb
           - zb * rowsum(qa)
    real = f32(acc) * (sa * sb)
    ```

    (a constant right operand's column sums are computed at compile time).
    QDQ models (DequantizeLinear -> MatMul) and QOperator models
    (QLinearMatMul, MatMulInteger) reach the same form. Then a
    `tg.quantize` of such a rescaled product with a per-tensor result scale
    requantizes with one multiplier, `round(f32(acc) * (sa * sb / sy)) + zy`,
    as quantized kernels and ONNX Runtime's QLinearMatMul do; a ReLU or
    Clip right before a quantize that saturates at least as tightly
    (`lo <= (qmin - z) * s`, `hi >= (qmax - z) * s`) is absorbed first. Operands that
    are not dequantized, 16-bit storage, and reductions long enough to
    overflow an i32 sum (K > 33025) stay float. Runs in the graph phase at
    every optimization level: it decides the integers a quantized model
    computes, so `-O0` and `-O2` agree.
  }];
}

def ExposeQuantizePoints : Pass<"tg-expose-quantize-points", "mlir::func::FuncOp"> {
  let summary = "Post-training quantization: return what calibration observes";
  let description = [{
    The layers post-training quantization considers are the f32 `tg.conv`s
    and `tg.matmul`s in program order; their points are the distinct
    activation operands (not constants, not already dequantized), numbered
    in the order the layers first read them (the numbering
    `tg-insert-quantize` uses). This pass appends every point to the
    function's results, named `tessera.quantize.point.<i>` (with
    `layers=true`: every quantizable layer's result instead, named
    `tessera.quantize.layer.<i>`), before any `tessera.size_of` results.
    A calibration build runs the float model with them to record each
    point's value range; a report build compares each layer with the float
    one.

    Example (points):

    ```mlir
    func.func @f(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
      %w = tg.constant dense<...> : tensor<4x3xf32>
      %y = tg.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32>
      return %y : tensor<2x3xf32>
    }
    // becomes
    func.func @f(%x: tensor<2x4xf32>) -> (tensor<2x3xf32>,
        tensor<2x4xf32> {tessera.name = "tessera.quantize.point.0"}) {
      ...
      return %y, %x : tensor<2x3xf32>, tensor<2x4xf32>
    }
    ```
  }];
  let options = [
    Option<"layers", "layers", "bool", "false",
           "Return the quantizable layers' results, not the points">,
  ];
  let dependentDialects = ["tessera::tg::TGDialect"];
}

def InsertQuantize : Pass<"tg-insert-quantize", "mlir::func::FuncOp"> {
  let summary = "Post-training quantization: Q/DQ from calibrated ranges";
  let description = [{
    Quantizes every layer of `tg-expose-quantize-points`' numbering that is
    not kept in float: each activation point `i` with the calibrated range
    `[ranges[2i], ranges[2i + 1]]` (widened to hold 0) becomes
    `tg.dequantize(tg.quantize(x))` with u8 asymmetric per-tensor
    parameters, `scale = (hi - lo) / 255` (an f32), `zero_point =
    round(-lo / scale)`; a constant weight becomes s8 symmetric
    (`scale = max|w| / 127`, values in [-127, 127]): per output channel
    for a convolution (axis 0), per column for a matmul's right operand,
    per row for its left, per tensor otherwise; a convolution's constant
    bias is rounded to whole multiples of `scale_x * scale_w` (the int32
    bias a QDQ model carries). `tg-group-quantized` then computes each such
    layer on its integers. Layers named in `keep-float` (the ONNX node, as
    its location names it) and layers of no int8 kernel (grouped
    convolutions) stay float; a point read only by float layers is not
    quantized. Fails when `ranges` does not hold two finite numbers per
    point.

    Example:

    ```mlir
    %y = tg.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32>
    // with ranges = [0.0, 2.55], becomes
    %q = tg.quantize %x : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<u8:f32, 0.01>>
    %d = tg.dequantize %q : ... -> tensor<2x4xf32>
    %wi = tg.constant dense<...> : tensor<4x3xi8>
    %wq = tg.storage_cast %wi : tensor<4x3xi8> -> tensor<4x3x!quant.uniform<i8:f32:1, {...}>>
    %wd = tg.dequantize %wq : ... -> tensor<4x3xf32>
    %y = tg.matmul %d, %wd : tensor<2x4xf32>, tensor<4x3xf32>
    ```
  }];
  let options = [
    ListOption<"ranges", "ranges", "double",
               "Calibrated [lo, hi] of every point, in point order">,
    ListOption<"keepFloat", "keep-float", "std::string",
               "ONNX nodes whose layers stay float">,
  ];
  let dependentDialects = ["tessera::tg::TGDialect",
                           "mlir::quant::QuantDialect"];
}

def PerturbNode : Pass<"tg-perturb-node"> {
  let summary = "Test only: add a constant to every float result of one ONNX node";
  let description = [{
    Breaks one node on purpose so that numerical debugging can be tested:
    every floating-point result of every tg op whose location is the ONNX
    node `node` (the `NameLoc` the importer gives it) gets `delta` added,

    ```mlir
    %y = tg.relu %x : tensor<4xf32> loc("relu1")
    // becomes
    %y = tg.relu %x : tensor<4xf32> loc("relu1")
    %d = tg.constant dense<1.000000e-01> : tensor<4xf32>
    %p = tg.add %y, %d : tensor<4xf32>   // every use of %y now uses %p
    ```

    The add is an ordinary tg op: it fuses into the node's kernel as a
    wrong line of a real kernel would. `tessera-compile
    --debug-perturb-node=NAME` runs it before the graph phase;
    `tessera-verify --debug-perturb-node=NAME` checks that the divergence
    is found at NAME. Fails when no op comes from `node` (a test of the
    debugger that perturbs nothing cannot fail).
  }];
  let options = [
    Option<"node", "node", "std::string", "\"\"",
           "ONNX node name whose results are perturbed">,
    Option<"delta", "delta", "double", "0.1",
           "The constant added to each element">,
  ];
}

#endif // TESSERA_DIALECT_GRAPH_TRANSFORMS_PASSES
