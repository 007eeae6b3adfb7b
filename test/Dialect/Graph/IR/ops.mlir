// Every tg op parses, verifies, prints and parses again, in the custom and in
// the generic form.
// RUN: tessera-opt %s --split-input-file | tessera-opt --split-input-file | FileCheck %s
// RUN: tessera-opt %s --split-input-file --mlir-print-op-generic | tessera-opt --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @constant_and_matmul
func.func @constant_and_matmul(%a: tensor<8x1x64x32xf32>, %b: tensor<4x32x16xf32>, %v: tensor<32xf32>)
    -> (tensor<8x4x64x16xf32>, tensor<8x1x64xf32>, tensor<2x2xi64>) {
  // CHECK: %[[C:.+]] = tg.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi64>
  %c = tg.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  // CHECK: tg.matmul %{{.+}}, %{{.+}} : tensor<8x1x64x32xf32>, tensor<4x32x16xf32>
  %0 = tg.matmul %a, %b : tensor<8x1x64x32xf32>, tensor<4x32x16xf32>
  // CHECK: tg.matmul %{{.+}}, %{{.+}} : tensor<8x1x64x32xf32>, tensor<32xf32>
  %1 = tg.matmul %a, %v : tensor<8x1x64x32xf32>, tensor<32xf32>
  // CHECK: return %{{.+}}, %{{.+}}, %[[C]] : tensor<8x4x64x16xf32>, tensor<8x1x64xf32>, tensor<2x2xi64>
  return %0, %1, %c : tensor<8x4x64x16xf32>, tensor<8x1x64xf32>, tensor<2x2xi64>
}

// -----

// CHECK-LABEL: func.func @convolutions
func.func @convolutions(%x: tensor<1x3x224x224xf32>, %w: tensor<32x3x3x3xf32>, %b: tensor<32xf32>,
                        %dw: tensor<32x1x3x3xf32>, %t: tensor<1x16x8x8xf32>, %tw: tensor<16x8x3x3xf32>,
                        %x1: tensor<2x4x9xf16>, %w1: tensor<8x2x3xf16>)
    -> (tensor<1x32x112x112xf32>, tensor<1x32x56x56xf32>, tensor<1x8x16x16xf32>, tensor<2x8x5xf16>) {
  // CHECK: tg.conv %{{.+}}, %{{.+}}, %{{.+}} strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] group = 1 : tensor<1x3x224x224xf32>, tensor<32x3x3x3xf32>, tensor<32xf32>
  %0 = tg.conv %x, %w, %b strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] group = 1
         : tensor<1x3x224x224xf32>, tensor<32x3x3x3xf32>, tensor<32xf32>
  // CHECK: tg.conv %{{.+}}, %{{.+}} strides = [2, 2] pads = [2, 2, 1, 1] dilations = [2, 2] group = 32 : tensor<1x32x112x112xf32>, tensor<32x1x3x3xf32>
  %1 = tg.conv %0, %dw strides = [2, 2] pads = [2, 2, 1, 1] dilations = [2, 2] group = 32
         : tensor<1x32x112x112xf32>, tensor<32x1x3x3xf32>
  // CHECK: tg.conv_transpose %{{.+}}, %{{.+}} strides = [2, 2] pads = [1, 1, 1, 1] output_padding = [1, 1] dilations = [1, 1] group = 1 : tensor<1x16x8x8xf32>, tensor<16x8x3x3xf32>
  %2 = tg.conv_transpose %t, %tw strides = [2, 2] pads = [1, 1, 1, 1] output_padding = [1, 1]
         dilations = [1, 1] group = 1 : tensor<1x16x8x8xf32>, tensor<16x8x3x3xf32>
  // CHECK: tg.conv %{{.+}}, %{{.+}} strides = [2] pads = [1, 1] dilations = [1] group = 2 : tensor<2x4x9xf16>, tensor<8x2x3xf16>
  %3 = tg.conv %x1, %w1 strides = [2] pads = [1, 1] dilations = [1] group = 2
         : tensor<2x4x9xf16>, tensor<8x2x3xf16>
  return %0, %1, %2, %3 : tensor<1x32x112x112xf32>, tensor<1x32x56x56xf32>, tensor<1x8x16x16xf32>, tensor<2x8x5xf16>
}

// -----

