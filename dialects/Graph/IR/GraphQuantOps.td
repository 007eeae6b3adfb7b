//===- GraphQuantOps.td - tg quantized tensors -------------*- tablegen -*-===//
//
// Quantized values in `tg`: tensors whose element type is an upstream
// `!quant.uniform` type (per tensor or per axis), the casts between them and
// float or integer tensors, and the exact integer contraction the
// quantized-kernel grouping builds from them.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_GRAPH_QUANT_OPS
#define TESSERA_DIALECT_GRAPH_QUANT_OPS

include "dialects/Graph/IR/GraphBase.td"

def TG_UniformQuantized : Type<
    CPred<"::tessera::tg::isTGQuantizedType($_self)">,
    "8- or 16-bit uniform quantized type (per tensor or per axis) expressed in a float type">;

def TG_QuantTensor : StaticShapeTensorOf<[TG_UniformQuantized]> {
  let summary = "static tensor of !quant.uniform values";
}

def TG_IntegerOrQuantTensor : AnyTypeOf<[TG_IntegerTensor, TG_QuantTensor],
    "static tensor of integers or of !quant.uniform values">;

def TG_QuantizeOp : TG_Op<"quantize"> {
  let summary = "quantize float values (ONNX QuantizeLinear with constant scale and zero point)";
  let description = [{
    `q = saturate(round_half_even(x / scale) + zero_point)` for every element,
    with the scale and zero point of the result's `!quant.uniform` type (per
    axis: those of the element's position along the quantized dimension).
    The division is in the input's float type, as ONNX Runtime computes it;
    saturation clamps to the storage type's range.

    Example:

    ```mlir
    %q = tg.quantize %x : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<u8:f32, 0.05:128>>
    ```
  }];
  let arguments = (ins TG_FloatTensor:$input);
  let results = (outs TG_QuantTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def TG_DequantizeOp : TG_Op<"dequantize"> {
  let summary = "the real values of quantized ones (ONNX DequantizeLinear with constant scale and zero point)";
  let description = [{
    `x = (q - zero_point) * scale` in the expressed float type, with the
    scale and zero point of the input's `!quant.uniform` type.

    Example:

    ```mlir
    %x = tg.dequantize %q : tensor<8x16x!quant.uniform<i8:f32:1, {0.1, 0.2}>> -> tensor<8x16xf32>
    ```
  }];
  let arguments = (ins TG_QuantTensor:$input);
  let results = (outs TG_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def TG_StorageCastOp : TG_Op<"storage_cast"> {
  let summary = "reinterpret quantized values as their stored integers, or back";
  let description = [{
    The same bits seen as a `!quant.uniform` tensor or as the integer tensor
    that stores it: `ui8`/`ui16` for unsigned storage, `i8`/`i16` for signed.
    This is how quantized values enter and leave a graph (model inputs,
    outputs and initializers are integer tensors) and how the grouping of
    quantized kernels reaches the stored integers. Two casts in a row that
    return to the first type fold away.

    Example:

    ```mlir
    %q = tg.storage_cast %x : tensor<4xui8> -> tensor<4x!quant.uniform<u8:f32, 0.1:3>>
    ```
  }];
  let arguments = (ins TG_IntegerOrQuantTensor:$input);
  let results = (outs TG_IntegerOrQuantTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def TG_MatMulIntegerOp : TG_InferOp<"matmul_integer"> {
  let summary = "exact product of 8-bit integer matrices accumulated in i32";
  let description = [{
    `numpy.matmul` of two 8-bit integer tensors (`i8` or `ui8`, in any mix),
    each element taken at its stored value (sign- or zero-extended), summed
    exactly in `i32`: the kernel of ONNX `MatMulInteger` and of every
    quantized matmul, whose zero points the grouping pass applies around it
    as row and column corrections. Shapes follow `tg.matmul`.

    Example:

    ```mlir
    %acc = tg.matmul_integer %a, %w : tensor<64x256xui8>, tensor<256x128xi8>
    // %acc : tensor<64x128xi32>
    ```
  }];
  let arguments = (ins TG_Int8Tensor:$lhs, TG_Int8Tensor:$rhs);
  let results = (outs StaticShapeTensorOf<[I32]>:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

#endif // TESSERA_DIALECT_GRAPH_QUANT_OPS
