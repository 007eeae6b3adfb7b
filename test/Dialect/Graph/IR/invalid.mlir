// Every diagnostic of the tg verifiers and type inference, one case each.
// RUN: tessera-opt %s --split-input-file --verify-diagnostics

func.func @static_shapes(%a: tensor<?xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'tg.add' op lhs must be a statically shaped tensor}}
  %0 = tg.add %a, %b : tensor<?xf32>, tensor<3xf32>
  return
}

// -----

func.func @broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'tg.sub' op operand shapes [2, 3] and [4] are not broadcast-compatible}}
  %0 = tg.sub %a, %b : tensor<2x3xf32>, tensor<4xf32>
  return
}

// -----

func.func @element_types(%a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{'tg.mul' op operands must have one element type, got 'f32' and 'f16'}}
  %0 = tg.mul %a, %b : tensor<3xf32>, tensor<3xf16>
  return
}

// -----

func.func @bool_arithmetic(%a: tensor<3xi1>) {
  // expected-error @+1 {{'tg.add' op operand #0 must be static tensor of float or integer, but got 'tensor<3xi1>'}}
  %0 = "tg.add"(%a, %a) : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  return
}

// -----

func.func @float_only(%a: tensor<3xi32>) {
  // expected-error @+1 {{'tg.sigmoid' op operand #0 must be static tensor of f16, bf16, f32 or f64, but got 'tensor<3xi32>'}}
  %0 = tg.sigmoid %a : tensor<3xi32>
  return
}

// -----

func.func @clip_bound_type(%a: tensor<3xf32>) {
  // expected-error @+1 {{'tg.clip' op min must be a scalar of the element type 'f32', got 0 : i32}}
  %0 = tg.clip %a {min = 0 : i32} : tensor<3xf32>
  return
}

// -----

func.func @compare_bool(%a: tensor<3xi1>) {
  // expected-error @+1 {{'tg.compare' op predicate 'lt' is not defined on i1 tensors}}
  %0 = tg.compare lt, %a, %a : tensor<3xi1>, tensor<3xi1>
  return
}

// -----

func.func @where_broadcast(%c: tensor<2xi1>, %x: tensor<3xf32>, %y: tensor<3xf32>) {
  // expected-error @+1 {{'tg.where' op operand shapes [2] and [3] are not broadcast-compatible}}
  %0 = tg.where %c, %x, %y : tensor<2xi1>, tensor<3xf32>, tensor<3xf32>
  return
}

// -----

func.func @where_types(%c: tensor<3xi1>, %x: tensor<3xf32>, %y: tensor<3xi32>) {
  // expected-error @+1 {{'tg.where' op operands must have one element type, got 'f32' and 'i32'}}
  %0 = tg.where %c, %x, %y : tensor<3xi1>, tensor<3xf32>, tensor<3xi32>
  return
}

// -----

func.func @inferred_mismatch(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'tg.add' op failed to infer returned types}}
  // expected-error @+1 {{'tg.add' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3x3xf32>'}}
  %0 = "tg.add"(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @reduce_axis_range(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.reduce_sum' op axis 2 is out of range [0, 2)}}
  %0 = tg.reduce_sum %a axes = [2] : tensor<2x3xf32>
  return
}

// -----

func.func @reduce_axis_order(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.reduce_max' op axes [1, 0] must be strictly increasing}}
  %0 = tg.reduce_max %a axes = [1, 0] : tensor<2x3xf32>
  return
}

// -----

func.func @reduce_negative_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.reduce_mean' op axis -1 is out of range [0, 2)}}
  %0 = tg.reduce_mean %a axes = [-1] : tensor<2x3xf32>
  return
}

// -----

func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'tg.matmul' op matmul operands must have rank >= 1}}
  %0 = tg.matmul %a, %b : tensor<f32>, tensor<3xf32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<3x4xf32>, %b: tensor<5x6xf32>) {
  // expected-error @+1 {{'tg.matmul' op contraction dimensions differ: lhs [3, 4] has 4, rhs [5, 6] has 5}}
  %0 = tg.matmul %a, %b : tensor<3x4xf32>, tensor<5x6xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x5xf32>) {
  // expected-error @+1 {{'tg.matmul' op batch dimensions of [2, 3, 4] and [3, 4, 5] are not broadcast-compatible}}
  %0 = tg.matmul %a, %b : tensor<2x3x4xf32>, tensor<3x4x5xf32>
  return
}