// CHECK-LABEL: func.func @conv_transpose_bias
func.func @conv_transpose_bias(%x: tensor<1x4x3x3x3xf32>, %w: tensor<4x3x2x2x2xf32>, %b: tensor<6xf32>) -> tensor<1x6x4x4x4xf32> {
  // CHECK: tg.conv_transpose %{{.+}}, %{{.+}}, %{{.+}} strides = [1, 1, 1] pads = [0, 0, 0, 0, 0, 0] output_padding = [0, 0, 0] dilations = [1, 1, 1] group = 2
  %0 = tg.conv_transpose %x, %w, %b strides = [1, 1, 1] pads = [0, 0, 0, 0, 0, 0] output_padding = [0, 0, 0]
         dilations = [1, 1, 1] group = 2 : tensor<1x4x3x3x3xf32>, tensor<4x3x2x2x2xf32>, tensor<6xf32>
  return %0 : tensor<1x6x4x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @pooling
func.func @pooling(%x: tensor<1x64x112x112xf32>, %y: tensor<1x8x5x5xf32>)
    -> (tensor<1x64x56x56xf32>, tensor<1x8x3x3xf32>, tensor<1x64x1x1xf32>, tensor<1x8x1x1xf32>) {
  // CHECK: tg.max_pool %{{.+}} kernel = [3, 3] strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] : tensor<1x64x112x112xf32>
  %0 = tg.max_pool %x kernel = [3, 3] strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] : tensor<1x64x112x112xf32>
  // CHECK: tg.avg_pool %{{.+}} kernel = [2, 2] strides = [2, 2] pads = [0, 0, 0, 0] dilations = [1, 1] ceil_mode {count_include_pad} : tensor<1x8x5x5xf32>
  %1 = tg.avg_pool %y kernel = [2, 2] strides = [2, 2] pads = [0, 0, 0, 0] dilations = [1, 1] ceil_mode {count_include_pad} : tensor<1x8x5x5xf32>
  // CHECK: tg.global_avg_pool %{{.+}} : tensor<1x64x112x112xf32>
  %2 = tg.global_avg_pool %x : tensor<1x64x112x112xf32>
  // CHECK: tg.global_max_pool %{{.+}} : tensor<1x8x5x5xf32>
  %3 = tg.global_max_pool %y : tensor<1x8x5x5xf32>
  return %0, %1, %2, %3 : tensor<1x64x56x56xf32>, tensor<1x8x3x3xf32>, tensor<1x64x1x1xf32>, tensor<1x8x1x1xf32>
}

// -----

