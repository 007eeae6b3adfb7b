//===- BuilderTest.cpp - tessera::Graph -----------------------------------===//

#include "tessera/Builder/Graph.h"
#include "tessera/Compiler/Driver.h"

#include <gtest/gtest.h>

using namespace tessera;

namespace {

TEST(Builder, BuildsAnMlpWithInferredShapes) {
  Graph g("mlp");
  Tensor x = g.input("x", {2, 4});
  std::vector<float> w1(4 * 8, 0.5f), b1(8, 0.1f), w2(8 * 3, -0.25f);
  Tensor h =
      g.relu(g.add(g.matmul(x, g.constant(w1, {4, 8})), g.constant(b1, {8})));
  Tensor y = g.softmax(g.matmul(h, g.constant(w2, {8, 3})));
  g.output(y, "y");
  ASSERT_TRUE(g.ok()) << g.error();
  EXPECT_EQ(g.shape(h), (Shape{2, 8}));
  EXPECT_EQ(g.shape(y), (Shape{2, 3}));
  EXPECT_EQ(g.dtype(y), DType::F32);
  std::string ir = g.toMLIR();
  EXPECT_NE(ir.find("tg.matmul"), std::string::npos) << ir;
  EXPECT_NE(ir.find("tg.softmax %"), std::string::npos) << ir;
  EXPECT_NE(ir.find("{tessera.name = \"y\"}"), std::string::npos) << ir;
}

TEST(Builder, ReportsMisuseAtTheCall) {
  Graph g("bad");
  Tensor a = g.input("a", {2, 3});
  Tensor b = g.input("b", {4});
  Tensor sum = g.add(a, b);
  EXPECT_FALSE(sum.valid());
  EXPECT_FALSE(g.ok());
  EXPECT_EQ(g.error(), "add: 'tg.add' op operand shapes [2, 3] and [4] are not "
                       "broadcast-compatible");
  // Later calls keep the first error.
  Tensor r = g.relu(sum);
  EXPECT_FALSE(r.valid());
  EXPECT_EQ(g.error().rfind("add:", 0), 0u);
  EXPECT_EQ(g.toMLIR(), "");
}

TEST(Builder, ChecksAxesAndWindows) {
  {
    Graph g("axes");
    Tensor x = g.input("x", {2, 3});
    g.softmax(x, 2);
    EXPECT_EQ(g.error(), "softmax: axis 2 is out of range [-2, 2)");
  }
  {
    Graph g("conv");
    Tensor x = g.input("x", {1, 3, 8, 8});
    std::vector<float> w(4 * 2 * 3 * 3, 1.0f);
    g.conv(x, g.constant(w, {4, 2, 3, 3}));
    EXPECT_EQ(g.error(),
              "conv: 'tg.conv' op input channels 3 must equal weight dim 1 (2) "
              "times group (1)");
  }
  {
    Graph g("inputs");
    g.input("x", {2});
    g.input("x", {3});
    EXPECT_EQ(g.error(), "input 'x' is defined twice");
  }
  {
    Graph g("reshape");
    Tensor x = g.input("x", {2, 3});
    EXPECT_EQ(g.shape(g.reshape(x, {-1, 2})), (Shape{3, 2}));
    g.reshape(x, {4, -1});
    EXPECT_EQ(g.error(),
              "reshape: cannot infer the -1 of shape [4, -1] for 6 elements");
  }
}

TEST(Builder, FoldsConstantShapeArithmetic) {
  Graph g("fold");
  int64_t values[] = {2, 3};
  Tensor shape = g.constant(values, {2}, DType::I64);
  Tensor doubled = g.mul(shape, shape);
  g.output(doubled, "y");
  ASSERT_TRUE(g.ok()) << g.error();
  std::string ir = g.toMLIR();
  EXPECT_NE(ir.find("dense<[4, 9]>"), std::string::npos) << ir;
  EXPECT_EQ(ir.find("tg.mul"), std::string::npos) << ir;
}

TEST(Builder, CompilesToMemory) {
  Graph g("tiny");
  Tensor x = g.input("x", {4});
  g.output(g.sigmoid(x), "y");
  CompileOptions options;
  options.emit = EmitStage::Object;
  options.cpu = "";
  CompileResult result = compile(g, options);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_GT(result.object.size(), 100u);
  EXPECT_EQ(result.object.compare(0, 4,
                                  "\x7f"
                                  "ELF"),
            0);
  EXPECT_NE(result.header.find("tiny_run(tessera_session_t *tessera_session"),
            std::string::npos)
      << result.header;
}

// Weights kept in a side file need somewhere to write it.
TEST(Builder, WeightsFileNeedsAnOutputPrefix) {
  Graph g("wide");
  Tensor x = g.input("x", {2, 64});
  g.output(g.matmul(x, g.constant(std::vector<float>(64 * 32, 0.5f), {64, 32})),
           "y");
  CompileOptions options;
  options.emit = EmitStage::Object;
  options.cpu = "";
  options.weights = WeightsPlacement::File;
  CompileResult result = compile(g, options);
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.error.find("go to a side file, which needs an output prefix"),
            std::string::npos)
      << result.error;
  options.weights = WeightsPlacement::Auto; // small: embedded
  EXPECT_TRUE(compile(g, options).ok());
}

TEST(Builder, CompileErrorsAreValues) {
  Graph g("empty");
  g.input("x", {4});
  CompileResult result = compile(g, CompileOptions());
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error, "the graph has no outputs");
}

} // namespace
