//===- GraphDialect.h - The tg dialect ---------------------------*- C++
//-*-===//

#ifndef TESSERA_DIALECT_GRAPH_IR_GRAPHDIALECT_H
#define TESSERA_DIALECT_GRAPH_IR_GRAPHDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/Graph/IR/GraphDialect.h.inc"

#endif // TESSERA_DIALECT_GRAPH_IR_GRAPHDIALECT_H