// CHECK-LABEL: func.func @normalization
func.func @normalization(%x: tensor<1x16x8x8xf32>, %p: tensor<16xf32>, %t: tensor<2x128x768xf32>, %g: tensor<768xf32>)
    -> (tensor<1x16x8x8xf32>, tensor<2x128x768xf32>, tensor<2x128x768xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) {
  // CHECK: tg.batch_norm %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {epsilon = 1.000000e-03 : f32} : tensor<1x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>
  %0 = tg.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-3 : f32}
         : tensor<1x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>
  // CHECK: tg.layer_norm %{{.+}}, %{{.+}}, %{{.+}} axis = 2 : tensor<2x128x768xf32>, tensor<768xf32>, tensor<768xf32>
  %1 = tg.layer_norm %t, %g, %g axis = 2 : tensor<2x128x768xf32>, tensor<768xf32>, tensor<768xf32>
  // CHECK: tg.layer_norm %{{.+}}, %{{.+}} axis = 2 {epsilon = 9.99999997E-7 : f32} : tensor<2x128x768xf32>, tensor<768xf32>
  %2 = tg.layer_norm %t, %g axis = 2 {epsilon = 1.0e-6 : f32} : tensor<2x128x768xf32>, tensor<768xf32>
  // CHECK: tg.softmax %{{.+}} axis = 1 : tensor<1x16x8x8xf32>
  %3 = tg.softmax %x axis = 1 : tensor<1x16x8x8xf32>
  // CHECK: tg.log_softmax %{{.+}} axis = 3 : tensor<1x16x8x8xf32>
  %4 = tg.log_softmax %x axis = 3 : tensor<1x16x8x8xf32>
  return %0, %1, %2, %3, %4 : tensor<1x16x8x8xf32>, tensor<2x128x768xf32>, tensor<2x128x768xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<2x3xf32>, %i: tensor<4xi32>) -> (tensor<2x3xf32>, tensor<4xi32>) {
  // CHECK: tg.relu %{{.+}} : tensor<2x3xf32>
  %0 = tg.relu %x : tensor<2x3xf32>
  // CHECK: tg.sigmoid
  %1 = tg.sigmoid %0 : tensor<2x3xf32>
  // CHECK: tg.tanh
  %2 = tg.tanh %1 : tensor<2x3xf32>
  // CHECK: tg.exp
  %3 = tg.exp %2 : tensor<2x3xf32>
  // CHECK: tg.log
  %4 = tg.log %3 : tensor<2x3xf32>
  // CHECK: tg.sqrt
  %5 = tg.sqrt %4 : tensor<2x3xf32>
  // CHECK: tg.abs
  %6 = tg.abs %5 : tensor<2x3xf32>
  // CHECK: tg.neg
  %7 = tg.neg %6 : tensor<2x3xf32>
  // CHECK: tg.erf
  %8 = tg.erf %7 : tensor<2x3xf32>
  // CHECK: tg.floor
  %9 = tg.floor %8 : tensor<2x3xf32>
  // CHECK: tg.ceil
  %10 = tg.ceil %9 : tensor<2x3xf32>
  // CHECK: tg.reciprocal
  %11 = tg.reciprocal %10 : tensor<2x3xf32>
  // CHECK: tg.hard_swish
  %12 = tg.hard_swish %11 : tensor<2x3xf32>
  // CHECK: tg.hard_sigmoid %{{.+}} : tensor<2x3xf32>
  %13 = tg.hard_sigmoid %12 : tensor<2x3xf32>
  // CHECK: tg.hard_sigmoid %{{.+}} {alpha = 0.166666672 : f32} : tensor<2x3xf32>
  %14 = tg.hard_sigmoid %13 {alpha = 0.1666666666 : f32} : tensor<2x3xf32>
  // CHECK: tg.leaky_relu %{{.+}} {alpha = 1.000000e-01 : f32} : tensor<2x3xf32>
  %15 = tg.leaky_relu %14 {alpha = 0.1 : f32} : tensor<2x3xf32>
  // CHECK: tg.gelu %{{.+}} : tensor<2x3xf32>
  %16 = tg.gelu %15 : tensor<2x3xf32>
  // CHECK: tg.gelu %{{.+}} {approximate_tanh} : tensor<2x3xf32>
  %17 = tg.gelu %16 {approximate_tanh} : tensor<2x3xf32>
  // CHECK: tg.clip %{{.+}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<2x3xf32>
  %18 = tg.clip %17 {min = 0.0 : f32, max = 6.0 : f32} : tensor<2x3xf32>
  // CHECK: tg.clip %{{.+}} {min = -3 : i32} : tensor<4xi32>
  %19 = tg.clip %i {min = -3 : i32} : tensor<4xi32>
  // CHECK: tg.relu %{{.+}} : tensor<4xi32>
  %20 = tg.relu %19 : tensor<4xi32>
  // CHECK: tg.abs %{{.+}} : tensor<4xi32>
  %21 = tg.abs %20 : tensor<4xi32>
  return %18, %21 : tensor<2x3xf32>, tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @binary
func.func @binary(%x: tensor<2x3xf32>, %y: tensor<3xf32>, %s: tensor<f32>, %e: tensor<i64>, %u: tensor<4xui8>)
    -> (tensor<2x3xf32>, tensor<2x3xi1>, tensor<4xui8>) {
  // CHECK: tg.add %{{.+}}, %{{.+}} : tensor<2x3xf32>, tensor<3xf32>
  %0 = tg.add %x, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: tg.sub %{{.+}}, %{{.+}} : tensor<3xf32>, tensor<2x3xf32>
  %1 = tg.sub %y, %0 : tensor<3xf32>, tensor<2x3xf32>
  // CHECK: tg.mul %{{.+}}, %{{.+}} : tensor<2x3xf32>, tensor<f32>
  %2 = tg.mul %1, %s : tensor<2x3xf32>, tensor<f32>
  // CHECK: tg.div
  %3 = tg.div %2, %s : tensor<2x3xf32>, tensor<f32>
  // CHECK: tg.pow %{{.+}}, %{{.+}} : tensor<2x3xf32>, tensor<i64>
  %4 = tg.pow %3, %e : tensor<2x3xf32>, tensor<i64>
  // CHECK: tg.max
  %5 = tg.max %4, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: tg.min
  %6 = tg.min %5, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: tg.compare eq
  %7 = tg.compare eq, %6, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: tg.compare lt
  %8 = tg.compare lt, %6, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: tg.compare le
  %9 = tg.compare le, %6, %y : tensor<2x3xf32>, tensor<3xf32>
  // CHECK: tg.compare gt
  %10 = tg.compare gt, %6, %s : tensor<2x3xf32>, tensor<f32>
  // CHECK: tg.compare ge
  %11 = tg.compare ge, %6, %s : tensor<2x3xf32>, tensor<f32>
  // CHECK: tg.compare eq, %{{.+}}, %{{.+}} : tensor<2x3xi1>, tensor<2x3xi1>
  %12 = tg.compare eq, %10, %11 : tensor<2x3xi1>, tensor<2x3xi1>
  // CHECK: tg.where %{{.+}}, %{{.+}}, %{{.+}} : tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>
  %13 = tg.where %12, %6, %s : tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>
  // CHECK: tg.add %{{.+}}, %{{.+}} : tensor<4xui8>, tensor<4xui8>
  %14 = tg.add %u, %u : tensor<4xui8>, tensor<4xui8>
  return %13, %9, %14 : tensor<2x3xf32>, tensor<2x3xi1>, tensor<4xui8>
}

// -----

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<1x8x4x4xf32>, %i: tensor<3x5xi64>)
    -> (tensor<1x8x1x1xf32>, tensor<1x8xf32>, tensor<4x4xf32>, tensor<1x8x4xf32>, tensor<5xi64>, tensor<1x8x4x4xf32>) {
  // CHECK: tg.reduce_mean %{{.+}} axes = [2, 3] keepdims : tensor<1x8x4x4xf32>
  %0 = tg.reduce_mean %x axes = [2, 3] keepdims : tensor<1x8x4x4xf32>
  // CHECK: tg.reduce_sum %{{.+}} axes = [2, 3] : tensor<1x8x4x4xf32>
  %1 = tg.reduce_sum %x axes = [2, 3] : tensor<1x8x4x4xf32>
  // CHECK: tg.reduce_max %{{.+}} axes = [0, 1] : tensor<1x8x4x4xf32>
  %2 = tg.reduce_max %x axes = [0, 1] : tensor<1x8x4x4xf32>
  // CHECK: tg.reduce_min %{{.+}} axes = [3] : tensor<1x8x4x4xf32>
  %3 = tg.reduce_min %x axes = [3] : tensor<1x8x4x4xf32>
  // CHECK: tg.reduce_prod %{{.+}} axes = [0] : tensor<3x5xi64>
  %4 = tg.reduce_prod %i axes = [0] : tensor<3x5xi64>
  // CHECK: tg.reduce_sum %{{.+}} axes = [] : tensor<1x8x4x4xf32>
  %5 = tg.reduce_sum %x axes = [] : tensor<1x8x4x4xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<1x8x1x1xf32>, tensor<1x8xf32>, tensor<4x4xf32>, tensor<1x8x4xf32>, tensor<5xi64>, tensor<1x8x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<1x3x8x8xf32>, %a: tensor<1x8x4x4xf32>, %b: tensor<1x16x4x4xf32>,
                         %t: tensor<1000x64xf32>, %ids: tensor<1x16xi64>, %m: tensor<4x10xf32>)
    -> (tensor<1x192xf32>, tensor<1x8x8x3xf32>, tensor<1x24x4x4xf32>, tensor<4x5xf32>, tensor<1x16x64xf32>,
        tensor<1x3x10x10xf32>, tensor<1x3x6x6xf32>) {
  // CHECK: tg.reshape %{{.+}} : tensor<1x3x8x8xf32> -> tensor<1x192xf32>
  %0 = tg.reshape %x : tensor<1x3x8x8xf32> -> tensor<1x192xf32>
  // CHECK: tg.transpose %{{.+}} perm = [0, 2, 3, 1] : tensor<1x3x8x8xf32>
  %1 = tg.transpose %x perm = [0, 2, 3, 1] : tensor<1x3x8x8xf32>
  // CHECK: tg.concat %{{.+}}, %{{.+}} axis = 1 : tensor<1x8x4x4xf32>, tensor<1x16x4x4xf32>
  %2 = tg.concat %a, %b axis = 1 : tensor<1x8x4x4xf32>, tensor<1x16x4x4xf32>
  // CHECK: tg.slice %{{.+}} offsets = [0, 9] sizes = [4, 5] steps = [1, -2] : tensor<4x10xf32>
  %3 = tg.slice %m offsets = [0, 9] sizes = [4, 5] steps = [1, -2] : tensor<4x10xf32>
  // CHECK: tg.gather %{{.+}}, %{{.+}} axis = 0 : tensor<1000x64xf32>, tensor<1x16xi64>
  %4 = tg.gather %t, %ids axis = 0 : tensor<1000x64xf32>, tensor<1x16xi64>
  // CHECK: tg.pad %{{.+}} mode = reflect pads = [0, 0, 1, 1, 0, 0, 1, 1] : tensor<1x3x8x8xf32>
  %5 = tg.pad %x mode = reflect pads = [0, 0, 1, 1, 0, 0, 1, 1] : tensor<1x3x8x8xf32>
  // CHECK: tg.pad %{{.+}} mode = constant pads = [0, 0, -1, -1, 0, 0, -1, -1] {value = 5.000000e-01 : f32} : tensor<1x3x8x8xf32>
  %6 = tg.pad %x mode = constant pads = [0, 0, -1, -1, 0, 0, -1, -1] {value = 0.5 : f32} : tensor<1x3x8x8xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<1x192xf32>, tensor<1x8x8x3xf32>, tensor<1x24x4x4xf32>, tensor<4x5xf32>,
      tensor<1x16x64xf32>, tensor<1x3x10x10xf32>, tensor<1x3x6x6xf32>
}

