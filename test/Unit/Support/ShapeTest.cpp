//===- ShapeTest.cpp - tessera/Support/Shape.h ----------------------------===//

#include "tessera/Support/Shape.h"

#include <gtest/gtest.h>

using namespace tessera;

namespace {

TEST(BroadcastShapes, NumpyRules) {
  EXPECT_EQ(broadcastShapes({2, 3}, {3}).shape(), (Shape{2, 3}));
  EXPECT_EQ(broadcastShapes({4, 1, 5}, {3, 1}).shape(), (Shape{4, 3, 5}));
  EXPECT_EQ(broadcastShapes({}, {7}).shape(), (Shape{7}));
  EXPECT_EQ(broadcastShapes({0, 1}, {1, 3}).shape(), (Shape{0, 3}));
}

TEST(BroadcastShapes, RejectsMismatch) {
  ShapeOr r = broadcastShapes({2, 3}, {4});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.message(),
            "operand shapes [2, 3] and [4] are not broadcast-compatible");
}

TEST(BroadcastShapes, Unidirectional) {
  EXPECT_TRUE(isBroadcastableTo({3, 1}, {2, 3, 4}));
  EXPECT_TRUE(isBroadcastableTo({}, {2}));
  EXPECT_FALSE(isBroadcastableTo({2, 3, 4}, {3, 4}));
  EXPECT_FALSE(isBroadcastableTo({3}, {3, 4}));
}

TEST(MatmulShape, BatchedAndVectors) {
  EXPECT_EQ(matmulShape({8, 1, 64, 32}, {4, 32, 16}).shape(),
            (Shape{8, 4, 64, 16}));
  EXPECT_EQ(matmulShape({5}, {5}).shape(), (Shape{}));
  EXPECT_EQ(matmulShape({5}, {2, 5, 3}).shape(), (Shape{2, 3}));
  EXPECT_EQ(matmulShape({2, 4, 5}, {5}).shape(), (Shape{2, 4}));
  EXPECT_EQ(matmulShape({3, 4}, {4, 6}).shape(), (Shape{3, 6}));
}

TEST(MatmulShape, Errors) {
  EXPECT_EQ(
      matmulShape({3, 4}, {5, 6}).message(),
      "contraction dimensions differ: lhs [3, 4] has 4, rhs [5, 6] has 5");
  EXPECT_FALSE(matmulShape({2, 3, 4}, {3, 4, 5}));
  EXPECT_FALSE(matmulShape({}, {3}));
}

TEST(ConvShape, StridesPadsDilationsGroups) {
  // ResNet stem: 7x7 stride 2 pad 3.
  EXPECT_EQ(convShape({1, 3, 224, 224}, {64, 3, 7, 7}, {2, 2}, {1, 1},
                      {3, 3, 3, 3}, 1)
                .shape(),
            (Shape{1, 64, 112, 112}));
  // Depthwise 3x3, dilation 2, asymmetric pads.
  EXPECT_EQ(convShape({2, 32, 10, 10}, {32, 1, 3, 3}, {1, 1}, {2, 2},
                      {2, 2, 1, 1}, 32)
                .shape(),
            (Shape{2, 32, 9, 9}));
  // 1-D and 3-D.
  EXPECT_EQ(convShape({1, 4, 9}, {8, 4, 3}, {2}, {1}, {0, 0}, 1).shape(),
            (Shape{1, 8, 4}));
  EXPECT_EQ(convShape({1, 2, 4, 4, 4}, {2, 2, 2, 2, 2}, {1, 1, 1}, {1, 1, 1},
                      {0, 0, 0, 0, 0, 0}, 1)
                .shape(),
            (Shape{1, 2, 3, 3, 3}));
}

TEST(ConvShape, Errors) {
  EXPECT_EQ(
      convShape({1, 9, 8, 8}, {4, 3, 3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}, 3)
          .message(),
      "output channels 4 are not divisible by group 3");
  EXPECT_EQ(
      convShape({1, 5, 8, 8}, {4, 3, 3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}, 1)
          .message(),
      "input channels 5 must equal weight dim 1 (3) times group (1)");
  EXPECT_EQ(
      convShape({1, 3, 2, 2}, {4, 3, 3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}, 1)
          .message(),
      "window of extent 3 does not fit the padded input extent 2 of "
      "spatial dimension 0");
  EXPECT_EQ(convShape({1, 3, 8, 8}, {4, 3, 3, 3}, {1}, {1, 1}, {0, 0, 0, 0}, 1)
                .message(),
            "expected 2 stride values for 2 spatial dimensions, got 1");
  EXPECT_FALSE(
      convShape({1, 3, 8, 8}, {4, 3, 3, 3}, {0, 1}, {1, 1}, {0, 0, 0, 0}, 1));
  EXPECT_FALSE(
      convShape({1, 3, 8, 8}, {4, 3, 3, 3}, {1, 1}, {1, 1}, {-1, 0, 0, 0}, 1));
  EXPECT_FALSE(convShape({3, 8}, {4, 3}, {}, {}, {}, 1));
}

TEST(ConvTransposeShape, OnnxFormula) {
  // out = s*(in-1) + output_padding + (k-1)*d + 1 - pads
  EXPECT_EQ(convTransposeShape({1, 16, 8, 8}, {16, 8, 3, 3}, {2, 2}, {1, 1},
                               {1, 1, 1, 1}, {1, 1}, 1)
                .shape(),
            (Shape{1, 8, 16, 16}));
  EXPECT_EQ(convTransposeShape({1, 4, 3}, {4, 2, 3}, {3}, {2}, {0, 0}, {0}, 2)
                .shape(),
            (Shape{1, 4, 11}));
  EXPECT_EQ(convTransposeShape({1, 4, 3}, {5, 2, 3}, {1}, {1}, {0, 0}, {0}, 1)
                .message(),
            "input channels 4 must equal weight dim 0 (5)");
}

TEST(PoolShape, FloorAndCeil) {
  WindowParams p{{3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, false};
  EXPECT_EQ(poolShape({1, 8, 6, 6}, p).shape(), (Shape{1, 8, 2, 2}));
  p.ceilMode = true;
  EXPECT_EQ(poolShape({1, 8, 6, 6}, p).shape(), (Shape{1, 8, 3, 3}));
  // A ceil-mode window may not start in the end padding.
  WindowParams q{{2}, {2}, {1}, {1, 1}, true};
  EXPECT_EQ(poolShape({1, 1, 4}, q).shape(), (Shape{1, 1, 3}));
  WindowParams r{{2}, {2}, {1}, {2, 0}, false};
  EXPECT_EQ(poolShape({1, 1, 4}, r).message(),
            "pads [2, 0] must be smaller than the kernel [2]");
}

TEST(Axes, SortedAndInRange) {
  EXPECT_EQ(checkSortedAxes({0, 2}, 3), "");
  EXPECT_EQ(checkSortedAxes({3}, 3), "axis 3 is out of range [0, 3)");
  EXPECT_EQ(checkSortedAxes({-1}, 3), "axis -1 is out of range [0, 3)");
  EXPECT_EQ(checkSortedAxes({2, 1}, 3),
            "axes [2, 1] must be strictly increasing");
  EXPECT_EQ(reduceShape({2, 3, 4}, {1}, true), (Shape{2, 1, 4}));
  EXPECT_EQ(reduceShape({2, 3, 4}, {0, 2}, false), (Shape{3}));
}

} // namespace
