//===- GraphDataMovementOps.td - tg re-indexing ops --------*- tablegen -*-===//
//
// Ops that move, select or convert elements without arithmetic between them:
// reshape, transpose, concat, slice, gather, pad, resize, cast, expand,
// squeeze, unsqueeze, flatten and split.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_GRAPH_DATA_MOVEMENT_OPS
#define TESSERA_DIALECT_GRAPH_DATA_MOVEMENT_OPS

include "dialects/Graph/IR/GraphBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def TG_ReshapeOp : TG_Op<"reshape"> {
  let summary = "reinterpret a tensor's shape (ONNX Reshape)";
  let description = [{
    Returns the elements of `input`, in row-major order, with the result
    type's shape; element count and element type are unchanged. ONNX's shape
    operand (with its `0` and `-1` entries) is resolved into the result type
    at import. `tg.squeeze`, `tg.unsqueeze` and `tg.flatten` canonicalize to
    this op.

    Example:

    ```mlir
    %y = tg.reshape %x : tensor<1x64x7x7xf32> -> tensor<1x3136xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$input);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def TG_TransposeOp : TG_InferOp<"transpose"> {
  let summary = "permute dimensions (ONNX Transpose)";
  let description = [{
    Result dimension `i` is input dimension `perm[i]` (ONNX `Transpose`; the
    default reversed permutation is made explicit at import).

    Example:

    ```mlir
    %y = tg.transpose %x perm = [0, 2, 3, 1] : tensor<1x3x8x8xf32>
    // %y : tensor<1x8x8x3xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = "$input `perm` `=` $perm attr-dict `:` type($input)";
  let hasFolder = 1;
}

def TG_ConcatOp : TG_InferOp<"concat"> {
  let summary = "join tensors along an axis (ONNX Concat)";
  let description = [{
    Concatenates one or more tensors of the same rank and element type along
    `axis`; all other dimensions must agree (ONNX `Concat`).

    Example:

    ```mlir
    %y = tg.concat %a, %b axis = 1 : tensor<1x8x4x4xf32>, tensor<1x16x4x4xf32>
    // %y : tensor<1x24x4x4xf32>
    ```
  }];
  let arguments = (ins Variadic<TG_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = "$inputs `axis` `=` $axis attr-dict `:` type($inputs)";
  let hasFolder = 1;
}

def TG_SliceOp : TG_InferOp<"slice"> {
  let summary = "strided window of a tensor (ONNX Slice)";
  let description = [{
    Result element `j` along dimension `d` is input element
    `offsets[d] + j * steps[d]`, for `j` in `[0, sizes[d])`. Steps are
    non-zero and may be negative. Every index read lies inside the input.
    ONNX's `starts`/`ends`/`axes`/`steps` (clamped, negative-wrapped) are
    resolved into this form at import.

    Example:

    ```mlir
    %y = tg.slice %x offsets = [0, 9] sizes = [4, 5] steps = [1, -2]
           : tensor<4x10xf32>
    // %y : tensor<4x5xf32>, columns 9, 7, 5, 3, 1
    ```
  }];
  let arguments = (ins TG_Tensor:$input, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$sizes, DenseI64ArrayAttr:$steps);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = [{
    $input `offsets` `=` $offsets `sizes` `=` $sizes `steps` `=` $steps
    attr-dict `:` type($input)
  }];
  let hasFolder = 1;
}

def TG_GatherOp : TG_InferOp<"gather"> {
  let summary = "take slices along an axis by index (ONNX Gather)";
  let description = [{
    Indexes `data` along `axis` with every element of `indices`; the result
    shape is `data.shape[:axis] + indices.shape + data.shape[axis+1:]`
    (ONNX `Gather`). Negative indices count from the end; indices outside
    `[-n, n)` are undefined behaviour, as in ONNX.

    Example:

    ```mlir
    %y = tg.gather %table, %ids axis = 0 : tensor<1000x64xf32>, tensor<1x16xi64>
    // %y : tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$data, TG_IndexTensor:$indices, I64Attr:$axis);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices `axis` `=` $axis attr-dict `:` type($data) `,` type($indices)
  }];
  let hasFolder = 1;
}

def TG_GatherElementsOp : TG_InferOp<"gather_elements"> {
  let summary = "take elements along an axis by index (ONNX GatherElements)";
  let description = [{
    `result[i0, …, ik] = data[i0, …, indices[i0, …, ik], …, ik]` with the
    index replacing coordinate `axis` (ONNX `GatherElements`). `indices` has
    the rank of `data`; the result has the shape of `indices` and the element
    type of `data`. Negative indices count from the end; indices outside
    `[-n, n)` are undefined behaviour, as in ONNX.

    Example:

    ```mlir
    %y = tg.gather_elements %data, %ids axis = 1 : tensor<2x3xf32>, tensor<2x2xi64>
    // %y : tensor<2x2xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$data, TG_IndexTensor:$indices, I64Attr:$axis);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices `axis` `=` $axis attr-dict `:` type($data) `,` type($indices)
  }];
}

def TG_GatherNDOp : TG_InferOp<"gather_nd"> {
  let summary = "take slices by multi-dimensional index (ONNX GatherND)";
  let description = [{
    The last dimension of `indices` (size `k`) holds coordinates into the
    `k` dimensions of `data` after its first `batch_dims`, which `data` and
    `indices` share. The result shape is `indices.shape[:-1] +
    data.shape[batch_dims + k:]` (ONNX `GatherND`). Negative coordinates
    count from the end; coordinates outside `[-n, n)` are undefined
    behaviour, as in ONNX.

    Example:

    ```mlir
    %y = tg.gather_nd %data, %ids batch_dims = 0 : tensor<4x5x6xf32>, tensor<3x2xi64>
    // %y : tensor<3x6xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$data, TG_IndexTensor:$indices,
                       I64Attr:$batch_dims);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices `batch_dims` `=` $batch_dims attr-dict `:` type($data) `,` type($indices)
  }];
}

def TG_ScatterElementsOp : TG_InferOp<"scatter_elements"> {
  let summary = "write elements along an axis by index (ONNX ScatterElements)";
  let description = [{
    A copy of `data` in which, for every position `p` of `updates`, the
    element at `p` with coordinate `axis` replaced by `indices[p]` is
    combined with `updates[p]` by `reduction` (ONNX `ScatterElements`):
    `none` overwrites, `add`, `mul`, `max` and `min` accumulate. Updates are
    applied in row-major order of `updates`, so with `none` the last of
    duplicate indices wins. Negative indices count from the end.

    Example:

    ```mlir
    %y = tg.scatter_elements %data, %ids, %upd axis = 1 reduction = add
        : tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$data, TG_IndexTensor:$indices,
                       TG_Tensor:$updates, I64Attr:$axis,
                       TG_ScatterReduction:$reduction);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices `,` $updates `axis` `=` $axis `reduction` `=` $reduction
    attr-dict `:` type($data) `,` type($indices) `,` type($updates)
  }];
}

def TG_ScatterNDOp : TG_InferOp<"scatter_nd"> {
  let summary = "write slices by multi-dimensional index (ONNX ScatterND)";
  let description = [{
    A copy of `data` in which the slice at coordinates
    `indices[i0, …, iq-2, :]` (the first `k` dimensions of `data`) is
    combined with `updates[i0, …, iq-2, …]` by `reduction` (ONNX
    `ScatterND`). `updates` has shape `indices.shape[:-1] + data.shape[k:]`.
    Updates are applied in row-major order. Negative coordinates count from
    the end.

    Example:

    ```mlir
    %y = tg.scatter_nd %data, %ids, %upd reduction = none
        : tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$data, TG_IndexTensor:$indices,
                       TG_Tensor:$updates, TG_ScatterReduction:$reduction);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices `,` $updates `reduction` `=` $reduction
    attr-dict `:` type($data) `,` type($indices) `,` type($updates)
  }];
}

def TG_PadOp : TG_InferOp<"pad"> {
  let summary = "pad a tensor (ONNX Pad)";
  let description = [{
    Pads every dimension `d` with `pads[d]` elements before and
    `pads[d + rank]` after (ONNX `Pad`; negative pads remove elements).
    `constant` fills with `value` (zero when absent; a scalar of the element
    type), `reflect` mirrors without repeating the edge, `edge` repeats the
    edge and `wrap` continues cyclically. Reflect needs pads smaller than the
    dimension, wrap at most the dimension, edge a non-empty dimension.

    Example:

    ```mlir
    %y = tg.pad %x mode = reflect pads = [0, 0, 1, 1, 0, 0, 1, 1]
           : tensor<1x3x8x8xf32>
    // %y : tensor<1x3x10x10xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$input, TG_PadMode:$mode,
                       DenseI64ArrayAttr:$pads,
                       OptionalAttr<TypedAttrInterface>:$value);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = [{
    $input `mode` `=` $mode `pads` `=` $pads attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def TG_ResizeOp : TG_Op<"resize"> {
  let summary = "resample spatial dimensions (ONNX Resize)";
  let description = [{
    Resamples `input` to the result shape (ONNX `Resize`, opsets 10-19).
    `scales` holds one factor per dimension; the importer derives it from
    ONNX's `sizes` (output / input) when those are given, and applies
    `keep_aspect_ratio_policy` and `axes`. The interpolation `mode`, the
    `coordinate_mode` (ONNX `coordinate_transformation_mode`) and the
    `nearest_mode` are explicit. Further knobs take ONNX's defaults when
    absent: `cubic_coeff_a` (-0.75), `exclude_outside`,
    `extrapolation_value` (0, for `tf_crop_and_resize`), `antialias`
    (linear and cubic downsampling: the filter stretched by 1 / scale, as in
    ONNX's reference), and `roi` (2 * rank values, required by
    and only allowed with `tf_crop_and_resize`).

    Example:

    ```mlir
    %y = tg.resize %x mode = nearest coordinate_mode = asymmetric
           nearest_mode = floor scales = [1.0, 1.0, 2.0, 2.0]
           : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$input, TG_ResizeMode:$mode,
                       TG_CoordinateMode:$coordinate_mode,
                       TG_NearestMode:$nearest_mode,
                       DenseF32ArrayAttr:$scales,
                       DefaultValuedAttr<F32Attr, "-0.75">:$cubic_coeff_a,
                       UnitAttr:$exclude_outside,
                       DefaultValuedAttr<F32Attr, "0.0">:$extrapolation_value,
                       UnitAttr:$antialias,
                       OptionalAttr<DenseF32ArrayAttr>:$roi);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = [{
    $input `mode` `=` $mode `coordinate_mode` `=` $coordinate_mode
    `nearest_mode` `=` $nearest_mode `scales` `=` $scales attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def TG_CastOp : TG_Op<"cast"> {
  let summary = "convert element type (ONNX Cast)";
  let description = [{
    Converts every element to the result's element type; shapes are equal
    (ONNX `Cast`). Float to integer truncates toward zero; float to `i1` and
    integer to `i1` test for non-zero.

    Example:

    ```mlir
    %y = tg.cast %x : tensor<2x3xf32> -> tensor<2x3xi64>
    ```
  }];
  let arguments = (ins TG_Tensor:$input);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def TG_ExpandOp : TG_Op<"expand"> {
  let summary = "broadcast to a larger shape (ONNX Expand)";
  let description = [{
    Broadcasts `input` to the result shape (ONNX `Expand`); the input must
    broadcast to it and the result must be the broadcast of both shapes. The
    ONNX shape operand is resolved into the result type at import.

    Example:

    ```mlir
    %y = tg.expand %x : tensor<3x1xf32> -> tensor<2x3x4xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$input);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def TG_SqueezeOp : TG_InferOp<"squeeze"> {
  let summary = "remove unit dimensions (ONNX Squeeze)";
  let description = [{
    Removes the size-1 dimensions listed in `axes` (non-negative, strictly
    increasing; ONNX's "no axes" is made explicit at import). Canonicalizes
    to `tg.reshape`.

    Example:

    ```mlir
    %y = tg.squeeze %x axes = [2, 3] : tensor<1x64x1x1xf32>
    // %y : tensor<1x64xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = "$input `axes` `=` $axes attr-dict `:` type($input)";
  let hasCanonicalizer = 1;
  let hasFolder = 1;
}

def TG_UnsqueezeOp : TG_InferOp<"unsqueeze"> {
  let summary = "insert unit dimensions (ONNX Unsqueeze)";
  let description = [{
    Inserts size-1 dimensions at the result positions listed in `axes`
    (non-negative, strictly increasing, below the result rank). Canonicalizes
    to `tg.reshape`.

    Example:

    ```mlir
    %y = tg.unsqueeze %x axes = [0, 3] : tensor<8x4xf32>
    // %y : tensor<1x8x4x1xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = "$input `axes` `=` $axes attr-dict `:` type($input)";
  let hasCanonicalizer = 1;
  let hasFolder = 1;
}

def TG_FlattenOp : TG_InferOp<"flatten"> {
  let summary = "collapse to a matrix (ONNX Flatten)";
  let description = [{
    Collapses dimensions `[0, axis)` into the first result dimension and
    `[axis, rank)` into the second (ONNX `Flatten`; `axis` is in
    `[0, rank]`). Canonicalizes to `tg.reshape`.

    Example:

    ```mlir
    %y = tg.flatten %x axis = 1 : tensor<2x64x7x7xf32>
    // %y : tensor<2x3136xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$input, I64Attr:$axis);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input)";
  let hasCanonicalizer = 1;
  let hasFolder = 1;
}

def TG_SplitOp : TG_InferOp<"split"> {
  let summary = "split along an axis (ONNX Split)";
  let description = [{
    Splits `input` along `axis` into one result per entry of `sizes`, which
    are non-negative and add up to the dimension (ONNX `Split`; the
    `num_outputs` form of opset 18 is turned into sizes at import).

    Example:

    ```mlir
    %a, %b = tg.split %x axis = 1 sizes = [16, 48] : tensor<1x64x8x8xf32>
    // %a : tensor<1x16x8x8xf32>, %b : tensor<1x48x8x8xf32>
    ```
  }];
  let arguments = (ins TG_Tensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<TG_Tensor>:$results);
  let assemblyFormat = [{
    $input `axis` `=` $axis `sizes` `=` $sizes attr-dict `:` type($input)
  }];
}

#endif // TESSERA_DIALECT_GRAPH_DATA_MOVEMENT_OPS