// -----

func.func @matmul_types(%a: tensor<3x4xf32>, %b: tensor<4x5xi32>) {
  // expected-error @+1 {{'tg.matmul' op operands must have one element type, got 'f32' and 'i32'}}
  %0 = tg.matmul %a, %b : tensor<3x4xf32>, tensor<4x5xi32>
  return
}

// -----

func.func @conv_rank(%x: tensor<3x8xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+1 {{'tg.conv' op input must have rank >= 3 (N x C x spatial...), got [3, 8]}}
  %0 = tg.conv %x, %w strides = [] pads = [] dilations = [] group = 1 : tensor<3x8xf32>, tensor<4x3xf32>
  return
}

// -----

func.func @conv_weight_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) {
  // expected-error @+1 {{'tg.conv' op weight [4, 3, 3] must have the rank of input [1, 3, 8, 8]}}
  %0 = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3xf32>
  return
}

// -----

func.func @conv_group(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'tg.conv' op group must be >= 1, got 0}}
  %0 = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 0 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x5x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'tg.conv' op input channels 5 must equal weight dim 1 (3) times group (1)}}
  %0 = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1 : tensor<1x5x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_group_divisibility(%x: tensor<1x9x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'tg.conv' op output channels 4 are not divisible by group 3}}
  %0 = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 3 : tensor<1x9x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_stride_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'tg.conv' op expected 2 stride values for 2 spatial dimensions, got 1}}
  %0 = tg.conv %x, %w strides = [1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_dilation_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'tg.conv' op expected 2 dilation values for 2 spatial dimensions, got 3}}
  %0 = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1, 1] group = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_pad_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'tg.conv' op expected 4 pad values for 2 spatial dimensions, got 2}}
  %0 = tg.conv %x, %w strides = [1, 1] pads = [1, 1] dilations = [1, 1] group = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_stride_value(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'tg.conv' op strides must be >= 1, got [0, 1]}}
  %0 = tg.conv %x, %w strides = [0, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_dilation_value(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'tg.conv' op dilations must be >= 1, got [1, 0]}}
  %0 = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 0] group = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_pad_value(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'tg.conv' op pads must be >= 0, got [0, -1, 0, 0]}}
  %0 = tg.conv %x, %w strides = [1, 1] pads = [0, -1, 0, 0] dilations = [1, 1] group = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_window(%x: tensor<1x3x2x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'tg.conv' op window of extent 5 does not fit the padded input extent 2 of spatial dimension 0}}
  %0 = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [2, 1] group = 1 : tensor<1x3x2x8xf32>, tensor<4x3x3x3xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'tg.conv' op bias must have shape [4], got [3]}}
  %0 = tg.conv %x, %w, %b strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @conv_types(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf16>) {
  // expected-error @+1 {{'tg.conv' op operands must have one element type, got 'f32' and 'f16'}}
  %0 = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf16>
  return
}

// -----

func.func @conv_transpose_rank(%x: tensor<1x4xf32>, %w: tensor<4x2xf32>) {
  // expected-error @+1 {{'tg.conv_transpose' op input must have rank >= 3 (N x C x spatial...), got [1, 4]}}
  %0 = tg.conv_transpose %x, %w strides = [] pads = [] output_padding = [] dilations = [] group = 1 : tensor<1x4xf32>, tensor<4x2xf32>
  return
}

// -----

func.func @conv_transpose_weight_rank(%x: tensor<1x4x3xf32>, %w: tensor<4x2xf32>) {
  // expected-error @+1 {{'tg.conv_transpose' op weight [4, 2] must have the rank of input [1, 4, 3]}}
  %0 = tg.conv_transpose %x, %w strides = [1] pads = [0, 0] output_padding = [0] dilations = [1] group = 1 : tensor<1x4x3xf32>, tensor<4x2xf32>
  return
}

// -----

func.func @conv_transpose_group(%x: tensor<1x4x3xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{'tg.conv_transpose' op group must be >= 1, got -2}}
  %0 = tg.conv_transpose %x, %w strides = [1] pads = [0, 0] output_padding = [0] dilations = [1] group = -2 : tensor<1x4x3xf32>, tensor<4x2x3xf32>
  return
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x4x3xf32>, %w: tensor<5x2x3xf32>) {
  // expected-error @+1 {{'tg.conv_transpose' op input channels 4 must equal weight dim 0 (5)}}
  %0 = tg.conv_transpose %x, %w strides = [1] pads = [0, 0] output_padding = [0] dilations = [1] group = 1 : tensor<1x4x3xf32>, tensor<5x2x3xf32>
  return
}

