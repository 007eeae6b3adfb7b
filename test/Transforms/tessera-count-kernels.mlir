// RUN: tessera-opt %s --tessera-count-kernels | FileCheck %s

// Kernels of the model functions (tasks and declarations do not count): a
// fill of a whole buffer, the three fills of one padded buffer's border
// (one kernel), a copy, a top-level loop nest, and a parallel dispatch.
// CHECK: module attributes {tk.kernel_count = 5 : i64, tk.parallel_kernel_count = 1 : i64}
func.func private @__tessera_dispatch_model_task(index, memref<8xf32>) attributes {tk.task = @model_task}
func.func private @model_task(%begin: index, %end: index, %x: memref<8xf32>) attributes {tk.task} {
  scf.for %i = %begin to %end step %begin {
  }
  return
}
func.func @model(%x: memref<8xf32>, %y: memref<4x6xf32>, %z: memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  linalg.fill ins(%zero : f32) outs(%z : memref<8xf32>)
  %top = memref.subview %y[0, 0] [1, 6] [1, 1] : memref<4x6xf32> to memref<1x6xf32, strided<[6, 1]>>
  linalg.fill ins(%zero : f32) outs(%top : memref<1x6xf32, strided<[6, 1]>>)
  %bottom = memref.subview %y[3, 0] [1, 6] [1, 1] : memref<4x6xf32> to memref<1x6xf32, strided<[6, 1], offset: 18>>
  linalg.fill ins(%zero : f32) outs(%bottom : memref<1x6xf32, strided<[6, 1], offset: 18>>)
  %left = memref.subview %y[1, 0] [2, 1] [1, 1] : memref<4x6xf32> to memref<2x1xf32, strided<[6, 1], offset: 6>>
  linalg.fill ins(%zero : f32) outs(%left : memref<2x1xf32, strided<[6, 1], offset: 6>>)
  memref.copy %x, %z : memref<8xf32> to memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32>
    memref.store %v, %z[%i] : memref<8xf32>
  }
  call @__tessera_dispatch_model_task(%c8, %x) : (index, memref<8xf32>) -> ()
  return
}
