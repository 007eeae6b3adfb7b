//===- GraphElementwiseOps.td - tg elementwise and reductions -*- tablegen -*-===//
//
// Unary and binary elementwise ops, comparisons, select and reductions. Binary
// ops broadcast their operands like numpy (ONNX multidirectional
// broadcasting).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_GRAPH_ELEMENTWISE_OPS
#define TESSERA_DIALECT_GRAPH_ELEMENTWISE_OPS

include "dialects/Graph/IR/GraphBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Unary elementwise
//===----------------------------------------------------------------------===//

class TG_UnaryOp<string mnemonic, string onnxName, string formula,
                 Type tensorType, list<Trait> traits = []>
    : TG_Op<mnemonic, !listconcat([SameOperandsAndResultType], traits)> {
  let summary = "elementwise " # formula # " (ONNX " # onnxName # ")";
  let description = "Computes `" # formula # "` for every element of the "
    # "input; the result has the input's type. Follows ONNX `" # onnxName
    # "`.\n\nExample:\n\n```mlir\n%y = tg." # mnemonic
    # " %x : tensor<1x8xf32>\n```";
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def TG_ReluOp : TG_UnaryOp<"relu", "Relu", "max(x, 0)", TG_SignedTensor>;
def TG_SigmoidOp : TG_UnaryOp<"sigmoid", "Sigmoid", "1 / (1 + exp(-x))",
                              TG_FloatTensor>;
def TG_TanhOp : TG_UnaryOp<"tanh", "Tanh", "tanh(x)", TG_FloatTensor>;
def TG_ExpOp : TG_UnaryOp<"exp", "Exp", "exp(x)", TG_FloatTensor>;
def TG_LogOp : TG_UnaryOp<"log", "Log", "log(x)", TG_FloatTensor>;
def TG_SqrtOp : TG_UnaryOp<"sqrt", "Sqrt", "sqrt(x)", TG_FloatTensor>;
def TG_ErfOp : TG_UnaryOp<"erf", "Erf", "erf(x)", TG_FloatTensor>;
def TG_AbsOp : TG_UnaryOp<"abs", "Abs", "|x|", TG_NumericTensor>;
def TG_NegOp : TG_UnaryOp<"neg", "Neg", "-x", TG_SignedTensor> {
  let hasFolder = 1;
}
def TG_FloorOp : TG_UnaryOp<"floor", "Floor", "floor(x)", TG_FloatTensor>;
def TG_CeilOp : TG_UnaryOp<"ceil", "Ceil", "ceil(x)", TG_FloatTensor>;
def TG_ReciprocalOp : TG_UnaryOp<"reciprocal", "Reciprocal", "1 / x",
                                 TG_FloatTensor>;
def TG_HardSwishOp : TG_UnaryOp<"hard_swish", "HardSwish",
                                "x * max(0, min(1, x / 6 + 1 / 2))",
                                TG_FloatTensor>;

def TG_SinOp : TG_UnaryOp<"sin", "Sin", "sin(x)", TG_FloatTensor>;
def TG_CosOp : TG_UnaryOp<"cos", "Cos", "cos(x)", TG_FloatTensor>;
def TG_TanOp : TG_UnaryOp<"tan", "Tan", "tan(x)", TG_FloatTensor>;
def TG_AsinOp : TG_UnaryOp<"asin", "Asin", "asin(x)", TG_FloatTensor>;
def TG_AcosOp : TG_UnaryOp<"acos", "Acos", "acos(x)", TG_FloatTensor>;
def TG_AtanOp : TG_UnaryOp<"atan", "Atan", "atan(x)", TG_FloatTensor>;
def TG_SinhOp : TG_UnaryOp<"sinh", "Sinh", "sinh(x)", TG_FloatTensor>;
def TG_CoshOp : TG_UnaryOp<"cosh", "Cosh", "cosh(x)", TG_FloatTensor>;
def TG_AsinhOp : TG_UnaryOp<"asinh", "Asinh", "asinh(x)", TG_FloatTensor>;
def TG_AcoshOp : TG_UnaryOp<"acosh", "Acosh", "acosh(x)", TG_FloatTensor>;
def TG_AtanhOp : TG_UnaryOp<"atanh", "Atanh", "atanh(x)", TG_FloatTensor>;
def TG_RoundOp : TG_UnaryOp<"round", "Round",
                            "x rounded to the nearest integer, halves to even",
                            TG_FloatTensor>;
def TG_BitwiseNotOp : TG_UnaryOp<"bitwise_not", "BitwiseNot", "~x",
                                 TG_IntegerTensor>;

def TG_HardSigmoidOp : TG_UnaryOp<"hard_sigmoid", "HardSigmoid",
                                  "max(0, min(1, alpha * x + beta))",
                                  TG_FloatTensor> {
  let arguments = (ins TG_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "0.2">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.5">:$beta);
}

def TG_LeakyReluOp : TG_UnaryOp<"leaky_relu", "LeakyRelu",
                                "x >= 0 ? x : alpha * x", TG_FloatTensor> {
  let arguments = (ins TG_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "0.01">:$alpha);
}

def TG_GeluOp : TG_UnaryOp<"gelu", "Gelu", "x * (1 + erf(x / sqrt(2))) / 2",
                           TG_FloatTensor> {
  let description = [{
    Gaussian error linear unit (ONNX `Gelu`, opset 20):
    `y = x * (1 + erf(x / sqrt(2))) / 2`. With `approximate_tanh` it uses the
    tanh approximation `y = x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2`,
    ONNX's `approximate = "tanh"`.

    Example:

    ```mlir
    %y = tg.gelu %x : tensor<1x8xf32>
    %z = tg.gelu %x {approximate_tanh} : tensor<1x8xf32>
    ```
  }];
  let arguments = (ins TG_FloatTensor:$input, UnitAttr:$approximate_tanh);
}

def TG_ClipOp : TG_UnaryOp<"clip", "Clip", "min(max(x, min), max)",
                           TG_NumericTensor> {
  let description = [{
    Limits every element to `[min, max]` (ONNX `Clip`). Either bound may be
    absent; a bound is a scalar attribute of the tensor's element type. As in
    ONNX, when `min > max` every element becomes `max`.

    Example:

    ```mlir
    %relu6 = tg.clip %x {max = 6.0 : f32, min = 0.0 : f32} : tensor<1x8xf32>
    ```
  }];
  let arguments = (ins TG_NumericTensor:$input, OptionalAttr<TypedAttrInterface>:$min,
                       OptionalAttr<TypedAttrInterface>:$max);
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Binary elementwise with broadcasting
//===----------------------------------------------------------------------===//

// The result shape is the numpy broadcast of the operand shapes; the result
// element type is the lhs element type, or i1 for comparisons.
class TG_BroadcastOp<string mnemonic, list<Trait> traits = [],
                     string sameElementType = "true", string boolResult = "false">
    : TG_InferOp<mnemonic, traits, [{
    ::llvm::LogicalResult $cppClass::inferResultTypes(
        ::tessera::tg::InferContext &context, Adaptor adaptor) {
      return ::tessera::tg::inferBroadcastResult(
          context, adaptor.getLhs(), adaptor.getRhs(),
          /*sameElementType=*/}] # sameElementType # [{,
          /*boolResult=*/}] # boolResult # [{);
    }
  }]>;

