// RUN: tessera-opt %s --split-input-file --verify-diagnostics

func.func @map_count(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{expects one indexing map per operand (3), got 2}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @too_few_loops(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{expects at least 3 loops (m, n, k), got 2}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>)
      maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (k, m)>, affine_map<(m, k) -> (m, m)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @mixed(%a: tensor<2x3xf32>, %b: memref<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{expects all operands to be tensors or all memrefs}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, memref<3x4xf32>) outs(%c : tensor<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @memref_result(%a: memref<2x3xf32>, %b: memref<3x4xf32>, %c: memref<2x4xf32>) {
  // expected-error @+1 {{on memrefs returns no result}}
  %0 = tk.matmul ins(%a, %b : memref<2x3xf32>, memref<3x4xf32>) outs(%c : memref<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x4xf32>
  return
}

// -----

func.func @rank(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{map of rhs has 1 results for an operand of rank 2}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @nonlinear(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{map of lhs has result d0 mod 2, which is not 0 or a sum of distinct dims with positive coefficients}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m mod 2, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @lhs_reads_n(%a: tensor<2x4xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{map of lhs must not read loop d1}}
  %0 = tk.matmul ins(%a, %b : tensor<2x4xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m, n)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @init_reads_k(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{map of init must not read loop d2}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x3xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, k)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @no_extent(%a: tensor<2x3xf32>, %b: tensor<3x8xf32>, %c: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{loop d0 is not read whole by any operand (no map result is d0)}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x8xf32>) outs(%c : tensor<2x8xf32>)
      maps = [affine_map<(h, m, n, k) -> (m, k)>, affine_map<(h, m, n, k) -> (k, h * 4 + n)>, affine_map<(h, m, n, k) -> (m, h * 4 + n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @out_of_bounds(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %bias: tensor<3xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{map of epilogue input 0 reads index 3 of dim 0, whose size is 3}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) epilogue_ins(%bias : tensor<3xf32>) outs(%c : tensor<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32, %x: f32):
    tk.yield %acc : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @init_not_bijective(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<8x1xf32>) -> tensor<8x1xf32> {
  // expected-error @+1 {{init map result d0 * 2 + d1 is not a mixed-radix combination of its loops}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<8x1xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m * 2 + n, 0)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}

// -----

func.func @init_misses_loop(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x1xf32>) -> tensor<2x1xf32> {
  // expected-error @+1 {{init map must use loop d1 exactly once}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x1xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, 0)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

func.func @element_types(%a: tensor<2x3xf32>, %b: tensor<3x4xf16>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{lhs and rhs element types differ}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf16>) outs(%c : tensor<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @epilogue_arguments(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{epilogue expects 1 arguments (the accumulator, then one per epilogue input), got 2}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32, %x: f32):
    tk.yield %acc : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @epilogue_yield(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{epilogue yields 'i1', the output holds 'f32'}}
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    %z = arith.constant 0.0 : f32
    %p = arith.cmpf ogt, %acc, %z : f32
    tk.yield %p : i1
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @bad_tile(%a: memref<2x3xf32>, %b: memref<3x4xf32>, %c: memref<2x4xf32>) {
  tk.matmul ins(%a, %b : memref<2x3xf32>, memref<3x4xf32>) outs(%c : memref<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      // expected-error @+1 {{nr (12) must be a multiple of lanes (8)}}
      attributes {config = #tk.cpu_tile<lanes = 8, mr = 6, nr = 12, kc = 256, mc = 240, parallel = false>} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// expected-error @+1 {{a task function takes (begin: index, end: index, captured...) and has a body}}
func.func private @task(%begin: index) attributes {tk.task} {
  return
}

// -----

// expected-error @+1 {{a dispatch is a declaration taking (n: index, captured...)}}
func.func private @dispatch(f32) attributes {tk.task = @task}

// -----

// expected-error @+1 {{'tk.task' is a unit (a task) or a symbol reference (a dispatch), got 3 : i64}}
func.func private @dispatch(index) attributes {tk.task = 3}

// -----

// expected-error @+1 {{'tk.workspace_size' must be a non-negative i64, got -1 : i64}}
func.func @model() attributes {tk.workspace_size = -1} {
  return
}

// -----

// expected-error @+1 {{'tk.checks' is an array of strings on a function}}
func.func @model() attributes {tk.checks = ["ok", 3]} {
  return
}

// -----

func.func @model() {
  // expected-error @+1 {{'tk.status' (unit) marks the allocation of a memref<i32> at a function's top level}}
  %s = memref.alloc() {tk.status} : memref<2xi32>
  return
}

// -----

// expected-error @+1 {{'tk.status_offset' must be a non-negative i64, got -64 : i64}}
func.func @model() attributes {tk.status_offset = -64} {
  return
}

// -----

// expected-error @+1 {{'tk.kernel_count' belongs on a module}}
func.func @model() attributes {tk.kernel_count = 1} {
  return
}

// -----

// expected-error @+1 {{unknown tk attribute 'tk.tile'}}
func.func @model() attributes {tk.tile = 1} {
  return
}

// -----

func.func @conv_rank(%x: tensor<1x2xf32>, %w: tensor<3x2xf32>, %y: tensor<1x3xf32>) -> tensor<1x3xf32> {
  // expected-error @+1 {{expects at least one spatial dimension, got input 'tensor<1x2xf32>'}}
  %0 = tk.conv ins(%x, %w : tensor<1x2xf32>, tensor<3x2xf32>) outs(%y : tensor<1x3xf32>)
      strides = [] dilations = [] pads = [] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

func.func @conv_attrs(%x: tensor<1x2x8xf32>, %w: tensor<3x2x3xf32>, %y: tensor<1x3x6xf32>) -> tensor<1x3x6xf32> {
  // expected-error @+1 {{expects 1 strides and dilations and 2 pads}}
  %0 = tk.conv ins(%x, %w : tensor<1x2x8xf32>, tensor<3x2x3xf32>) outs(%y : tensor<1x3x6xf32>)
      strides = [1, 1] dilations = [1] pads = [0, 0] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x3x6xf32>
  return %0 : tensor<1x3x6xf32>
}

// -----

func.func @conv_groups(%x: tensor<1x3x8xf32>, %w: tensor<4x1x3xf32>, %y: tensor<1x4x6xf32>) -> tensor<1x4x6xf32> {
  // expected-error @+1 {{groups (2) must divide the input (3) and output (4) channels}}
  %0 = tk.conv ins(%x, %w : tensor<1x3x8xf32>, tensor<4x1x3xf32>) outs(%y : tensor<1x4x6xf32>)
      strides = [1] dilations = [1] pads = [0, 0] groups = 2 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x4x6xf32>
  return %0 : tensor<1x4x6xf32>
}

// -----

func.func @conv_filter(%x: tensor<1x2x8xf32>, %w: tensor<2x3x3xf32>, %y: tensor<1x3x6xf32>) -> tensor<1x3x6xf32> {
  // expected-error @+1 {{filter 'tensor<2x3x3xf32>' must be F x C/groups x K... (3 x 2)}}
  %0 = tk.conv ins(%x, %w : tensor<1x2x8xf32>, tensor<2x3x3xf32>) outs(%y : tensor<1x3x6xf32>)
      strides = [1] dilations = [1] pads = [0, 0] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x3x6xf32>
  return %0 : tensor<1x3x6xf32>
}

// -----

func.func @conv_output(%x: tensor<1x2x8xf32>, %w: tensor<3x2x3xf32>, %y: tensor<1x3x7xf32>) -> tensor<1x3x7xf32> {
  // expected-error @+1 {{spatial dimension 0: output size 7 does not match input 8, window 3, stride 1 and pads}}
  %0 = tk.conv ins(%x, %w : tensor<1x2x8xf32>, tensor<3x2x3xf32>) outs(%y : tensor<1x3x7xf32>)
      strides = [1] dilations = [1] pads = [0, 0] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x3x7xf32>
  return %0 : tensor<1x3x7xf32>
}

// -----

func.func @conv_output_padding(%x: tensor<1x2x8xf32>, %w: tensor<2x3x2xf32>, %y: tensor<1x3x19xf32>) -> tensor<1x3x19xf32> {
  // expected-error @+1 {{spatial dimension 0: output size 19 needs output padding 3, which must lie in [0, 2)}}
  %0 = tk.conv ins(%x, %w : tensor<1x2x8xf32>, tensor<2x3x2xf32>) outs(%y : tensor<1x3x19xf32>)
      strides = [2] dilations = [1] pads = [0, 0] groups = 1 epilogue_maps = [] attributes {transposed} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x3x19xf32>
  return %0 : tensor<1x3x19xf32>
}

// -----

func.func @conv_epilogue_map(%x: tensor<1x2x8xf32>, %w: tensor<3x2x3xf32>, %b: tensor<6xf32>, %y: tensor<1x3x6xf32>) -> tensor<1x3x6xf32> {
  // expected-error @+1 {{epilogue input 0 dim 0 has size 6, the output dim it reads 3}}
  %0 = tk.conv ins(%x, %w : tensor<1x2x8xf32>, tensor<3x2x3xf32>) epilogue_ins(%b : tensor<6xf32>) outs(%y : tensor<1x3x6xf32>)
      strides = [1] dilations = [1] pads = [0, 0] groups = 1 epilogue_maps = [affine_map<(n, f, w) -> (f)>] epilogue {
  ^bb0(%acc: f32, %bias: f32):
    tk.yield %acc : f32
  } -> tensor<1x3x6xf32>
  return %0 : tensor<1x3x6xf32>
}

// -----

func.func @conv_f16(%x: tensor<1x2x8xf16>, %w: tensor<3x2x3xf16>, %y: tensor<1x3x6xf16>) -> tensor<1x3x6xf16> {
  // expected-error @+1 {{expects f32 input and filter (the only type the convolution kernels are generated for)}}
  %0 = tk.conv ins(%x, %w : tensor<1x2x8xf16>, tensor<3x2x3xf16>) outs(%y : tensor<1x3x6xf16>)
      strides = [1] dilations = [1] pads = [0, 0] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f16):
    tk.yield %acc : f16
  } -> tensor<1x3x6xf16>
  return %0 : tensor<1x3x6xf16>
}

// -----

func.func @reduce_axis(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 2 out of range for rank 2}}
  %0 = tk.reduce ins(%x : tensor<2x3xf32>) outs(%y : tensor<2x3xf32>) kind = softmax axis = 2 -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_softmax_params(%x: tensor<2x3xf32>, %g: tensor<3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{softmax kernels take no parameters}}
  %0 = tk.reduce ins(%x : tensor<2x3xf32>) params(%g : tensor<3xf32>) outs(%y : tensor<2x3xf32>) kind = softmax axis = 1 -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_norm_params(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{layer_norm takes a scale and an optional bias, got 0 parameters}}
  %0 = tk.reduce ins(%x : tensor<2x3xf32>) outs(%y : tensor<2x3xf32>) kind = layer_norm axis = 1 -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_norm_shape(%x: tensor<2x3xf32>, %g: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{norm parameters must be f32 shaped as the normalised dimensions, got 'tensor<2x3xf32>'}}
  %0 = tk.reduce ins(%x : tensor<2x3xf32>) params(%g : tensor<2x3xf32>) outs(%y : tensor<2x3xf32>) kind = layer_norm axis = 1 -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_f16(%x: tensor<2x3xf16>, %y: tensor<2x3xf16>) -> tensor<2x3xf16> {
  // expected-error @+1 {{expects f32 tensors (the only type the row kernels are generated for)}}
  %0 = tk.reduce ins(%x : tensor<2x3xf16>) outs(%y : tensor<2x3xf16>) kind = softmax axis = 1 -> tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

func.func @reduce_rms_params(%x: tensor<2x3xf32>, %g: tensor<3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{rms_norm takes an optional scale, got 2 parameters}}
  %0 = tk.reduce ins(%x : tensor<2x3xf32>) params(%g, %g : tensor<3xf32>, tensor<3xf32>) outs(%y : tensor<2x3xf32>) kind = rms_norm axis = 1 -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @pool_attrs(%x: tensor<1x2x8x8xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error @+1 {{expects 2 window sizes, strides and dilations and 4 pads}}
  %0 = tk.pool max ins(%x : tensor<1x2x8x8xf32>) outs(%y : tensor<1x2x4x4xf32>)
      window = [2] strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] epilogue_maps = [] epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  } -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

func.func @pool_window(%x: tensor<1x2x8x8xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error @+1 {{expects positive window sizes, strides and dilations and non-negative pads}}
  %0 = tk.pool max ins(%x : tensor<1x2x8x8xf32>) outs(%y : tensor<1x2x4x4xf32>)
      window = [0, 2] strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] epilogue_maps = [] epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  } -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

func.func @pool_channels(%x: tensor<1x2x8x8xf32>, %y: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+1 {{input and output differ in batch or channels}}
  %0 = tk.pool max ins(%x : tensor<1x2x8x8xf32>) outs(%y : tensor<1x3x4x4xf32>)
      window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] epilogue_maps = [] epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  } -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

func.func @pool_output(%x: tensor<1x2x8x8xf32>, %y: tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  // expected-error @+1 {{spatial dimension 0: output size 6 does not match input 8, window 2, stride 2 and pads}}
  %0 = tk.pool max ins(%x : tensor<1x2x8x8xf32>) outs(%y : tensor<1x2x6x4xf32>)
      window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] epilogue_maps = [] epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  } -> tensor<1x2x6x4xf32>
  return %0 : tensor<1x2x6x4xf32>
}

// -----

func.func @pool_map(%x: tensor<1x2x8x8xf32>, %c: tensor<4x5xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error @+1 {{epilogue input 0 dim 1 has size 5, the output dim it reads 4}}
  %0 = tk.pool sum ins(%x : tensor<1x2x8x8xf32>) epilogue_ins(%c : tensor<4x5xf32>) outs(%y : tensor<1x2x4x4xf32>)
      window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0]
      epilogue_maps = [affine_map<(n, c, h, w) -> (h, w)>] epilogue {
  ^bb0(%s: f32, %n: f32):
    %m = arith.divf %s, %n : f32
    tk.yield %m : f32
  } -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

func.func @pool_f64(%x: tensor<1x2x8x8xf64>, %y: tensor<1x2x4x4xf64>) -> tensor<1x2x4x4xf64> {
  // expected-error @+1 {{expects f32 input and output (the only type the window kernels are generated for)}}
  %0 = tk.pool max ins(%x : tensor<1x2x8x8xf64>) outs(%y : tensor<1x2x4x4xf64>)
      window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] epilogue_maps = [] epilogue {
  ^bb0(%m: f64):
    tk.yield %m : f64
  } -> tensor<1x2x4x4xf64>
  return %0 : tensor<1x2x4x4xf64>
}

// -----

func.func @fusion_maps(%x: memref<4xf32>, %y: memref<4xf32>) {
  // expected-error @+1 {{expects one map per input and one for init (2), got 1}}
  tk.fusion ins(%x : memref<4xf32>) outs(%y : memref<4xf32>) maps = [affine_map<(i) -> (i)>] body {
  ^bb0(%a: f32):
    tk.yield %a : f32
  }
  return
}

// -----

func.func @fusion_nonlinear(%x: memref<4xf32>, %y: memref<4xf32>) {
  // expected-error @+1 {{map 0 result d0 floordiv 2 is not 0 or a sum of distinct dims with positive coefficients}}
  tk.fusion ins(%x : memref<4xf32>) outs(%y : memref<4xf32>) maps = [affine_map<(i) -> (i floordiv 2)>, affine_map<(i) -> (i)>] body {
  ^bb0(%a: f32):
    tk.yield %a : f32
  }
  return
}

// -----

func.func @fusion_bounds(%x: memref<8xf32>, %y: memref<4x4xf32>) {
  // expected-error @+1 {{map 0 result d0 * 2 + d1 reaches index 9 of a dim of size 8}}
  tk.fusion ins(%x : memref<8xf32>) outs(%y : memref<4x4xf32>) maps = [affine_map<(i, j) -> (i * 2 + j)>, affine_map<(i, j) -> (i, j)>] body {
  ^bb0(%a: f32):
    tk.yield %a : f32
  }
  return
}

// -----

func.func @fusion_init(%x: memref<4x4xf32>, %y: memref<4x4xf32>) {
  // expected-error @+1 {{the init map must be the identity}}
  tk.fusion ins(%x : memref<4x4xf32>) outs(%y : memref<4x4xf32>) maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j, i)>] body {
  ^bb0(%a: f32):
    tk.yield %a : f32
  }
  return
}

// -----

func.func @fusion_args(%x: memref<4xf32>, %y: memref<4xf32>) {
  // expected-error @+1 {{body expects one argument per input (1), got 0}}
  tk.fusion ins(%x : memref<4xf32>) outs(%y : memref<4xf32>) maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>] body {
    %c = arith.constant 1.0 : f32
    tk.yield %c : f32
  }
  return
}

// -----

func.func @fusion_yield(%x: memref<4xf32>, %y: memref<4xi32>) {
  // expected-error @+1 {{body yields 'f32', the output holds 'i32'}}
  tk.fusion ins(%x : memref<4xf32>) outs(%y : memref<4xi32>) maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>] body {
  ^bb0(%a: f32):
    tk.yield %a : f32
  }
  return
}

// -----

func.func @window_config_nr(%x: memref<1x2x8xf32>, %w: memref<3x2x3xf32>, %y: memref<1x3x6xf32>) {
  // expected-error @+3 {{nr (12) must be a multiple of lanes (8)}}
  tk.conv ins(%x, %w : memref<1x2x8xf32>, memref<3x2x3xf32>) outs(%y : memref<1x3x6xf32>)
      strides = [1] dilations = [1] pads = [0, 0] groups = 1 epilogue_maps = []
      attributes {config = #tk.cpu_window<kernel = direct, lanes = 8, mr = 3, nr = 12, parallel = false>} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

func.func @window_config_packed(%x: memref<1x2x4x4x4xf32>, %w: memref<3x2x3x3x3xf32>, %y: memref<1x3x2x2x2xf32>) {
  // expected-error @+1 {{the packed kernel runs dense 1-D or 2-D direct convolutions only}}
  tk.conv ins(%x, %w : memref<1x2x4x4x4xf32>, memref<3x2x3x3x3xf32>) outs(%y : memref<1x3x2x2x2xf32>)
      strides = [1, 1, 1] dilations = [1, 1, 1] pads = [0, 0, 0, 0, 0, 0] groups = 1 epilogue_maps = []
      attributes {config = #tk.cpu_window<kernel = packed, lanes = 8, mr = 3, nr = 16, parallel = false>} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

func.func @window_config_window(%x: memref<1x2x8xf32>, %w: memref<3x2x3xf32>, %y: memref<1x3x6xf32>) {
  // expected-error @+1 {{the window kernel runs depthwise convolutions only (one filter per channel)}}
  tk.conv ins(%x, %w : memref<1x2x8xf32>, memref<3x2x3xf32>) outs(%y : memref<1x3x6xf32>)
      strides = [1] dilations = [1] pads = [0, 0] groups = 1 epilogue_maps = []
      attributes {config = #tk.cpu_window<kernel = window, lanes = 8, mr = 3, nr = 16, parallel = false>} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

func.func @window_config_pool(%x: memref<1x2x8x8xf32>, %y: memref<1x2x4x4xf32>) {
  // expected-error @+1 {{pools run on the window kernel, not direct}}
  tk.pool max ins(%x : memref<1x2x8x8xf32>) outs(%y : memref<1x2x4x4xf32>)
      window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] epilogue_maps = []
      attributes {config = #tk.cpu_window<kernel = direct, lanes = 8, mr = 4, nr = 16, parallel = false>} epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  }
  return
}

// -----

// expected-error @+1 {{'tk.profile_hook' is "begin" or "end" on a function declaration}}
func.func private @hook(i32) attributes {tk.profile_hook = "middle"}

// -----

// expected-error @+1 {{'tk.profile_hook' is "begin" or "end" on a function declaration}}
func.func @hook(%k: i32) attributes {tk.profile_hook = "begin"} {
  return
}

// -----

// expected-error @+1 {{'tk.profile_kernels' is an array of {name, kind, flops, bytes} on a module}}
module attributes {tk.profile_kernels = [{name = "a", kind = "tk.matmul", flops = -1 : i64, bytes = 0 : i64}]} {
}

// -----

// expected-error @+1 {{'tk.profile_kernels' is an array of {name, kind, flops, bytes} on a module}}
module attributes {tk.profile_kernels = [{name = "a", flops = 1 : i64, bytes = 0 : i64}]} {
}

// -----

// expected-error @+1 {{'tk.weights' is {base = @symbol, size, tensors = [{offset, value}]} on a module}}
module attributes {tk.weights = {base = @w, size = 64 : i64, tensors = [{offset = -64 : i64, value = dense<1.0> : tensor<16xf32>}]}} {
}

// -----

// expected-error @+1 {{'tk.weights' is {base = @symbol, size, tensors = [{offset, value}]} on a module}}
module attributes {tk.weights = {size = 64 : i64, tensors = []}} {
}

// -----

func.func @attention_key_reads_m(%q: memref<8x16xf32>, %k: memref<8x16xf32>,
                                 %v: memref<8x24xf32>, %o: memref<8x24xf32>) {
  // expected-error @+1 {{map of key must not read loop d0}}
  tk.attention ins(%q, %k, %v : memref<8x16xf32>, memref<8x16xf32>, memref<8x24xf32>)
      outs(%o : memref<8x24xf32>)
      maps = [affine_map<(m, n, d, e) -> (m, d)>, affine_map<(m, n, d, e) -> (m, d)>,
              affine_map<(m, n, d, e) -> (n, e)>, affine_map<(m, n, d, e) -> (m, e)>] score {
  ^bb0(%s: f32):
    tk.yield %s : f32
  }
  return
}

// -----

func.func @attention_too_few_loops(%q: memref<8x16xf32>, %k: memref<8x16xf32>,
                                   %v: memref<8x24xf32>, %o: memref<8x24xf32>) {
  // expected-error @+1 {{expects at least 4 loops (m, n, d, e), got 3}}
  tk.attention ins(%q, %k, %v : memref<8x16xf32>, memref<8x16xf32>, memref<8x24xf32>)
      outs(%o : memref<8x24xf32>)
      maps = [affine_map<(m, n, d) -> (m, d)>, affine_map<(m, n, d) -> (n, d)>,
              affine_map<(m, n, d) -> (n, d)>, affine_map<(m, n, d) -> (m, d)>] score {
  ^bb0(%s: f32):
    tk.yield %s : f32
  }
  return
}

// -----

func.func @attention_output_reads_keys(%q: memref<8x16xf32>, %k: memref<10x16xf32>,
                                       %v: memref<10x24xf32>, %o: memref<8x10xf32>) {
  // expected-error @+1 {{map of init must not read loop d1}}
  tk.attention ins(%q, %k, %v : memref<8x16xf32>, memref<10x16xf32>, memref<10x24xf32>)
      outs(%o : memref<8x10xf32>)
      maps = [affine_map<(m, n, d, e) -> (m, d)>, affine_map<(m, n, d, e) -> (n, d)>,
              affine_map<(m, n, d, e) -> (n, e)>, affine_map<(m, n, d, e) -> (m, n)>] score {
  ^bb0(%s: f32):
    tk.yield %s : f32
  }
  return
}

// -----

func.func @attention_f64(%q: memref<8x16xf64>, %k: memref<10x16xf64>,
                         %v: memref<10x24xf64>, %o: memref<8x24xf64>) {
  // expected-error @+1 {{expects f32 operands, got 'memref<8x16xf64>'}}
  tk.attention ins(%q, %k, %v : memref<8x16xf64>, memref<10x16xf64>, memref<10x24xf64>)
      outs(%o : memref<8x24xf64>)
      maps = [affine_map<(m, n, d, e) -> (m, d)>, affine_map<(m, n, d, e) -> (n, d)>,
              affine_map<(m, n, d, e) -> (n, e)>, affine_map<(m, n, d, e) -> (m, e)>] score {
  ^bb0(%s: f64):
    tk.yield %s : f64
  }
  return
}

// -----

func.func @attention_score_region_loads(%q: memref<8x16xf32>, %k: memref<10x16xf32>,
                                        %v: memref<10x24xf32>, %o: memref<8x24xf32>) {
  // expected-error @+1 {{score region must hold elementwise f32 ops}}
  tk.attention ins(%q, %k, %v : memref<8x16xf32>, memref<10x16xf32>, memref<10x24xf32>)
      outs(%o : memref<8x24xf32>)
      maps = [affine_map<(m, n, d, e) -> (m, d)>, affine_map<(m, n, d, e) -> (n, d)>,
              affine_map<(m, n, d, e) -> (n, e)>, affine_map<(m, n, d, e) -> (m, e)>] score {
  ^bb0(%s: f32):
    %i = arith.fptosi %s : f32 to i32
    %f = arith.sitofp %i : i32 to f32
    tk.yield %f : f32
  }
  return
}
