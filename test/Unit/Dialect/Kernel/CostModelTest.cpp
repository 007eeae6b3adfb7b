//===- CostModelTest.cpp - tk-configure-kernels with a caller's model -----===//
//
// A target or plugin replaces the kernel configuration through a
// KernelCostModel (or, for convolutions and pools, WindowCostModel) callback: its choice lands on the kernels it answers
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
#include "mlir/IR/Verifier.h"
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

const char *kWindows = R"mlir(
func.func @g(%x: tensor<1x3x8x8xf32>, %w: tensor<10x3x3x3xf32>, %o: tensor<1x10x6x6xf32>,
             %p: tensor<1x3x4x4xf32>) -> (tensor<1x10x6x6xf32>, tensor<1x3x4x4xf32>) {
  %0 = tk.conv ins(%x, %w : tensor<1x3x8x8xf32>, tensor<10x3x3x3xf32>) outs(%o : tensor<1x10x6x6xf32>)
      strides = [1, 1] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x10x6x6xf32>
  %1 = tk.pool max ins(%x : tensor<1x3x8x8xf32>) outs(%p : tensor<1x3x4x4xf32>)
      window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] epilogue_maps = [] epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  } -> tensor<1x3x4x4xf32>
  return %0, %1 : tensor<1x10x6x6xf32>, tensor<1x3x4x4xf32>
}
)mlir";

TEST(WindowCostModel, ChoosesTheKernelOfConvolutions) {
  DialectRegistry registry;
  registry.insert<TKDialect, func::FuncDialect, arith::ArithDialect>();
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(kWindows, &context);
  ASSERT_TRUE(module);
  // Dense convolutions on the direct kernel; pools left to the default.
  WindowCostModel model = [](Operation *kernel, const CPUTarget &) {
    auto conv = dyn_cast<ConvOp>(kernel);
    if (!conv || !conv.isDense1DOr2D())
      return CPUWindowAttr();
    return CPUWindowAttr::get(kernel->getContext(), WindowKernel::direct, 8,
                              2, 16, false);
  };
  ConfigureKernelsOptions options;
  PassManager pm = PassManager::on<ModuleOp>(&context);
  pm.addPass(createConfigureKernelsPass(options, {}, model));
  ASSERT_TRUE(succeeded(pm.run(*module)));
  SmallVector<CPUWindowAttr> configs;
  module->walk([&](Operation *op) {
    if (auto conv = dyn_cast<ConvOp>(op))
      configs.push_back(conv.getConfigAttr());
    if (auto pool = dyn_cast<PoolOp>(op))
      configs.push_back(pool.getConfigAttr());
  });
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[0].getKernel(), WindowKernel::direct);
  EXPECT_EQ(configs[0].getMr(), 2);
  // The default for a pool: the window kernel, 4 rows of 2 AVX2 vectors.
  EXPECT_EQ(configs[1].getKernel(), WindowKernel::window);
  EXPECT_EQ(configs[1].getMr(), 4);
  EXPECT_EQ(configs[1].getNr(), 16);
  ASSERT_TRUE(succeeded(verify(*module)));
}

} // namespace