// -----

func.func @conv_transpose_group_divisibility(%x: tensor<1x4x3xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{'tg.conv_transpose' op input channels 4 are not divisible by group 3}}
  %0 = tg.conv_transpose %x, %w strides = [1] pads = [0, 0] output_padding = [0] dilations = [1] group = 3 : tensor<1x4x3xf32>, tensor<4x2x3xf32>
  return
}

// -----

func.func @conv_transpose_window(%x: tensor<1x4x3xf32>, %w: tensor<4x2x0xf32>) {
  // expected-error @+1 {{'tg.conv_transpose' op kernel sizes must be >= 1, got [0]}}
  %0 = tg.conv_transpose %x, %w strides = [1] pads = [0, 0] output_padding = [0] dilations = [1] group = 1 : tensor<1x4x3xf32>, tensor<4x2x0xf32>
  return
}

// -----

func.func @conv_transpose_output_padding_count(%x: tensor<1x4x3xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{'tg.conv_transpose' op expected 1 output_padding values, got 2}}
  %0 = tg.conv_transpose %x, %w strides = [1] pads = [0, 0] output_padding = [0, 0] dilations = [1] group = 1 : tensor<1x4x3xf32>, tensor<4x2x3xf32>
  return
}

// -----

func.func @conv_transpose_output_padding_value(%x: tensor<1x4x3xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{'tg.conv_transpose' op output_padding must be >= 0, got [-1]}}
  %0 = tg.conv_transpose %x, %w strides = [1] pads = [0, 0] output_padding = [-1] dilations = [1] group = 1 : tensor<1x4x3xf32>, tensor<4x2x3xf32>
  return
}

// -----

func.func @conv_transpose_no_output(%x: tensor<1x4x1xf32>, %w: tensor<4x2x1xf32>) {
  // expected-error @+1 {{'tg.conv_transpose' op pads [1, 0] leave no output along spatial dimension 0}}
  %0 = tg.conv_transpose %x, %w strides = [1] pads = [1, 0] output_padding = [0] dilations = [1] group = 1 : tensor<1x4x1xf32>, tensor<4x2x1xf32>
  return
}

// -----

func.func @conv_transpose_bias(%x: tensor<1x4x3xf32>, %w: tensor<4x2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'tg.conv_transpose' op bias must have shape [2], got [4]}}
  %0 = tg.conv_transpose %x, %w, %b strides = [1] pads = [0, 0] output_padding = [0] dilations = [1] group = 1 : tensor<1x4x3xf32>, tensor<4x2x3xf32>, tensor<4xf32>
  return
}

// -----

func.func @pool_rank(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'tg.max_pool' op input must have rank >= 3 (N x C x spatial...), got [8, 8]}}
  %0 = tg.max_pool %x kernel = [2] strides = [1] pads = [0, 0] dilations = [1] : tensor<8x8xf32>
  return
}

// -----

func.func @pool_kernel_count(%x: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{'tg.avg_pool' op expected 2 kernel values for 2 spatial dimensions, got 1}}
  %0 = tg.avg_pool %x kernel = [2] strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] : tensor<1x1x8x8xf32>
  return
}

// -----

func.func @pool_pads(%x: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{'tg.max_pool' op pads [0, 2, 0, 0] must be smaller than the kernel [2, 2]}}
  %0 = tg.max_pool %x kernel = [2, 2] strides = [1, 1] pads = [0, 2, 0, 0] dilations = [1, 1] : tensor<1x1x8x8xf32>
  return
}

// -----

func.func @pool_window(%x: tensor<1x1x2x8xf32>) {
  // expected-error @+1 {{'tg.max_pool' op window of extent 3 does not fit the padded input extent 2 of spatial dimension 0}}
  %0 = tg.max_pool %x kernel = [3, 3] strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] : tensor<1x1x2x8xf32>
  return
}

// -----

func.func @global_pool_rank(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'tg.global_avg_pool' op input must have rank >= 3 (N x C x spatial...), got [8, 8]}}
  %0 = tg.global_avg_pool %x : tensor<8x8xf32>
  return
}