class TG_BinaryOp<string mnemonic, string onnxName, string formula,
                  Type tensorType, list<Trait> traits = [],
                  string sameElementType = "true">
    : TG_BroadcastOp<mnemonic, traits, sameElementType> {
  let summary = "elementwise " # formula # " with broadcasting (ONNX "
    # onnxName # ")";
  let description = "Computes `" # formula # "` elementwise after numpy "
    # "broadcasting of `lhs` and `rhs`, which have the same element type. "
    # "Follows ONNX `" # onnxName # "`.\n\nExample:\n\n```mlir\n%z = tg."
    # mnemonic # " %x, %y : tensor<2x3xf32>, tensor<3xf32>\n```";
  let arguments = (ins tensorType:$lhs, tensorType:$rhs);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

def TG_AddOp : TG_BinaryOp<"add", "Add", "lhs + rhs", TG_NumericTensor,
                           [Commutative]> {
  let hasFolder = 1;
}
def TG_SubOp : TG_BinaryOp<"sub", "Sub", "lhs - rhs", TG_NumericTensor> {
  let hasFolder = 1;
}
def TG_MulOp : TG_BinaryOp<"mul", "Mul", "lhs * rhs", TG_NumericTensor,
                           [Commutative]> {
  let hasFolder = 1;
}
def TG_DivOp : TG_BinaryOp<"div", "Div", "lhs / rhs", TG_NumericTensor> {
  let hasFolder = 1;
}
def TG_MaxOp : TG_BinaryOp<"max", "Max", "max(lhs, rhs)", TG_NumericTensor,
                           [Commutative]>;
def TG_MinOp : TG_BinaryOp<"min", "Min", "min(lhs, rhs)", TG_NumericTensor,
                           [Commutative]>;

def TG_ModOp : TG_BinaryOp<"mod", "Mod", "lhs mod rhs", TG_NumericTensor> {
  let description = [{
    Remainder of `lhs / rhs` after numpy broadcasting (ONNX `Mod`). Without
    `fmod` (integers only) the result has the sign of the divisor, as in
    Python; with `fmod` it has the sign of the dividend, as C's `fmod` (the
    only form ONNX allows for floats).

    Example:

    ```mlir
    %r = tg.mod %a, %b : tensor<6xi32>, tensor<6xi32>
    %f = tg.mod %x, %y {fmod} : tensor<6xf32>, tensor<6xf32>
    ```
  }];
  let arguments = (ins TG_NumericTensor:$lhs, TG_NumericTensor:$rhs,
                       UnitAttr:$fmod);
  let hasVerifier = 1;
}
def TG_BitwiseAndOp : TG_BinaryOp<"bitwise_and", "BitwiseAnd", "lhs & rhs",
                                  TG_IntegerTensor, [Commutative]>;
