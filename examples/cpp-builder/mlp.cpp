// Build a two-layer perceptron with tessera::Graph, compile it, and print
// where the artifact went. Run: builder-mlp OUTDIR
#include "tessera/Builder/Graph.h"
#include "tessera/Compiler/Driver.h"

#include <cstdio>
#include <vector>

int main(int argc, char **argv) {
  const char *outDir = argc > 1 ? argv[1] : ".";

  // Weights would come from training; fixed values keep the example short.
  std::vector<float> w1(4 * 8), b1(8, 0.1f), w2(8 * 3);
  for (size_t i = 0; i < w1.size(); ++i)
    w1[i] = 0.05f * static_cast<float>(i % 7) - 0.1f;
  for (size_t i = 0; i < w2.size(); ++i)
    w2[i] = 0.1f * static_cast<float>(i % 5) - 0.2f;

  tessera::Graph g("mlp");
  tessera::Tensor x = g.input("x", {1, 4});
  tessera::Tensor h =
      g.relu(g.add(g.matmul(x, g.constant(w1, {4, 8})), g.constant(b1, {8})));
  tessera::Tensor y = g.softmax(g.matmul(h, g.constant(w2, {8, 3})));
  g.output(y, "probabilities");

  // Misuse is reported at the call; a chain can be checked once.
  if (!g.ok()) {
    std::fprintf(stderr, "graph error: %s\n", g.error().c_str());
    return 1;
  }

  tessera::CompileOptions options;
  options.outputPrefix = std::string(outDir) + "/mlp";
  options.cpu = ""; // generic x86-64: the artifact runs on any x86-64 CPU
  tessera::CompileResult result = tessera::compile(g, options);
  if (!result.ok()) {
    std::fprintf(stderr, "compile error: %s\n", result.error.c_str());
    return 1;
  }
  std::printf("wrote %s.o, %s.so and %s.h\n", options.outputPrefix.c_str(),
              options.outputPrefix.c_str(), options.outputPrefix.c_str());
  return 0;
}
