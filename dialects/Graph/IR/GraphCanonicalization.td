//===- GraphCanonicalization.td - tg declarative rewrites -*- tablegen -*-===//
//
// Squeeze, unsqueeze and flatten only re-label dimensions: they become the
// one reshape op, so later passes and the lowering see a single form. The
// replacement keeps the matched op's (inferred) result type.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_GRAPH_CANONICALIZATION
#define TESSERA_DIALECT_GRAPH_CANONICALIZATION

include "mlir/IR/PatternBase.td"
include "dialects/Graph/IR/GraphOps.td"

def SqueezeToReshape : Pat<(TG_SqueezeOp $input, $axes), (TG_ReshapeOp $input)>;
def UnsqueezeToReshape : Pat<(TG_UnsqueezeOp $input, $axes),
                             (TG_ReshapeOp $input)>;
def FlattenToReshape : Pat<(TG_FlattenOp $input, $axis), (TG_ReshapeOp $input)>;

#endif // TESSERA_DIALECT_GRAPH_CANONICALIZATION