// -----

func.func @batch_norm_rank(%x: tensor<8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{'tg.batch_norm' op input must have rank >= 2 (N x C x ...), got [8]}}
  %0 = tg.batch_norm %x, %p, %p, %p, %p : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @batch_norm_params(%x: tensor<1x8x2x2xf32>, %p: tensor<8xf32>, %q: tensor<4xf32>) {
  // expected-error @+1 {{'tg.batch_norm' op mean must have shape [8], got [4]}}
  %0 = tg.batch_norm %x, %p, %p, %q, %p : tensor<1x8x2x2xf32>, tensor<8xf32>, tensor<8xf32>, tensor<4xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_axis(%x: tensor<2x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'tg.layer_norm' op axis 2 is out of range [0, 2)}}
  %0 = tg.layer_norm %x, %s axis = 2 : tensor<2x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @layer_norm_scale(%x: tensor<2x4xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{'tg.layer_norm' op scale [2] does not broadcast to the normalized shape [4]}}
  %0 = tg.layer_norm %x, %s axis = 1 : tensor<2x4xf32>, tensor<2xf32>
  return
}

// -----

func.func @layer_norm_bias(%x: tensor<2x4xf32>, %s: tensor<4xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{'tg.layer_norm' op bias [2, 4] does not broadcast to the normalized shape [4]}}
  %0 = tg.layer_norm %x, %s, %b axis = 1 : tensor<2x4xf32>, tensor<4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'tg.softmax' op axis 2 is out of range [0, 2)}}
  %0 = tg.softmax %x axis = 2 : tensor<2x4xf32>
  return
}

// -----

func.func @log_softmax_axis(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'tg.log_softmax' op axis -1 is out of range [0, 2)}}
  %0 = tg.log_softmax %x axis = -1 : tensor<2x4xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.reshape' op input 'tensor<2x3xf32>' and result 'tensor<7xf32>' have different element counts}}
  %0 = tg.reshape %x : tensor<2x3xf32> -> tensor<7xf32>
  return
}

// -----

func.func @reshape_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.reshape' op result element type 'i32' differs from input element type 'f32'}}
  %0 = tg.reshape %x : tensor<2x3xf32> -> tensor<6xi32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'tg.transpose' op perm [0, 0, 1] is not a permutation of [0, 3)}}
  %0 = tg.transpose %x perm = [0, 0, 1] : tensor<2x3x4xf32>
  return
}

// -----

func.func @transpose_perm_size(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'tg.transpose' op perm [1, 0] is not a permutation of [0, 3)}}
  %0 = tg.transpose %x perm = [1, 0] : tensor<2x3x4xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.concat' op axis 2 is out of range [0, 2)}}
  %0 = tg.concat %a, %a axis = 2 : tensor<2x3xf32>, tensor<2x3xf32>
  return
}

// -----

func.func @concat_types(%a: tensor<2x3xf32>, %b: tensor<2x3xf16>) {
  // expected-error @+1 {{'tg.concat' op inputs must have one element type}}
  %0 = tg.concat %a, %b axis = 0 : tensor<2x3xf32>, tensor<2x3xf16>
  return
}

// -----

func.func @concat_shapes(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{'tg.concat' op input 1 shape [2, 4] does not match [2, 3] outside axis 0}}
  %0 = tg.concat %a, %b axis = 0 : tensor<2x3xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+2 {{'tg.concat' op failed to infer returned types}}
  // expected-error @+1 {{'tg.concat' op expects an input}}
  %0 = "tg.concat"() {axis = 0 : i64} : () -> tensor<2xf32>
  return
}

// -----

func.func @slice_counts(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'tg.slice' op offsets, sizes and steps need 2 values each (the input rank)}}
  %0 = tg.slice %x offsets = [0] sizes = [4, 5] steps = [1, 1] : tensor<4x10xf32>
  return
}

// -----

func.func @slice_step(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'tg.slice' op step of dimension 1 is zero}}
  %0 = tg.slice %x offsets = [0, 0] sizes = [4, 5] steps = [1, 0] : tensor<4x10xf32>
  return
}

// -----

func.func @slice_size(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'tg.slice' op size of dimension 0 is negative}}
  %0 = tg.slice %x offsets = [0, 0] sizes = [-1, 5] steps = [1, 1] : tensor<4x10xf32>
  return
}

