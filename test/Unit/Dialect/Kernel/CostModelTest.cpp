//===- CostModelTest.cpp - tk-configure-kernels with a caller's model -----===//
//
// A target or plugin replaces the kernel configuration through a
// KernelCostModel callback: its choice lands on the kernels it answers
// for, the default model configures the ones it leaves (null), and a
// kernel that already has a configuration keeps it.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace tessera::tk;

namespace {

const char *kModule = R"mlir(
func.func @f(%a: tensor<64x512xf32>, %b: tensor<512x64xf32>, %c: tensor<64x64xf32>,
             %x: tensor<4x8xf32>, %y: tensor<8x16xf32>, %z: tensor<4x16xf32>)
    -> (tensor<64x64xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %0 = tk.matmul ins(%a, %b : tensor<64x512xf32>, tensor<512x64xf32>) outs(%c : tensor<64x64xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<64x64xf32>
  %1 = tk.matmul ins(%x, %y : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<4x16xf32>
  %2 = tk.matmul ins(%x, %y : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      attributes {config = #tk.cpu_tile<lanes = 8, mr = 2, nr = 8, kc = 8, mc = 2, parallel = false>} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<4x16xf32>
  return %0, %1, %2 : tensor<64x64xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}
)mlir";

TEST(KernelCostModel, OverridesDefaultsAndKeepsExisting) {
  DialectRegistry registry;
  registry.insert<TKDialect, func::FuncDialect, arith::ArithDialect>();
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kModule, &context);
  ASSERT_TRUE(module);

  int calls = 0;
  KernelCostModel model = [&](MatmulOp kernel, const CPUTarget &target) {
    ++calls;
    EXPECT_EQ(target.vectorBits, 512);
    // Long reductions get a deeper K block; the rest is left to the default.
    if (kernel.getLoopSizes()[kernel.getKDim()] < 256)
      return CPUTileAttr();
    return CPUTileAttr::get(kernel.getContext(), 16, 4, 32, 512, 64, true);
  };
  ConfigureKernelsOptions options;
  options.vectorBits = 512;
  options.registers = 32;
  PassManager pm = PassManager::on<ModuleOp>(&context);
  pm.addPass(createConfigureKernelsPass(options, model));
  ASSERT_TRUE(succeeded(pm.run(*module)));

  SmallVector<CPUTileAttr> configs;
  module->walk([&](MatmulOp kernel) { configs.push_back(kernel.getConfigAttr()); });
  ASSERT_EQ(configs.size(), 3u);
  EXPECT_EQ(calls, 2); // not asked about the kernel that had a configuration
  EXPECT_EQ(configs[0].getKc(), 512);
  EXPECT_EQ(configs[0].getMr(), 4);
  // The default model: 12 x 32 on a 512-bit unit with 32 registers.
  EXPECT_EQ(configs[1].getMr(), 12);
  EXPECT_EQ(configs[1].getNr(), 32);
  EXPECT_FALSE(configs[1].getParallel());
  EXPECT_EQ(configs[2].getKc(), 8);
}

} // namespace