// -----

// CHECK-LABEL: func.func @pad_modes
func.func @pad_modes(%x: tensor<2x3xi64>) -> (tensor<4x7xi64>, tensor<4x7xi64>, tensor<2x6xi64>) {
  // CHECK: tg.pad %{{.+}} mode = edge pads = [1, 2, 1, 2] : tensor<2x3xi64>
  %0 = tg.pad %x mode = edge pads = [1, 2, 1, 2] : tensor<2x3xi64>
  // CHECK: tg.pad %{{.+}} mode = wrap pads = [1, 2, 1, 2] : tensor<2x3xi64>
  %1 = tg.pad %x mode = wrap pads = [1, 2, 1, 2] : tensor<2x3xi64>
  // CHECK: tg.pad %{{.+}} mode = constant pads = [0, 3, 0, 0] {value = -1 : i64} : tensor<2x3xi64>
  %2 = tg.pad %x mode = constant pads = [0, 3, 0, 0] {value = -1 : i64} : tensor<2x3xi64>
  return %0, %1, %2 : tensor<4x7xi64>, tensor<4x7xi64>, tensor<2x6xi64>
}

// -----

// CHECK-LABEL: func.func @resize
func.func @resize(%x: tensor<1x8x4x4xf32>, %i: tensor<1x1x3x3xui8>)
    -> (tensor<1x8x8x8xf32>, tensor<1x8x2x2xf32>, tensor<1x8x6x6xf32>, tensor<1x1x7x7xui8>) {
  // CHECK: tg.resize %{{.+}} mode = nearest coordinate_mode = asymmetric nearest_mode = floor scales = [1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00] : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
  %0 = tg.resize %x mode = nearest coordinate_mode = asymmetric nearest_mode = floor
         scales = [1.0, 1.0, 2.0, 2.0] : tensor<1x8x4x4xf32> -> tensor<1x8x8x8xf32>
  // CHECK: tg.resize %{{.+}} mode = linear coordinate_mode = half_pixel nearest_mode = round_prefer_floor scales = [1.000000e+00, 1.000000e+00, 5.000000e-01, 5.000000e-01] {antialias} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  %1 = tg.resize %x mode = linear coordinate_mode = half_pixel nearest_mode = round_prefer_floor
         scales = [1.0, 1.0, 0.5, 0.5] {antialias} : tensor<1x8x4x4xf32> -> tensor<1x8x2x2xf32>
  // CHECK: tg.resize %{{.+}} mode = cubic coordinate_mode = tf_crop_and_resize nearest_mode = round_prefer_ceil scales = [1.000000e+00, 1.000000e+00, 1.500000e+00, 1.500000e+00] {cubic_coeff_a = -5.000000e-01 : f32, exclude_outside, extrapolation_value = 1.000000e+01 : f32, roi = array<f32: 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00>}
  %2 = tg.resize %x mode = cubic coordinate_mode = tf_crop_and_resize nearest_mode = round_prefer_ceil
         scales = [1.0, 1.0, 1.5, 1.5]
         {cubic_coeff_a = -0.5 : f32, exclude_outside, extrapolation_value = 10.0 : f32,
          roi = array<f32: 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0>}
         : tensor<1x8x4x4xf32> -> tensor<1x8x6x6xf32>
  // Sizes that are not a whole multiple: 3 * 2.333 = 7.
  // CHECK: tg.resize %{{.+}} mode = nearest coordinate_mode = pytorch_half_pixel nearest_mode = ceil
  %3 = tg.resize %i mode = nearest coordinate_mode = pytorch_half_pixel nearest_mode = ceil
         scales = [1.0, 1.0, 2.33333325, 2.33333325] : tensor<1x1x3x3xui8> -> tensor<1x1x7x7xui8>
  return %0, %1, %2, %3 : tensor<1x8x8x8xf32>, tensor<1x8x2x2xf32>, tensor<1x8x6x6xf32>, tensor<1x1x7x7xui8>
}

