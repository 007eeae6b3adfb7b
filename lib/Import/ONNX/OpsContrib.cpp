//===- OpsContrib.cpp - ONNX Runtime's contrib ops (com.microsoft) --------===//

#include "lib/Import/ONNX/NodeContext.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::onnx_import;

void onnx_import::registerContribOps(ConverterRegistry &r) {}
