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
    as quantized kernels and ONNX Runtime's QLinearMatMul do. Operands that
    are not dequantized, 16-bit storage, and reductions long enough to
    overflow an i32 sum (K > 33025) stay float. Runs in the graph phase at
    every optimization level: it decides the integers a quantized model
    computes, so `-O0` and `-O2` agree.
  }];
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