// -----

func.func @slice_bounds(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'tg.slice' op dimension 1 reads indices 1 to -7, outside [0, 10)}}
  %0 = tg.slice %x offsets = [0, 1] sizes = [4, 5] steps = [1, -2] : tensor<4x10xf32>
  return
}

// -----

func.func @gather_axis(%x: tensor<4x10xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{'tg.gather' op axis 2 is out of range [0, 2)}}
  %0 = tg.gather %x, %i axis = 2 : tensor<4x10xf32>, tensor<3xi64>
  return
}

// -----

func.func @gather_index_type(%x: tensor<4x10xf32>, %i: tensor<3xf32>) {
  // expected-error @+1 {{'tg.gather' op operand #1 must be static tensor of i32 or i64, but got 'tensor<3xf32>'}}
  %0 = "tg.gather"(%x, %i) {axis = 0 : i64} : (tensor<4x10xf32>, tensor<3xf32>) -> tensor<3x10xf32>
  return
}

// -----

func.func @pad_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.pad' op expected 4 pads for rank 2, got 2}}
  %0 = tg.pad %x mode = constant pads = [1, 1] : tensor<2x3xf32>
  return
}

// -----

func.func @pad_value_mode(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.pad' op a pad value is only allowed in constant mode}}
  %0 = tg.pad %x mode = edge pads = [1, 1, 1, 1] {value = 1.0 : f32} : tensor<2x3xf32>
  return
}

// -----

func.func @pad_value_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.pad' op pad value must be a scalar of the element type}}
  %0 = tg.pad %x mode = constant pads = [1, 1, 1, 1] {value = 1 : i32} : tensor<2x3xf32>
  return
}

// -----

func.func @pad_reflect(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.pad' op pads 2, 0 of dimension 0 (size 2) are too large for reflect mode}}
  %0 = tg.pad %x mode = reflect pads = [2, 0, 0, 0] : tensor<2x3xf32>
  return
}

// -----

func.func @pad_wrap(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.pad' op pads 0, 4 of dimension 1 (size 3) are too large for wrap mode}}
  %0 = tg.pad %x mode = wrap pads = [0, 0, 0, 4] : tensor<2x3xf32>
  return
}

// -----

func.func @pad_edge(%x: tensor<0x3xf32>) {
  // expected-error @+1 {{'tg.pad' op pads 1, 0 of dimension 0 (size 0) are too large for edge mode}}
  %0 = tg.pad %x mode = edge pads = [1, 0, 0, 0] : tensor<0x3xf32>
  return
}

// -----

func.func @pad_negative(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.pad' op negative pads remove more than dimension 1 holds}}
  %0 = tg.pad %x mode = constant pads = [0, -2, 0, -2] : tensor<2x3xf32>
  return
}

// -----

func.func @resize_type(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{'tg.resize' op result element type 'f16' differs from input element type 'f32'}}
  %0 = tg.resize %x mode = nearest coordinate_mode = asymmetric nearest_mode = floor scales = [1.0, 1.0, 2.0, 2.0] : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf16>
  return
}

// -----

func.func @resize_rank(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{'tg.resize' op result rank 3 differs from input rank 4}}
  %0 = tg.resize %x mode = nearest coordinate_mode = asymmetric nearest_mode = floor scales = [1.0, 1.0, 2.0, 2.0] : tensor<1x1x2x2xf32> -> tensor<1x4x4xf32>
  return
}

// -----

func.func @resize_scale_count(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{'tg.resize' op expected 4 scales, got 2}}
  %0 = tg.resize %x mode = nearest coordinate_mode = asymmetric nearest_mode = floor scales = [2.0, 2.0] : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf32>
  return
}

// -----

func.func @resize_scale_sign(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{'tg.resize' op scale -1.000000e+00 of dimension 1 must be positive}}
  %0 = tg.resize %x mode = nearest coordinate_mode = asymmetric nearest_mode = floor scales = [1.0, -1.0, 2.0, 2.0] : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf32>
  return
}

// -----

func.func @resize_scale_shape(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{'tg.resize' op result dimension 3 (5) does not match input size 2 times scale 2.000000e+00}}
  %0 = tg.resize %x mode = nearest coordinate_mode = asymmetric nearest_mode = floor scales = [1.0, 1.0, 2.0, 2.0] : tensor<1x1x2x2xf32> -> tensor<1x1x4x5xf32>
  return
}

