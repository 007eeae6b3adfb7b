//===- GraphBase.td - The tg dialect, its types and enums --*- tablegen -*-===//
//
// The `tg` (Tessera graph) dialect: ONNX-like tensor operators on statically
// shaped ranked tensors. It is the target of the ONNX importer and of the
// graph builder, and the level at which graph passes (folding, layout, fusion
// grouping, quantization) run.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_GRAPH_BASE
#define TESSERA_DIALECT_GRAPH_BASE

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def TG_Dialect : Dialect {
  let name = "tg";
  let cppNamespace = "::tessera::tg";
  let summary = "Tessera's graph dialect: ONNX-like operators on static tensors";
  let description = [{
    `tg` holds a model as a graph of tensor operators with ONNX semantics.
    Every value is a statically shaped ranked tensor; every op's verifier
    rejects the shape and attribute combinations that a lowering could not
    handle, so that anything that verifies can be compiled.

    Conventions that differ from ONNX, because they make the IR canonical:
    - axes are non-negative and, where a list, strictly increasing (the
      importer and the builder normalise negative axes);
    - attributes that ONNX lets default are explicit on structural ops
      (conv, pooling, pad, resize), so passes never re-derive defaults;
    - shapes that ONNX passes as tensors (Reshape, Expand, Resize sizes,
      Slice starts/ends) are folded at import and live in types or
      attributes.
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 0;
  // Quantized values are tensors of upstream !quant.uniform types.
  let dependentDialects = ["::mlir::quant::QuantDialect"];
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

def TG_Float : AnyTypeOf<[F16, BF16, F32, F64], "floating-point">;
def TG_SignedInt : AnyTypeOf<[I8, I16, I32, I64], "signed integer">;
def TG_UnsignedInt : AnyTypeOf<[UI8, UI16, UI32, UI64], "unsigned integer">;
def TG_Bool : I<1>;

// Element types a `tg` tensor may hold. Integers are signless for signed ONNX
// types (i8..i64), unsigned (ui8..ui64) for unsigned ones, and i1 for bool.
defvar TG_ElementTypes = [F16, BF16, F32, F64, I1, I8, I16, I32, I64,
                          UI8, UI16, UI32, UI64];
defvar TG_NumericTypes = [F16, BF16, F32, F64, I8, I16, I32, I64,
                          UI8, UI16, UI32, UI64];
defvar TG_SignedTypes = [F16, BF16, F32, F64, I8, I16, I32, I64];
defvar TG_FloatTypes = [F16, BF16, F32, F64];

def TG_Tensor : StaticShapeTensorOf<TG_ElementTypes> {
  let summary = "static tensor of float, integer or i1";
}
def TG_NumericTensor : StaticShapeTensorOf<TG_NumericTypes> {
  let summary = "static tensor of float or integer";
}
def TG_SignedTensor : StaticShapeTensorOf<TG_SignedTypes> {
  let summary = "static tensor of float or signed integer";
}
def TG_FloatTensor : StaticShapeTensorOf<TG_FloatTypes> {
  let summary = "static tensor of f16, bf16, f32 or f64";
}
def TG_BoolTensor : StaticShapeTensorOf<[I1]> {
  let summary = "static tensor of i1";
}
def TG_IntegerTensor : StaticShapeTensorOf<[I8, I16, I32, I64, UI8, UI16, UI32, UI64]> {
  let summary = "static tensor of integers";
}
def TG_Int8Tensor : StaticShapeTensorOf<[I8, UI8]> {
  let summary = "static tensor of i8 or ui8";
}
def TG_UnsignedTensor : StaticShapeTensorOf<[UI8, UI16, UI32, UI64]> {
  let summary = "static tensor of unsigned integers";
}
def TG_I64Tensor : StaticShapeTensorOf<[I64]> {
  let summary = "static tensor of i64";
}
def TG_IndexTensor : StaticShapeTensorOf<[I32, I64]> {
  let summary = "static tensor of i32 or i64";
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def TG_ComparePredicate : I32EnumAttr<"ComparePredicate",
    "comparison predicate", [
      I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"lt", 1>,
      I32EnumAttrCase<"le", 2>, I32EnumAttrCase<"gt", 3>,
      I32EnumAttrCase<"ge", 4>]> {
  let cppNamespace = "::tessera::tg";
}

def TG_PadMode : I32EnumAttr<"PadMode", "padding mode", [
      I32EnumAttrCase<"constant", 0>, I32EnumAttrCase<"reflect", 1>,
      I32EnumAttrCase<"edge", 2>, I32EnumAttrCase<"wrap", 3>]> {
  let cppNamespace = "::tessera::tg";
}

def TG_ScatterReduction : I32EnumAttr<"ScatterReduction",
    "combination of an update with the element it lands on", [
      I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"add", 1>,
      I32EnumAttrCase<"mul", 2>, I32EnumAttrCase<"max", 3>,
      I32EnumAttrCase<"min", 4>]> {
  let cppNamespace = "::tessera::tg";
}

def TG_ResizeMode : I32EnumAttr<"ResizeMode", "interpolation mode", [
      I32EnumAttrCase<"nearest", 0>, I32EnumAttrCase<"linear", 1>,
      I32EnumAttrCase<"cubic", 2>]> {
  let cppNamespace = "::tessera::tg";
}

def TG_CoordinateMode : I32EnumAttr<"CoordinateMode",
    "mapping of output to input coordinates", [
      I32EnumAttrCase<"half_pixel", 0>,
      I32EnumAttrCase<"half_pixel_symmetric", 1>,
      I32EnumAttrCase<"pytorch_half_pixel", 2>,
      I32EnumAttrCase<"align_corners", 3>,
      I32EnumAttrCase<"asymmetric", 4>,
      I32EnumAttrCase<"tf_crop_and_resize", 5>,
      I32EnumAttrCase<"tf_half_pixel_for_nn", 6>]> {
  let cppNamespace = "::tessera::tg";
}

def TG_NearestMode : I32EnumAttr<"NearestMode", "rounding of nearest resize", [
      I32EnumAttrCase<"round_prefer_floor", 0>,
      I32EnumAttrCase<"round_prefer_ceil", 1>,
      I32EnumAttrCase<"floor", 2>, I32EnumAttrCase<"ceil", 3>]> {
  let cppNamespace = "::tessera::tg";
}

//===----------------------------------------------------------------------===//
// Base op classes
//===----------------------------------------------------------------------===//

// Every tg op is free of side effects: a graph is a pure dataflow function.
class TG_Op<string mnemonic, list<Trait> traits = []>
    : Op<TG_Dialect, mnemonic, !listconcat([Pure], traits)>;

// Ops whose result types follow from their operands and attributes. ODS
// declares InferTypeOpInterface; the generated inferReturnTypes builds the
// op's adaptor and calls the op's
//   static LogicalResult inferResultTypes(InferContext &, Adaptor);
// which reports, through the InferContext, why an op is invalid. Op classes
// that share one definition pass it as `body`.
class TG_InferOp<string mnemonic, list<Trait> traits = [], code body = "">
    : TG_Op<mnemonic, !listconcat(
          [DeclareOpInterfaceMethods<InferTypeOpInterface>], traits)> {
  let extraClassDeclaration = [{
    static ::llvm::LogicalResult
    inferResultTypes(::tessera::tg::InferContext &context, Adaptor adaptor);
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> location,
        ::mlir::ValueRange operands, ::mlir::DictionaryAttr attributes,
        ::mlir::OpaqueProperties properties, ::mlir::RegionRange regions,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
      ::tessera::tg::InferContext context(location, getOperationName(),
                                          inferredReturnTypes);
      return inferResultTypes(
          context, Adaptor(operands, attributes, properties, regions));
    }
  }] # body;
}

#endif // TESSERA_DIALECT_GRAPH_BASE