def TG_BitwiseOrOp : TG_BinaryOp<"bitwise_or", "BitwiseOr", "lhs | rhs",
                                 TG_IntegerTensor, [Commutative]>;
def TG_BitwiseXorOp : TG_BinaryOp<"bitwise_xor", "BitwiseXor", "lhs ^ rhs",
                                  TG_IntegerTensor, [Commutative]>;
def TG_BitShiftOp : TG_BinaryOp<"bit_shift", "BitShift",
                                "lhs shifted by rhs bits", TG_UnsignedTensor> {
  let description = [{
    Shifts each element of `lhs` by the matching element of `rhs` bits, left
    with `left`, right otherwise (ONNX `BitShift`, unsigned integers; shifts
    by the bit width or more give 0).

    Example:

    ```mlir
    %y = tg.bit_shift %x, %n {left} : tensor<3xui8>, tensor<3xui8>
    ```
  }];
  let arguments = (ins TG_UnsignedTensor:$lhs, TG_UnsignedTensor:$rhs,
                       UnitAttr:$left);
}

def TG_PowOp : TG_BinaryOp<"pow", "Pow", "lhs ^ rhs", TG_NumericTensor, [],
                           /*sameElementType=*/"false"> {
  let description = [{
    Raises `lhs` to the power `rhs` elementwise after numpy broadcasting
    (ONNX `Pow`). Unlike the other binary ops, the exponent may have another
    numeric element type than the base; the result has the base's.

    Example:

    ```mlir
    %z = tg.pow %x, %e : tensor<2x3xf32>, tensor<i64>
    ```
  }];
}

def TG_CompareOp : TG_BroadcastOp<"compare", [], /*sameElementType=*/"true",
                                  /*boolResult=*/"true"> {
  let summary = "elementwise comparison with broadcasting";
  let description = [{
    Compares `lhs` and `rhs` elementwise after numpy broadcasting and returns
    an `i1` tensor. The predicate selects ONNX `Equal` (`eq`), `Less` (`lt`),
    `LessOrEqual` (`le`), `Greater` (`gt`) or `GreaterOrEqual` (`ge`).
    Unsigned element types compare unsigned; floats compare ordered (NaN is
    unequal to everything).

    Example:

    ```mlir
    %m = tg.compare lt, %x, %y : tensor<2x3xf32>, tensor<3xf32>
    ```
  }];
  let arguments = (ins TG_ComparePredicate:$predicate, TG_Tensor:$lhs,
                       TG_Tensor:$rhs);
  let results = (outs TG_BoolTensor:$result);
  let assemblyFormat = [{
    $predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)
  }];
  let hasVerifier = 1;
  // Integer constants (shape arithmetic: an exporter's `x.shape[0] == 1`)
  // fold, so an If on them is decided at import.
  let hasFolder = 1;
}