// -----

func.func @resize_linear_int(%x: tensor<1x1x2x2xi32>) {
  // expected-error @+1 {{'tg.resize' op linear resize needs a floating-point element type}}
  %0 = tg.resize %x mode = linear coordinate_mode = asymmetric nearest_mode = floor scales = [1.0, 1.0, 2.0, 2.0] : tensor<1x1x2x2xi32> -> tensor<1x1x4x4xi32>
  return
}

// -----

func.func @resize_antialias(%x: tensor<1x1x4x4xf32>) {
  // expected-error @+1 {{'tg.resize' op antialias needs linear or cubic mode}}
  %0 = tg.resize %x mode = nearest coordinate_mode = asymmetric nearest_mode = floor scales = [1.0, 1.0, 0.5, 0.5] {antialias} : tensor<1x1x4x4xf32> -> tensor<1x1x2x2xf32>
  return
}

// -----

func.func @resize_crop_roi(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{'tg.resize' op tf_crop_and_resize needs roi}}
  %0 = tg.resize %x mode = linear coordinate_mode = tf_crop_and_resize nearest_mode = floor scales = [1.0, 1.0, 2.0, 2.0] : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf32>
  return
}

// -----

func.func @resize_roi_unused(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{'tg.resize' op roi is only used by tf_crop_and_resize}}
  %0 = tg.resize %x mode = linear coordinate_mode = half_pixel nearest_mode = floor scales = [1.0, 1.0, 2.0, 2.0] {roi = array<f32: 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0>} : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf32>
  return
}

// -----

func.func @resize_roi_count(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{'tg.resize' op expected 8 roi values, got 4}}
  %0 = tg.resize %x mode = linear coordinate_mode = tf_crop_and_resize nearest_mode = floor scales = [1.0, 1.0, 2.0, 2.0] {roi = array<f32: 0.0, 0.0, 1.0, 1.0>} : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf32>
  return
}

// -----

func.func @cast_shape(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.cast' op input 'tensor<2x3xf32>' and result 'tensor<3x2xi32>' have different shapes}}
  %0 = tg.cast %x : tensor<2x3xf32> -> tensor<3x2xi32>
  return
}

// -----

func.func @expand_shape(%x: tensor<3x2xf32>) {
  // expected-error @+1 {{'tg.expand' op input shape [3, 2] does not broadcast to result shape [2, 3, 4]}}
  %0 = tg.expand %x : tensor<3x2xf32> -> tensor<2x3x4xf32>
  return
}

// -----

func.func @expand_type(%x: tensor<3x1xf32>) {
  // expected-error @+1 {{'tg.expand' op result element type 'i64' differs from input element type 'f32'}}
  %0 = tg.expand %x : tensor<3x1xf32> -> tensor<3x4xi64>
  return
}

// -----

func.func @squeeze_size(%x: tensor<1x3xf32>) {
  // expected-error @+1 {{'tg.squeeze' op cannot squeeze dimension 1 of size 3}}
  %0 = tg.squeeze %x axes = [1] : tensor<1x3xf32>
  return
}

// -----

func.func @squeeze_axes(%x: tensor<1x3xf32>) {
  // expected-error @+1 {{'tg.squeeze' op axis 2 is out of range [0, 2)}}
  %0 = tg.squeeze %x axes = [2] : tensor<1x3xf32>
  return
}

// -----

func.func @unsqueeze_axes(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.unsqueeze' op axes [3, 1] must be strictly increasing}}
  %0 = tg.unsqueeze %x axes = [3, 1] : tensor<2x3xf32>
  return
}

// -----

func.func @flatten_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.flatten' op axis 3 is out of range [0, 2]}}
  %0 = tg.flatten %x axis = 3 : tensor<2x3xf32>
  return
}

// -----

func.func @split_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.split' op axis 2 is out of range [0, 2)}}
  %0:2 = tg.split %x axis = 2 sizes = [1, 1] : tensor<2x3xf32>
  return
}

// -----

func.func @split_empty(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.split' op needs at least one size}}
  %0 = tg.split %x axis = 0 sizes = [] : tensor<2x3xf32>
  return
}

// -----

func.func @split_negative(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.split' op sizes [4, -1] must be >= 0}}
  %0:2 = tg.split %x axis = 1 sizes = [4, -1] : tensor<2x3xf32>
  return
}

