//===- GraphOps.td - tg operations -------------------------*- tablegen -*-===//
//
// Structural ops of the `tg` dialect: constants, contractions, convolutions,
// pooling, normalisations and data movement. Elementwise ops and reductions
// live in GraphElementwiseOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_GRAPH_OPS
#define TESSERA_DIALECT_GRAPH_OPS

include "dialects/Graph/IR/GraphBase.td"
include "dialects/Graph/IR/GraphElementwiseOps.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Constants and contractions
//===----------------------------------------------------------------------===//

def TG_ConstantOp : TG_InferOp<"constant", [ConstantLike]> {
  let summary = "tensor constant (ONNX initializer or Constant)";
  let description = [{
    A constant tensor: a weight, an ONNX initializer or `Constant` node, or a
    folded value. The value's type is the result type. Large weights stay in
    their (possibly resource-backed) elements attribute and are not copied.

    Example:

    ```mlir
    %w = tg.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def TG_MatMulOp : TG_InferOp<"matmul"> {
  let summary = "batched matrix product with broadcasting (ONNX MatMul)";
  let description = [{
    `numpy.matmul` semantics (ONNX `MatMul`): the last two dimensions are
    multiplied, leading (batch) dimensions broadcast. A 1-D `lhs` is treated
    as a row vector and a 1-D `rhs` as a column vector; the added dimension is
    removed from the result. Both operands have the same element type.

    Example:

    ```mlir
    %y = tg.matmul %a, %b : tensor<8x1x64x32xf32>, tensor<4x32x16xf32>
    // %y : tensor<8x4x64x16xf32>
    ```
  }];
  let arguments = (ins TG_NumericTensor:$lhs, TG_NumericTensor:$rhs);
  let results = (outs TG_NumericTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

def TG_ConvOp : TG_InferOp<"conv"> {
  let summary = "N-d convolution with groups (ONNX Conv)";
  let description = [{
    Cross-correlation of an `N x C x D1 x ... x Dk` input with an
    `M x C/group x K1 x ... x Kk` weight, plus an optional bias of `M`
    elements (ONNX `Conv`). `pads` lists the k begin pads, then the k end
    pads; `auto_pad` is resolved into explicit pads by the importer. All four
    attributes are explicit.

    Example:

    ```mlir
    %y = tg.conv %x, %w, %b strides = [2, 2] pads = [1, 1, 1, 1]
           dilations = [1, 1] group = 1
           : tensor<1x3x224x224xf32>, tensor<32x3x3x3xf32>, tensor<32xf32>
    // %y : tensor<1x32x112x112xf32>
    ```
  }];
  let arguments = (ins TG_FloatTensor:$input, TG_FloatTensor:$weight,
                       Optional<TG_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, I64Attr:$group);
  let results = (outs TG_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `strides` `=` $strides `pads` `=` $pads
    `dilations` `=` $dilations `group` `=` $group attr-dict
    `:` type($input) `,` type($weight) (`,` type($bias)^)?
  }];
}

def TG_ConvTransposeOp : TG_InferOp<"conv_transpose"> {
  let summary = "N-d transposed convolution with groups (ONNX ConvTranspose)";
  let description = [{
    The gradient of `tg.conv` with respect to its input (ONNX
    `ConvTranspose`): input `N x C x D1 x ... x Dk`, weight
    `C x M/group x K1 x ... x Kk`, optional bias of `M` elements. Output size
    along each spatial dimension `i` is
    `strides[i] * (D[i] - 1) + output_padding[i] + (K[i] - 1) * dilations[i] + 1
     - pads[i] - pads[i + k]`. ONNX's `output_shape` and `auto_pad` are
    resolved into `pads` and `output_padding` by the importer.

    Example:

    ```mlir
    %y = tg.conv_transpose %x, %w strides = [2, 2] pads = [1, 1, 1, 1]
           output_padding = [1, 1] dilations = [1, 1] group = 1
           : tensor<1x16x8x8xf32>, tensor<16x8x3x3xf32>
    // %y : tensor<1x8x16x16xf32>
    ```
  }];
  let arguments = (ins TG_FloatTensor:$input, TG_FloatTensor:$weight,
                       Optional<TG_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$output_padding,
                       DenseI64ArrayAttr:$dilations, I64Attr:$group);
  let results = (outs TG_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `strides` `=` $strides `pads` `=` $pads
    `output_padding` `=` $output_padding `dilations` `=` $dilations
    `group` `=` $group attr-dict
    `:` type($input) `,` type($weight) (`,` type($bias)^)?
  }];
}

class TG_PoolOp<string mnemonic, Type tensorType, dag extraArgs>
    : TG_InferOp<mnemonic> {
  let arguments = !con((ins tensorType:$input,
                            DenseI64ArrayAttr:$kernel_shape,
                            DenseI64ArrayAttr:$strides,
                            DenseI64ArrayAttr:$pads,
                            DenseI64ArrayAttr:$dilations,
                            UnitAttr:$ceil_mode), extraArgs);
  let results = (outs tensorType:$result);
  let assemblyFormat = [{
    $input `kernel` `=` $kernel_shape `strides` `=` $strides `pads` `=` $pads
    `dilations` `=` $dilations (`ceil_mode` $ceil_mode^)? attr-dict
    `:` type($input)
  }];
}

def TG_MaxPoolOp : TG_PoolOp<"max_pool", TG_NumericTensor, (ins)> {
  let summary = "N-d max pooling (ONNX MaxPool)";
  let description = [{
    Maximum over each window of the spatial dimensions of an
    `N x C x D1 x ... x Dk` input (ONNX `MaxPool`, output `Y` only). Padding
    never wins the maximum; integer inputs are allowed (ONNX opset 12).
    With `ceil_mode` the output size rounds up, but a window never starts in
    the end padding. Pads must be smaller than the kernel.

    Example:

    ```mlir
    %y = tg.max_pool %x kernel = [3, 3] strides = [2, 2] pads = [1, 1, 1, 1]
           dilations = [1, 1] : tensor<1x64x112x112xf32>
    // %y : tensor<1x64x56x56xf32>
    ```
  }];
}

def TG_AvgPoolOp : TG_PoolOp<"avg_pool", TG_FloatTensor,
                             (ins UnitAttr:$count_include_pad)> {
  let summary = "N-d average pooling (ONNX AveragePool)";
  let description = [{
    Mean over each window of the spatial dimensions of an
    `N x C x D1 x ... x Dk` input (ONNX `AveragePool`). Without
    `count_include_pad` the divisor counts only input elements; with it, the
    pads count too (but not the part of a ceil-mode window past the end pad).

    Example:

    ```mlir
    %y = tg.avg_pool %x kernel = [2, 2] strides = [2, 2] pads = [0, 0, 0, 0]
           dilations = [1, 1] {count_include_pad} : tensor<1x8x4x4xf32>
    // %y : tensor<1x8x2x2xf32>
    ```
  }];
  let extraClassDeclaration = [{
    static ::llvm::LogicalResult
    inferResultTypes(::tessera::tg::InferContext &context, Adaptor adaptor);
    /// The divisor of every output position: how many taps of its window
    /// count (row-major over the spatial output dimensions, at least 1).
    ::llvm::SmallVector<int64_t> getDivisors();
  }];
}

class TG_GlobalPoolOp<string mnemonic, string onnxName, string combiner>
    : TG_InferOp<mnemonic, [], [{
    ::llvm::LogicalResult $cppClass::inferResultTypes(
        ::tessera::tg::InferContext &context, Adaptor adaptor) {
      return ::tessera::tg::inferGlobalPoolResult(context, adaptor.getInput());
    }
  }]> {
  let summary = "global " # combiner # " pooling (ONNX " # onnxName # ")";
  let description = "Reduces every spatial dimension of an "
    # "`N x C x D1 x ... x Dk` input to size 1 by " # combiner
    # " (ONNX `" # onnxName # "`).\n\nExample:\n\n```mlir\n%y = tg."
    # mnemonic # " %x : tensor<1x64x7x7xf32>\n// %y : tensor<1x64x1x1xf32>\n```";
  let arguments = (ins TG_FloatTensor:$input);
  let results = (outs TG_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def TG_GlobalMaxPoolOp : TG_GlobalPoolOp<"global_max_pool", "GlobalMaxPool",
                                         "maximum">;
def TG_GlobalAvgPoolOp : TG_GlobalPoolOp<"global_avg_pool",
                                         "GlobalAveragePool", "mean">;

//===----------------------------------------------------------------------===//
// Normalisation and softmax
//===----------------------------------------------------------------------===//

def TG_BatchNormOp : TG_InferOp<"batch_norm"> {
  let summary = "inference batch normalisation (ONNX BatchNormalization)";
  let description = [{
    `y = scale * (x - mean) / sqrt(var + epsilon) + bias`, with the five
    per-channel parameters along dimension 1 of an `N x C x ...` input (ONNX
    `BatchNormalization` in inference mode; training outputs are not
    supported). All operands have one element type.

    Example:

    ```mlir
    %y = tg.batch_norm %x, %scale, %bias, %mean, %var {epsilon = 1.0e-05 : f32}
           : tensor<1x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>,
             tensor<16xf32>, tensor<16xf32>
    ```
  }];
  let arguments = (ins TG_FloatTensor:$input, TG_FloatTensor:$scale,
                       TG_FloatTensor:$bias, TG_FloatTensor:$mean,
                       TG_FloatTensor:$var,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs TG_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $var attr-dict `:` type($input)
    `,` type($scale) `,` type($bias) `,` type($mean) `,` type($var)
  }];
}

def TG_LayerNormOp : TG_InferOp<"layer_norm"> {
  let summary = "layer normalisation (ONNX LayerNormalization)";
  let description = [{
    Normalises `input` over the dimensions `[axis, rank)` to zero mean and
    unit variance (with `epsilon` added to the variance), then multiplies by
    `scale` and adds the optional `bias` (ONNX `LayerNormalization`, output
    `Y` only). `scale` and `bias` broadcast to the normalised shape.

    Example:

    ```mlir
    %y = tg.layer_norm %x, %gamma, %beta axis = 2 {epsilon = 1.0e-05 : f32}
           : tensor<1x128x768xf32>, tensor<768xf32>, tensor<768xf32>
    ```
  }];
  let arguments = (ins TG_FloatTensor:$input, TG_FloatTensor:$scale,
                       Optional<TG_FloatTensor>:$bias, I64Attr:$axis,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs TG_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? `axis` `=` $axis attr-dict `:`
    type($input) `,` type($scale) (`,` type($bias)^)?
  }];
}

class TG_SoftmaxOpBase<string mnemonic, string onnxName, string formula>
    : TG_Op<mnemonic, [SameOperandsAndResultType]> {
  let summary = formula # " along one axis (ONNX " # onnxName # ")";
  let description = "Computes `" # formula # "` along `axis` (opset-13 "
    # "semantics: one axis, not the flattened trailing dimensions), "
    # "numerically stable. Follows ONNX `" # onnxName # "`.\n\nExample:\n\n"
    # "```mlir\n%y = tg." # mnemonic # " %x axis = 1 : tensor<2x10xf32>\n```";
  let arguments = (ins TG_FloatTensor:$input, I64Attr:$axis);
  let results = (outs TG_FloatTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def TG_SoftmaxOp : TG_SoftmaxOpBase<"softmax", "Softmax",
                                    "exp(x) / sum(exp(x))">;
def TG_LogSoftmaxOp : TG_SoftmaxOpBase<"log_softmax", "LogSoftmax",
                                       "x - log(sum(exp(x)))">;

include "dialects/Graph/IR/GraphDataMovementOps.td"
include "dialects/Graph/IR/GraphQuantOps.td"

#endif // TESSERA_DIALECT_GRAPH_OPS
