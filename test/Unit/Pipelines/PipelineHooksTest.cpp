//===- PipelineHooksTest.cpp - extension points of the phased pipeline ----===//
//
// A hook at every extension point adds a pass that records where it ran and
// what the IR held there; one compilation must run each exactly once, in
// phase order, and see each phase's output.
//
//===----------------------------------------------------------------------===//

#include "tessera/Builder/Graph.h"
#include "tessera/Compiler/Driver.h"
#include "tessera/Compiler/Pipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace tessera;

namespace {

/// Records "<phase>:<before|after>" and the dialects of the ops it sees.
struct RecordPass
    : mlir::PassWrapper<RecordPass, mlir::OperationPass<mlir::ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(RecordPass)
  RecordPass(std::vector<std::string> &log, std::string where)
      : log(log), where(std::move(where)) {}
  void runOnOperation() override {
    std::string dialects;
    getOperation().walk([&](mlir::Operation *op) {
      std::string name = op->getName().getDialectNamespace().str();
      if (name == "tg" || name == "tk" || name == "llvm" || name == "vector")
        if (dialects.find(name + ";") == std::string::npos)
          dialects += name + ";";
    });
    log.push_back(where + " " + dialects);
  }
  std::vector<std::string> &log;
  std::string where;
};

Graph matmulGraph() {
  Graph g("hooked");
  Tensor x = g.input("x", {8, 16});
  std::vector<float> weights(16 * 32, 0.5f);
  Tensor w = g.constant(weights.data(), {16, 32});
  g.output(g.relu(g.matmul(x, w)), "y");
  return g;
}

TEST(PipelineHooks, EachPointRunsOnceInPhaseOrder) {
  std::vector<std::string> log;
  CompileOptions options;
  options.emit = EmitStage::Object;
  options.cpu = "";
  for (Phase phase : allPhases)
    for (HookPoint point : {HookPoint::Before, HookPoint::After}) {
      std::string where = std::string(phaseName(phase)) +
                          (point == HookPoint::Before ? ":before" : ":after");
      options.hooks.add(phase, point, [&log, where](mlir::OpPassManager &pm) {
        pm.addPass(std::make_unique<RecordPass>(log, where));
      });
    }
  Graph g = matmulGraph();
  ASSERT_TRUE(g.ok()) << g.error();
  CompileResult result = compile(g, options);
  ASSERT_TRUE(result.ok()) << result.error;
  std::vector<std::string> expected = {
      "graph:before tg;",          "graph:after tg;",
      "kernel:before tg;",         "kernel:after tk;",
      "codegen:before tk;",        "codegen:after vector;",
      "llvm:before vector;",       "llvm:after llvm;"};
  EXPECT_EQ(log, expected);
}

TEST(PipelineHooks, StopAtAPhaseRunsOnlyItsHooks) {
  std::vector<std::string> log;
  CompileOptions options;
  options.emit = EmitStage::Kernel;
  options.cpu = "";
  for (Phase phase : allPhases)
    options.hooks.add(phase, HookPoint::After,
                      [&log, phase](mlir::OpPassManager &pm) {
                        pm.addPass(std::make_unique<RecordPass>(
                            log, phaseName(phase)));
                      });
  Graph g = matmulGraph();
  CompileResult result = compile(g, options);
  ASSERT_TRUE(result.ok()) << result.error;
  std::vector<std::string> expected = {"graph tg;", "kernel tk;"};
  EXPECT_EQ(log, expected);
  EXPECT_NE(result.text.find("tk.matmul"), std::string::npos) << result.text;
}

} // namespace