// -----

func.func @split_total(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.split' op sizes [1, 1] add up to 2, not to dimension 1 of size 3}}
  %0:2 = tg.split %x axis = 1 sizes = [1, 1] : tensor<2x3xf32>
  return
}

// -----

func.func @constant_type() {
  // expected-error @+1 {{'tg.constant' op result #0 must be static tensor of float, integer or i1, but got 'tensor<2xi128>'}}
  %0 = tg.constant dense<1> : tensor<2xi128>
  return
}

// -----

func.func @gather_elements_rank(%d: tensor<3x4xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{'tg.gather_elements' op indices [3] must have the rank of data [3, 4]}}
  %0 = tg.gather_elements %d, %i axis = 0 : tensor<3x4xf32>, tensor<3xi64>
  return
}

// -----

func.func @gather_elements_axis(%d: tensor<3x4xf32>, %i: tensor<3x4xi64>) {
  // expected-error @+1 {{'tg.gather_elements' op axis 2 is out of range [0, 2)}}
  %0 = tg.gather_elements %d, %i axis = 2 : tensor<3x4xf32>, tensor<3x4xi64>
  return
}

// -----

func.func @gather_elements_extent(%d: tensor<3x4xf32>, %i: tensor<5x4xi64>) {
  // expected-error @+1 {{'tg.gather_elements' op indices [5, 4] exceed data [3, 4] in dimension 0}}
  %0 = tg.gather_elements %d, %i axis = 1 : tensor<3x4xf32>, tensor<5x4xi64>
  return
}

// -----

func.func @mod_float(%x: tensor<4xf32>) {
  // expected-error @+1 {{'tg.mod' op on floats needs fmod (as ONNX requires)}}
  %0 = tg.mod %x, %x : tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @arg_max_axis(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{'tg.arg_max' op axis 2 is out of range [0, 2)}}
  %0 = tg.arg_max %x axis = 2 : tensor<2x5xf32>
  return
}

// -----

func.func @bit_shift_signed(%x: tensor<4xi8>) {
  // expected-error @+1 {{'tg.bit_shift' op operand #0 must be static tensor of unsigned integers, but got 'tensor<4xi8>'}}
  %0 = "tg.bit_shift"(%x, %x) : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  return
}

// -----

func.func @gather_nd_too_deep(%d: tensor<3x4xf32>, %i: tensor<2x3xi64>) {
  // expected-error @+1 {{'tg.gather_nd' op indices [2, 3] address 3 dimensions of data [3, 4] after 0 batch dimensions}}
  %0 = tg.gather_nd %d, %i batch_dims = 0 : tensor<3x4xf32>, tensor<2x3xi64>
  return
}

// -----

func.func @gather_nd_batch(%d: tensor<3x4xf32>, %i: tensor<2x1xi64>) {
  // expected-error @+1 {{'tg.gather_nd' op batch dimension 0 differs: data [3, 4], indices [2, 1]}}
  %0 = tg.gather_nd %d, %i batch_dims = 1 : tensor<3x4xf32>, tensor<2x1xi64>
  return
}

// -----

func.func @scatter_elements_shapes(%d: tensor<3x4xf32>, %i: tensor<3x2xi64>, %u: tensor<3x3xf32>) {
  // expected-error @+1 {{'tg.scatter_elements' op indices [3, 2] and updates [3, 3] must have the same shape}}
  %0 = tg.scatter_elements %d, %i, %u axis = 1 reduction = none : tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x3xf32>
  return
}

// -----

func.func @scatter_bool_add(%d: tensor<4xi1>, %i: tensor<2x1xi64>, %u: tensor<2xi1>) {
  // expected-error @+1 {{'tg.scatter_nd' op reduction add is not defined on booleans}}
  %0 = tg.scatter_nd %d, %i, %u reduction = add : tensor<4xi1>, tensor<2x1xi64>, tensor<2xi1>
  return
}

// -----

func.func @scatter_nd_updates(%d: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) {
  // expected-error @+1 {{'tg.scatter_nd' op updates [2, 3] must have shape [2, 4]}}
  %0 = tg.scatter_nd %d, %i, %u reduction = none : tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x3xf32>
  return
}

// -----

