// A small image classifier in the tg dialect: conv + batch_norm + relu6,
// a depthwise-separable block with hard_swish, global pooling and a
// classifier head. Weights are splats to keep the file short.
//
//   tessera-opt examples/graphs/small_cnn.mlir --tg-fold-batch-norm --canonicalize
func.func @small_cnn(%image: tensor<1x3x48x192xf32>) -> tensor<1x2xf32> {
  %w0 = tg.constant dense<0.1> : tensor<8x3x3x3xf32>
  %gamma = tg.constant dense<1.5> : tensor<8xf32>
  %beta = tg.constant dense<0.25> : tensor<8xf32>
  %mean = tg.constant dense<0.5> : tensor<8xf32>
  %var = tg.constant dense<4.0> : tensor<8xf32>
  %c0 = tg.conv %image, %w0 strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] group = 1
          : tensor<1x3x48x192xf32>, tensor<8x3x3x3xf32>
  %b0 = tg.batch_norm %c0, %gamma, %beta, %mean, %var
          : tensor<1x8x24x96xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %r0 = tg.clip %b0 {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x8x24x96xf32>

  // Depthwise 3x3 then pointwise 1x1.
  %wd = tg.constant dense<0.2> : tensor<8x1x3x3xf32>
  %d1 = tg.conv %r0, %wd strides = [1, 1] pads = [1, 1, 1, 1] dilations = [1, 1] group = 8
          : tensor<1x8x24x96xf32>, tensor<8x1x3x3xf32>
  %h1 = tg.hard_swish %d1 : tensor<1x8x24x96xf32>
  %wp = tg.constant dense<0.05> : tensor<16x8x1x1xf32>
  %bp = tg.constant dense<0.01> : tensor<16xf32>
  %p1 = tg.conv %h1, %wp, %bp strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1
          : tensor<1x8x24x96xf32>, tensor<16x8x1x1xf32>, tensor<16xf32>
  %m1 = tg.max_pool %p1 kernel = [2, 2] strides = [2, 2] pads = [0, 0, 0, 0] dilations = [1, 1]
          : tensor<1x16x24x96xf32>

  // Head.
  %g = tg.global_avg_pool %m1 : tensor<1x16x12x48xf32>
  %f = tg.flatten %g axis = 1 : tensor<1x16x1x1xf32>
  %wf = tg.constant dense<0.3> : tensor<16x2xf32>
  %bf = tg.constant dense<[0.1, -0.1]> : tensor<2xf32>
  %fc = tg.matmul %f, %wf : tensor<1x16xf32>, tensor<16x2xf32>
  %logits = tg.add %fc, %bf : tensor<1x2xf32>, tensor<2xf32>
  %probs = tg.softmax %logits axis = 1 : tensor<1x2xf32>
  return %probs : tensor<1x2xf32>
}
