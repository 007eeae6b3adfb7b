// An elementwise sine: PTX has no instruction for it, so its kernel calls
// libdevice's __nv_sinf, linked from the CUDA toolkit.
func.func @sine(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %0 = tg.sin %x : tensor<4x64xf32>
  return %0 : tensor<4x64xf32>
}