func.func @top_k_too_many(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{'tg.top_k' op k = 5 must be in [0, 4], the size of axis 1}}
  %v, %i = tg.top_k %x k = 5 axis = 1 : tensor<3x4xf32>
  return
}

// -----

func.func @non_max_suppression_unbounded(%b: tensor<1x5x4xf32>, %s: tensor<1x2x5xf32>, %m: tensor<1xi64>, %iou: tensor<1xf32>) {
  // expected-error @+1 {{'tg.non_max_suppression' op selected must be S x 3 with S at most 10 (batch x classes x boxes)}}
  %sel, %n = tg.non_max_suppression %b, %s, %m, %iou : (tensor<1x5x4xf32>, tensor<1x2x5xf32>, tensor<1xi64>, tensor<1xf32>) -> (tensor<11x3xi64>, tensor<i64>)
  return
}

// -----

func.func @non_max_suppression_scores(%b: tensor<1x5x4xf32>, %s: tensor<1x2x4xf32>, %m: tensor<1xi64>, %iou: tensor<1xf32>) {
  // expected-error @+1 {{'tg.non_max_suppression' op scores must be batch x classes x boxes, 1 x C x 5}}
  %sel, %n = tg.non_max_suppression %b, %s, %m, %iou : (tensor<1x5x4xf32>, tensor<1x2x4xf32>, tensor<1xi64>, tensor<1xf32>) -> (tensor<10x3xi64>, tensor<i64>)
  return
}

// -----

func.func @unique_not_a_matrix(%x: tensor<6xi32>) {
  // expected-error @+1 {{'tg.unique' op input must be a matrix (rows x row length), got rank 1}}
  %v, %i, %inv, %c, %n = tg.unique %x : tensor<6xi32>
  return
}

// -----

func.func @quantize_expressed(%x: tensor<4xf16>) {
  // expected-error @+1 {{'tg.quantize' op the quantized type is expressed in 'f32', the float tensor holds 'f16'}}
  %0 = tg.quantize %x : tensor<4xf16> -> tensor<4x!quant.uniform<u8:f32, 0.5:3>>
  return
}

// -----

func.func @quantize_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'tg.quantize' op input 'tensor<4xf32>' and result 'tensor<5x!quant.uniform<u8:f32, 5.000000e-01:3>>' have different shapes}}
  %0 = tg.quantize %x : tensor<4xf32> -> tensor<5x!quant.uniform<u8:f32, 0.5:3>>
  return
}

// -----

func.func @dequantize_axis_count(%q: tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) {
  // expected-error @+1 {{'tg.dequantize' op has 2 scales along dimension 1, which has size 3}}
  %0 = tg.dequantize %q : tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.25}>> -> tensor<2x3xf32>
  return
}

// -----

func.func @dequantize_axis_rank(%q: tensor<2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) {
  // expected-error @+1 {{'tg.dequantize' op quantized dimension 1 is outside a rank-1 tensor}}
  %0 = tg.dequantize %q : tensor<2x!quant.uniform<i8:f32:1, {0.5, 0.25}>> -> tensor<2xf32>
  return
}

// -----

func.func @quantized_storage_range(%x: tensor<4xf32>) {
  // expected-error @+1 {{'tg.quantize' op result #0 must be static tensor of !quant.uniform values}}
  %0 = tg.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<u8<1:200>:f32, 0.5:3>>
  return
}

// -----

func.func @storage_cast_signedness(%x: tensor<4xi8>) {
  // expected-error @+1 {{'tg.storage_cast' op '!quant.uniform<u8:f32, 5.000000e-01:3>' is stored as 'ui8', not 'i8'}}
  %0 = tg.storage_cast %x : tensor<4xi8> -> tensor<4x!quant.uniform<u8:f32, 0.5:3>>
  return
}

// -----

func.func @storage_cast_sides(%x: tensor<4xi8>) {
  // expected-error @+1 {{'tg.storage_cast' op casts between a quantized tensor and its storage integers; both sides are integers}}
  %0 = tg.storage_cast %x : tensor<4xi8> -> tensor<4xui8>
  return
}

// -----

func.func @matmul_integer_width(%a: tensor<2x3xi16>, %b: tensor<3x4xi8>) {
  // expected-error @+1 {{'tg.matmul_integer' op operands must be i8 or ui8, got 16-bit elements}}
  %0 = tg.matmul_integer %a, %b : tensor<2x3xi16>, tensor<3x4xi8>
  return
}
