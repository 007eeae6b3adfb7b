// A tk kernel still on tensors (bufferization did not run): the CPU
// lowering refuses it with one error (convert-tk-to-cpu.mlir, TENSORS).
func.func @unbufferized(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = tk.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
