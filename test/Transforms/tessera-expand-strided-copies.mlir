// RUN: tessera-opt %s --pass-pipeline="builtin.module(func.func(tessera-expand-strided-copies))" | FileCheck %s

// CHECK-LABEL: func.func @copies
// CHECK: memref.copy %{{.+}}, %{{.+}} : memref<4x4xf32> to memref<4x4xf32>
// CHECK: linalg.copy ins(%{{.+}} : memref<2x4xf32, strided<[4, 1], offset: 8>>) outs(%{{.+}} : memref<2x4xf32>)
// CHECK-NOT: memref.copy
func.func @copies(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %c: memref<2x4xf32>) {
  memref.copy %a, %b : memref<4x4xf32> to memref<4x4xf32>
  %s = memref.subview %a[2, 0] [2, 4] [1, 1] : memref<4x4xf32> to memref<2x4xf32, strided<[4, 1], offset: 8>>
  memref.copy %s, %c : memref<2x4xf32, strided<[4, 1], offset: 8>> to memref<2x4xf32>
  return
}
