// A 3x3 convolution with bias and ReLU at tensor-core sizes (rows 2*28*28,
// 64 filters, k = 32*3*3), padded and strided 1; and a grouped one (2
// groups of 32 filters over 16 channels each), strided 2 with dilation 2.
func.func @conv(%x: tensor<2x32x28x28xf32>) -> (tensor<2x64x28x28xf32>, tensor<2x64x13x13xf32>) {
  %w = tg.constant dense<0.01> : tensor<64x32x3x3xf32>
  %b = tg.constant dense<0.5> : tensor<64xf32>
  %c = tg.conv %x, %w, %b strides = [1, 1] pads = [1, 1, 1, 1] dilations = [1, 1] group = 1
         : tensor<2x32x28x28xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>
  %r = tg.relu %c : tensor<2x64x28x28xf32>
  %wg = tg.constant dense<0.02> : tensor<64x16x3x3xf32>
  %g = tg.conv %x, %wg strides = [2, 2] pads = [1, 1, 1, 1] dilations = [2, 2] group = 2
         : tensor<2x32x28x28xf32>, tensor<64x16x3x3xf32>
  return %r, %g : tensor<2x64x28x28xf32>, tensor<2x64x13x13xf32>
}
