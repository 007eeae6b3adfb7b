//===- Passes.td - Tessera conversion passes ---------------*- tablegen -*-===//

#ifndef TESSERA_CONVERSION_PASSES
#define TESSERA_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertGraphToLinalg : Pass<"convert-tg-to-linalg"> {
  let summary = "Lower tg graph ops to linalg, tensor, arith and math";
  let description = [{
    Lowers every `tg` op to the three primitives underneath it: elementwise
    maps with broadcasting and reductions as `linalg.generic` (or named linalg
    ops where one fits), and re-indexing as `tensor` ops or `linalg.generic`
    with computed indices. Unsigned element types (`ui8` …) become signless
    (`i8` …) with the unsigned arith ops chosen from the `tg` types; function
    signatures are converted accordingly.

    Convolutions (any spatial rank, groups, strides, dilations) become one
    `linalg.generic` over the padded input; transposed convolutions are
    convolutions over the stride-dilated input with the flipped kernel.
    Average pooling divides by a divisor tensor computed at compile time from
    the static shapes (so `count_include_pad` and ceil-mode windows are
    exact).

    Example:

    ```mlir
    %y = tg.relu %x : tensor<4xf32>
    // becomes
    %e = tensor.empty() : tensor<4xf32>
    %y = linalg.generic {...} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.maximumf %in, %zero : f32
      linalg.yield %m : f32
    } -> tensor<4xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // TESSERA_CONVERSION_PASSES
