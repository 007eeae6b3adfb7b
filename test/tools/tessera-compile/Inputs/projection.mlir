// A batched projection with bias and ReLU (as every MLP and attention
// projection): rows 2 x 100 (not a multiple of the 64-row tile), K 256,
// N 96 (not a multiple of 64 either).
func.func @projection(%x: tensor<2x100x256xf32>) -> tensor<2x100x96xf32> {
  %w = tg.constant dense<0.01> : tensor<256x96xf32>
  %b = tg.constant dense<0.5> : tensor<96xf32>
  %y = tg.matmul %x, %w : tensor<2x100x256xf32>, tensor<256x96xf32>
  %z = tg.add %y, %b : tensor<2x100x96xf32>, tensor<96xf32>
  %r = tg.relu %z : tensor<2x100x96xf32>
  return %r : tensor<2x100x96xf32>
}
