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

#endif // TESSERA_DIALECT_GRAPH_TRANSFORMS_PASSES