def TG_WhereOp : TG_InferOp<"where"> {
  let summary = "elementwise select with broadcasting (ONNX Where)";
  let description = [{
    Picks `x` where `condition` is true and `y` elsewhere, after numpy
    broadcasting of all three operands (ONNX `Where`). `x` and `y` have the
    same element type, which is the result's.

    Example:

    ```mlir
    %z = tg.where %c, %x, %y : tensor<2x1xi1>, tensor<2x3xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins TG_BoolTensor:$condition, TG_Tensor:$x, TG_Tensor:$y);
  let results = (outs TG_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $x `,` $y attr-dict `:` type($condition) `,` type($x) `,` type($y)
  }];
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class TG_ReduceOp<string mnemonic, string onnxName, string combiner,
                  Type tensorType>
    : TG_InferOp<mnemonic, [], [{
    ::llvm::LogicalResult $cppClass::inferResultTypes(
        ::tessera::tg::InferContext &context, Adaptor adaptor) {
      return ::tessera::tg::inferReduceResult(context, adaptor.getInput(),
                                              adaptor.getAxes(),
                                              adaptor.getKeepdims());
    }
    ::mlir::OpFoldResult $cppClass::fold(FoldAdaptor) {
      return ::tessera::tg::foldEmptyReduction(getOperation(), getAxes());
    }
  }]> {
  let summary = "reduction by " # combiner # " over axes (ONNX " # onnxName # ")";
  let description = "Reduces `input` by " # combiner # " over `axes`, which "
    # "are non-negative and strictly increasing. With `keepdims` the reduced "
    # "dimensions stay as size 1, otherwise they are dropped. Empty `axes` "
    # "reduce nothing (the importer turns ONNX's \"empty means all\" into the "
    # "full list). Follows ONNX `" # onnxName # "`.\n\nExample:\n\n```mlir\n"
    # "%y = tg." # mnemonic # " %x axes = [1, 2] keepdims : tensor<1x8x4x4xf32>"
    # "\n```";
  let arguments = (ins tensorType:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keepdims);
  let results = (outs tensorType:$result);
  let assemblyFormat = [{
    $input `axes` `=` $axes (`keepdims` $keepdims^)? attr-dict `:` type($input)
  }];
  let hasFolder = 1;
}

def TG_ReduceSumOp : TG_ReduceOp<"reduce_sum", "ReduceSum", "sum",
                                 TG_NumericTensor>;
def TG_ReduceMeanOp : TG_ReduceOp<"reduce_mean", "ReduceMean", "mean",
                                  TG_NumericTensor>;
def TG_ReduceMaxOp : TG_ReduceOp<"reduce_max", "ReduceMax", "maximum",
                                 TG_NumericTensor>;
def TG_ReduceMinOp : TG_ReduceOp<"reduce_min", "ReduceMin", "minimum",
                                 TG_NumericTensor>;
def TG_ReduceProdOp : TG_ReduceOp<"reduce_prod", "ReduceProd", "product",
                                  TG_NumericTensor>;

//===----------------------------------------------------------------------===//
// Index reductions
//===----------------------------------------------------------------------===//

class TG_ArgReduceOp<string mnemonic, string onnxName, string which>
    : TG_InferOp<mnemonic, [], [{
    ::llvm::LogicalResult $cppClass::inferResultTypes(
        ::tessera::tg::InferContext &context, Adaptor adaptor) {
      return ::tessera::tg::inferArgReduceResult(
          context, adaptor.getInput(), adaptor.getAxis(), adaptor.getKeepdims());
    }
  }]> {
  let summary = "index of the " # which # " along an axis (ONNX " # onnxName # ")";
  let description = "The i64 index of the " # which # " of `input` along "
    # "`axis`; the first one, or with `select_last_index` the last one, when "
    # "several are equal. With `keepdims` the axis stays as size 1. Follows "
    # "ONNX `" # onnxName # "`.\n\nExample:\n\n```mlir\n%i = tg." # mnemonic
    # " %x axis = 1 keepdims : tensor<2x5xf32>\n// %i : tensor<2x1xi64>\n```";
  let arguments = (ins TG_NumericTensor:$input, I64Attr:$axis,
                       UnitAttr:$keepdims, UnitAttr:$select_last_index);
  let results = (outs TG_I64Tensor:$result);
  let assemblyFormat = [{
    $input `axis` `=` $axis (`keepdims` $keepdims^)? attr-dict `:` type($input)
  }];
}

def TG_ArgMaxOp : TG_ArgReduceOp<"arg_max", "ArgMax", "largest element">;
def TG_ArgMinOp : TG_ArgReduceOp<"arg_min", "ArgMin", "smallest element">;

def TG_TopKOp : TG_InferOp<"top_k"> {
  let summary = "the k largest or smallest elements along an axis (ONNX TopK)";
  let description = [{
    The `k` largest (with `largest`) or smallest elements of `input` along
    `axis`, best first, and their i64 indices; both results have the input's
    shape with `axis` of size `k` (ONNX `TopK`). Of equal elements the one
    with the lower index comes first. The output is always sorted, which
    satisfies `sorted = 0` too.

    Example:

    ```mlir
    %v, %i = tg.top_k %x k = 2 axis = 1 largest : tensor<3x4xf32>
    // %v : tensor<3x2xf32>, %i : tensor<3x2xi64>
    ```
  }];
  let arguments = (ins TG_NumericTensor:$input, I64Attr:$k, I64Attr:$axis,
                       UnitAttr:$largest);
  let results = (outs TG_NumericTensor:$values, TG_I64Tensor:$indices);
  let assemblyFormat = [{
    $input `k` `=` $k `axis` `=` $axis (`largest` $largest^)? attr-dict `:`
    type($input)
  }];
}

def TG_NonZeroOp : TG_InferOp<"non_zero"> {
  let summary = "the positions of the non-zero elements, in a bounded result (ONNX NonZero)";
  let description = [{
    The coordinates of every non-zero element of `input`, in row-major
    order: `indices[d][j]` is coordinate d of the j-th non-zero element
    (ONNX `NonZero`). How many there are is data: `indices` is bounded,
    `rank x numElements` (every element non-zero), and `count` says how
    many of its columns hold positions; the rest are 0. A model output
    computed from it reports its run's size through the runtime
    (docs/runtime.md, dynamic dimensions).

    Example:

    ```mlir
    %i, %n = tg.non_zero %x : tensor<2x3xf32>
    // %i : tensor<2x6xi64>, %n : tensor<i64>
    ```
  }];
  let arguments = (ins TG_Tensor:$input);
  let results = (outs TG_I64Tensor:$indices, TG_I64Tensor:$count);
  let assemblyFormat = [{ $input attr-dict `:` type($input) }];
}

def TG_NonMaxSuppressionOp : TG_Op<"non_max_suppression"> {
  let summary = "greedy non-maximum suppression per batch and class, in a bounded result (ONNX NonMaxSuppression)";
  let description = [{
    For every batch b and class c, in that order: the boxes whose score is
    above `score_threshold` (every box without one), best score first (the
    lower index first among equal scores), each kept unless its
    intersection over union with a box kept before for that class exceeds
    `iou_threshold` (a box of no area overlaps nothing), at most
    `max_output` (a run-time i64 scalar; 0 or less keeps none) per class.
    `boxes` is `B x N x 4` (`[y1, x1, y2, x2]`, either corner first; with
    `center_point_box`, `[x_center, y_center, width, height]`), `scores`
    `B x C x N`. The result rows are `[b, c, box]`: `selected` is bounded
    (`S x 3`, S at most `B * C * N`, the importer's bound), `count` says how
    many rows hold results; the rest are 0.
  }];
  let arguments = (ins TG_FloatTensor:$boxes, TG_FloatTensor:$scores,
                       TG_I64Tensor:$max_output, TG_FloatTensor:$iou_threshold,
                       Optional<TG_FloatTensor>:$score_threshold,
                       UnitAttr:$center_point_box);
  let results = (outs TG_I64Tensor:$selected, TG_I64Tensor:$count);
  let assemblyFormat = [{
    $boxes `,` $scores `,` $max_output `,` $iou_threshold
    (`,` $score_threshold^)? (`center_point_box` $center_point_box^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def TG_UniqueOp : TG_InferOp<"unique"> {
  let summary = "the distinct rows of a matrix, in bounded results (ONNX Unique)";
  let description = [{
    The distinct rows of `input` (`n x m`; the importer moves ONNX Unique's
    axis first and flattens the rest, or flattens everything to `n x 1`),
    ascending (rows compared element by element, the first difference
    deciding) with `sorted`, else in the order they first occur. `values`,
    `indices` (where each first occurs) and `counts` (how often it occurs)
    are bounded by `n` rows and filled from the front, `count` says how many
    there are; `inverse` maps every input row to its distinct row.

    Example:

    ```mlir
    %v, %i, %inv, %c, %n = tg.unique %x sorted : tensor<6x1xf32>
    // %v : tensor<6x1xf32>, %i, %inv, %c : tensor<6xi64>, %n : tensor<i64>
    ```
  }];
  let arguments = (ins TG_Tensor:$input, UnitAttr:$sorted);
  let results = (outs TG_Tensor:$values, TG_I64Tensor:$indices,
                      TG_I64Tensor:$inverse, TG_I64Tensor:$counts,
                      TG_I64Tensor:$count);
  let assemblyFormat = [{
    $input (`sorted` $sorted^)? attr-dict `:` type($input)
  }];
}

#endif // TESSERA_DIALECT_GRAPH_ELEMENTWISE_OPS