// -----

// CHECK-LABEL: func.func @shape_ops
func.func @shape_ops(%x: tensor<1x64x1x1xf32>, %v: tensor<3x1xf32>, %m: tensor<8x4xf32>, %i: tensor<2x3xi64>)
    -> (tensor<2x3x4xf32>, tensor<2x3xf32>, tensor<1x64xf32>, tensor<1x8x4x1xf32>, tensor<1x64xf32>,
        tensor<1x16x1x1xf32>, tensor<1x48x1x1xf32>, tensor<2x3xi1>) {
  // CHECK: tg.expand %{{.+}} : tensor<3x1xf32> -> tensor<2x3x4xf32>
  %0 = tg.expand %v : tensor<3x1xf32> -> tensor<2x3x4xf32>
  // CHECK: tg.cast %{{.+}} : tensor<2x3xi64> -> tensor<2x3xf32>
  %1 = tg.cast %i : tensor<2x3xi64> -> tensor<2x3xf32>
  // CHECK: tg.squeeze %{{.+}} axes = [2, 3] : tensor<1x64x1x1xf32>
  %2 = tg.squeeze %x axes = [2, 3] : tensor<1x64x1x1xf32>
  // CHECK: tg.unsqueeze %{{.+}} axes = [0, 3] : tensor<8x4xf32>
  %3 = tg.unsqueeze %m axes = [0, 3] : tensor<8x4xf32>
  // CHECK: tg.flatten %{{.+}} axis = 1 : tensor<1x64x1x1xf32>
  %4 = tg.flatten %x axis = 1 : tensor<1x64x1x1xf32>
  // CHECK: tg.split %{{.+}} axis = 1 sizes = [16, 48] : tensor<1x64x1x1xf32>
  %5:2 = tg.split %x axis = 1 sizes = [16, 48] : tensor<1x64x1x1xf32>
  // CHECK: tg.cast %{{.+}} : tensor<2x3xi64> -> tensor<2x3xi1>
  %6 = tg.cast %i : tensor<2x3xi64> -> tensor<2x3xi1>
  return %0, %1, %2, %3, %4, %5#0, %5#1, %6 : tensor<2x3x4xf32>, tensor<2x3xf32>, tensor<1x64xf32>, tensor<1x8x4x1xf32>,
      tensor<1x64xf32>, tensor<1x16x1x1xf32>, tensor<1x48x1x1xf32>, tensor<2x3xi1>
}

