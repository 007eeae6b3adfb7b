//===- CPUTargetTest.cpp - the vector unit of a target --------------------===//
//
// describeVectorUnit: the register tile and the int8 instruction each CPU
// gets (the int8 kernels' choice, docs/kernels.md).
//
//===----------------------------------------------------------------------===//

#include "lib/Target/CPU/CPUTarget.h"

#include <gtest/gtest.h>

#include <string>

namespace {

struct Expected {
  const char *triple, *cpu;
  int64_t bits, registers;
  tessera::Int8Dot dot;
};

TEST(CPUTarget, VectorUnitAndInt8InstructionPerCPU) {
  using tessera::Int8Dot;
  const Expected cases[] = {
      {"x86_64-linux-gnu", "sapphirerapids", 512, 32, Int8Dot::Amx},
      {"x86_64-linux-gnu", "icelake-server", 512, 32, Int8Dot::Vnni},
      {"x86_64-linux-gnu", "skylake-avx512", 512, 32, Int8Dot::Pairs},
      {"x86_64-linux-gnu", "alderlake", 256, 16, Int8Dot::Vnni},
      {"x86_64-linux-gnu", "znver3", 256, 16, Int8Dot::Pairs},
      {"x86_64-linux-gnu", "haswell", 256, 16, Int8Dot::Pairs},
      {"x86_64-linux-gnu", "x86-64", 128, 16, Int8Dot::Pairs},
      {"aarch64-linux-gnu", "neoverse-n1", 128, 32, Int8Dot::Sdot},
      {"aarch64-linux-gnu", "cortex-a72", 128, 32, Int8Dot::None},
  };
  for (const Expected &c : cases) {
    tessera::CPUTargetOptions options;
    options.triple = c.triple;
    options.cpu = c.cpu;
    int64_t bits = 0, registers = 0;
    Int8Dot dot = Int8Dot::None;
    std::string error;
    ASSERT_TRUE(
        tessera::describeVectorUnit(options, bits, registers, dot, error))
        << c.cpu << ": " << error;
    EXPECT_EQ(bits, c.bits) << c.cpu;
    EXPECT_EQ(registers, c.registers) << c.cpu;
    EXPECT_EQ(tessera::stringifyInt8Dot(dot), tessera::stringifyInt8Dot(c.dot))
        << c.cpu;
  }
}

TEST(CPUTarget, Int8InstructionNamesRoundTrip) {
  using tessera::Int8Dot;
  for (Int8Dot dot : {Int8Dot::None, Int8Dot::Pairs, Int8Dot::Vnni,
                      Int8Dot::Sdot, Int8Dot::Amx})
    EXPECT_EQ(tessera::parseInt8Dot(tessera::stringifyInt8Dot(dot)), dot);
  EXPECT_FALSE(tessera::parseInt8Dot("tiles").has_value());
}

TEST(CPUTarget, UnknownCPUIsAnError) {
  tessera::CPUTargetOptions options;
  options.triple = "x86_64-linux-gnu";
  options.cpu = "no-such-cpu";
  int64_t bits = 0, registers = 0;
  tessera::Int8Dot dot = tessera::Int8Dot::None;
  std::string error;
  EXPECT_FALSE(
      tessera::describeVectorUnit(options, bits, registers, dot, error));
  EXPECT_NE(error.find("unknown CPU 'no-such-cpu'"), std::string::npos)
      << error;
}

} // namespace