// -----

// CHECK-LABEL: func.func @integer_max_pool
func.func @integer_max_pool(%x: tensor<1x2x5xui8>) -> tensor<1x2x3xui8> {
  // CHECK: tg.max_pool %{{.+}} kernel = [2] strides = [2] pads = [1, 1] dilations = [1] : tensor<1x2x5xui8>
  %0 = tg.max_pool %x kernel = [2] strides = [2] pads = [1, 1] dilations = [1] : tensor<1x2x5xui8>
  return %0 : tensor<1x2x3xui8>
}

// -----

// CHECK-LABEL: func.func @gather_elements
func.func @gather_elements(%d: tensor<3x4xf32>, %i: tensor<3x2xi64>) -> tensor<3x2xf32> {
  // CHECK: tg.gather_elements %{{.+}}, %{{.+}} axis = 1 : tensor<3x4xf32>, tensor<3x2xi64>
  %0 = tg.gather_elements %d, %i axis = 1 : tensor<3x4xf32>, tensor<3x2xi64>
  return %0 : tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func.func @more_elementwise
func.func @more_elementwise(%x: tensor<4xf32>, %i: tensor<4xi32>, %u: tensor<4xui8>)
    -> (tensor<4xf32>, tensor<4xi32>, tensor<4xui8>, tensor<4xf32>) {
  // CHECK: tg.sin
  %0 = tg.sin %x : tensor<4xf32>
  // CHECK: tg.atanh
  %1 = tg.atanh %0 : tensor<4xf32>
  // CHECK: tg.round
  %2 = tg.round %1 : tensor<4xf32>
  // CHECK: tg.mod %{{.+}}, %{{.+}} : tensor<4xi32>, tensor<4xi32>
  %3 = tg.mod %i, %i : tensor<4xi32>, tensor<4xi32>
  // CHECK: tg.mod %{{.+}}, %{{.+}} {fmod} : tensor<4xf32>, tensor<4xf32>
  %4 = tg.mod %2, %x {fmod} : tensor<4xf32>, tensor<4xf32>
  // CHECK: tg.bitwise_xor
  %5 = tg.bitwise_xor %3, %i : tensor<4xi32>, tensor<4xi32>
  // CHECK: tg.bitwise_not
  %6 = tg.bitwise_not %5 : tensor<4xi32>
  // CHECK: tg.bit_shift %{{.+}}, %{{.+}} {left} : tensor<4xui8>, tensor<4xui8>
  %7 = tg.bit_shift %u, %u {left} : tensor<4xui8>, tensor<4xui8>
  return %4, %6, %7, %0 : tensor<4xf32>, tensor<4xi32>, tensor<4xui8>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @arg_reductions
func.func @arg_reductions(%x: tensor<2x5xf32>) -> (tensor<2x1xi64>, tensor<5xi64>) {
  // CHECK: tg.arg_max %{{.+}} axis = 1 keepdims : tensor<2x5xf32>
  %0 = tg.arg_max %x axis = 1 keepdims : tensor<2x5xf32>
  // CHECK: tg.arg_min %{{.+}} axis = 0 {select_last_index} : tensor<2x5xf32>
  %1 = tg.arg_min %x axis = 0 {select_last_index} : tensor<2x5xf32>
  return %0, %1 : tensor<2x1xi64>, tensor<5xi64>
}

// CHECK-LABEL: func.func @gather_nd
func.func @gather_nd(%d: tensor<2x4x5xf32>, %i: tensor<2x3x1xi64>) -> tensor<2x3x5xf32> {
  // CHECK: tg.gather_nd %{{.+}}, %{{.+}} batch_dims = 1 : tensor<2x4x5xf32>, tensor<2x3x1xi64>
  %0 = tg.gather_nd %d, %i batch_dims = 1 : tensor<2x4x5xf32>, tensor<2x3x1xi64>
  return %0 : tensor<2x3x5xf32>
}

// CHECK-LABEL: func.func @scatter_elements
func.func @scatter_elements(%d: tensor<3x4xf32>, %i: tensor<3x2xi64>, %u: tensor<3x2xf32>) -> tensor<3x4xf32> {
  // CHECK: tg.scatter_elements %{{.+}}, %{{.+}}, %{{.+}} axis = 1 reduction = add : tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>
  %0 = tg.scatter_elements %d, %i, %u axis = 1 reduction = add : tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>
  return %0 : tensor<3x4xf32>
}

// CHECK-LABEL: func.func @scatter_nd
func.func @scatter_nd(%d: tensor<4x4xi32>, %i: tensor<2x1xi64>, %u: tensor<2x4xi32>) -> tensor<4x4xi32> {
  // CHECK: tg.scatter_nd %{{.+}}, %{{.+}}, %{{.+}} reduction = none : tensor<4x4xi32>, tensor<2x1xi64>, tensor<2x4xi32>
  %0 = tg.scatter_nd %d, %i, %u reduction = none : tensor<4x4xi32>, tensor<2x1xi64>, tensor<2x4xi32>
  return %0 : tensor<4x4xi32>
}

// CHECK-LABEL: func.func @top_k
func.func @top_k(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  // CHECK: tg.top_k %{{.+}} k = 2 axis = 1 largest : tensor<3x4xf32>
  %v, %i = tg.top_k %x k = 2 axis = 1 largest : tensor<3x4xf32>
  return %v, %i : tensor<3x2xf32>, tensor<3x2xi64>
}

// The positions are bounded by the element count: rank x numElements.
// CHECK-LABEL: func.func @non_zero
func.func @non_zero(%x: tensor<2x3x4xi1>) -> (tensor<3x24xi64>, tensor<i64>) {
  // CHECK: tg.non_zero %{{.+}} : tensor<2x3x4xi1>
  %i, %n = tg.non_zero %x : tensor<2x3x4xi1>
  return %i, %n : tensor<3x24xi64>, tensor<i64>
}

// Distinct rows of a matrix: values like the input, the others by row.
// CHECK-LABEL: func.func @unique
func.func @unique(%x: tensor<6x2xi32>) -> (tensor<6x2xi32>, tensor<6xi64>, tensor<6xi64>, tensor<6xi64>, tensor<i64>) {
  // CHECK: tg.unique %{{.+}} sorted : tensor<6x2xi32>
  %v, %i, %inv, %c, %n = tg.unique %x sorted : tensor<6x2xi32>
  return %v, %i, %inv, %c, %n : tensor<6x2xi32>, tensor<6xi64>, tensor<6xi64>, tensor<6xi64>, tensor<i64>
}

// CHECK-LABEL: func.func @non_max_suppression
func.func @non_max_suppression(%b: tensor<2x5x4xf32>, %s: tensor<2x3x5xf32>, %m: tensor<1xi64>, %iou: tensor<1xf32>, %t: tensor<f32>) -> (tensor<30x3xi64>, tensor<i64>) {
  // CHECK: tg.non_max_suppression %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} center_point_box :
  %sel, %n = tg.non_max_suppression %b, %s, %m, %iou, %t center_point_box : (tensor<2x5x4xf32>, tensor<2x3x5xf32>, tensor<1xi64>, tensor<1xf32>, tensor<f32>) -> (tensor<30x3xi64>, tensor<i64>)
  // CHECK: tg.non_max_suppression %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} :
  %sel2, %n2 = tg.non_max_suppression %b, %s, %m, %iou : (tensor<2x5x4xf32>, tensor<2x3x5xf32>, tensor<1xi64>, tensor<1xf32>) -> (tensor<12x3xi64>, tensor<i64>)
  return %sel, %n : tensor<30x3xi64>, tensor<i64>
}

// -----

// CHECK-LABEL: func.func @quantized
func.func @quantized(%x: tensor<4x8xf32>, %w: tensor<8x16xi8>, %s: tensor<4x8xui8>)
    -> (tensor<4x8xf32>, tensor<8x16xf32>, tensor<4x16xi32>) {
  // CHECK: tg.quantize %{{.+}} : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<u8:f32, 5.000000e-02:128>>
  %q = tg.quantize %x : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<u8:f32, 0.05:128>>
  // CHECK: tg.dequantize %{{.+}} : tensor<4x8x!quant.uniform<u8:f32, 5.000000e-02:128>> -> tensor<4x8xf32>
  %d = tg.dequantize %q : tensor<4x8x!quant.uniform<u8:f32, 0.05:128>> -> tensor<4x8xf32>
  // CHECK: tg.storage_cast %{{.+}} : tensor<8x16xi8> -> tensor<8x16x!quant.uniform<i8:f32:1, {
  %wq = tg.storage_cast %w : tensor<8x16xi8> -> tensor<8x16x!quant.uniform<i8:f32:1, {0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.2}>>
  %wd = tg.dequantize %wq : tensor<8x16x!quant.uniform<i8:f32:1, {0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.2}>> -> tensor<8x16xf32>
  // CHECK: tg.matmul_integer %{{.+}}, %{{.+}} : tensor<4x8xui8>, tensor<8x16xi8>
  %a = tg.matmul_integer %s, %w : tensor<4x8xui8>, tensor<8x16xi8>
  return %d, %wd, %a : tensor<4x8xf32>, tensor<8x16xf32>, tensor<4x16xi32>
}
