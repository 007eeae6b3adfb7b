// RUN: tessera-opt %s --tessera-profile-kernels | FileCheck %s

// The kernels tessera-count-kernels counts, each between a call of the begin
// hook and one of the end hook with its index, and described in order:
// its nodes (names in its ops' locations, the task's for a dispatch), its
// kind (the tk op a tagged location names, else the op), FLOPs (a tk kernel
// lowered to two passes is credited in the last; the first is its
// prologue), and the bytes of the buffers it touches, each once (a
// collapse_shape of a buffer is that buffer; a packed constant its task
// reads counts too; an index buffer counts 8 bytes an element).

// CHECK: module attributes {tk.profile_kernels = [
// CHECK-SAME: {bytes = 64 : i64, flops = 0 : i64, kind = "linalg.fill", name = "zero_out"},
// CHECK-SAME: {bytes = 32 : i64, flops = 0 : i64, kind = "linalg.fill", name = "pad_border"},
// CHECK-SAME: {bytes = 128 : i64, flops = 0 : i64, kind = "tk.matmul prologue", name = "mm_node"},
// CHECK-SAME: {bytes = 160 : i64, flops = 2048 : i64, kind = "tk.matmul", name = "mm_node, mm_bias"},
// CHECK-SAME: {bytes = 48 : i64, flops = 0 : i64, kind = "func.call", name = "relu_node"},
// CHECK-SAME: {bytes = 128 : i64, flops = 0 : i64, kind = "memref.copy", name = "(unnamed)"},
// CHECK-SAME: {bytes = 128 : i64, flops = 0 : i64, kind = "memref.copy", name = "indices"}]}
// CHECK-DAG: func.func private @__tk_profile_begin(i32) attributes {tk.profile_hook = "begin"}
// CHECK-DAG: func.func private @__tk_profile_end(i32) attributes {tk.profile_hook = "end"}

#info = {tk.kernel_info = {flops = 2048 : i64, id = 0 : i64, kind = "tk.matmul"}}
memref.global "private" constant @packed : memref<4xf32> = dense<1.0>
func.func private @__tessera_dispatch_model_task(index, memref<8xf32>) attributes {tk.task = @model_task}
func.func private @model_task(%begin: index, %end: index, %x: memref<8xf32>) attributes {tk.task} {
  %p = memref.get_global @packed : memref<4xf32> loc("relu_node")
  scf.for %i = %begin to %end step %begin {
  } loc("relu_node")
  return
}

// CHECK-LABEL: func.func @model
func.func @model(%x: memref<16xf32>, %y: memref<4x6xf32>, %z: memref<16xf32>, %w: memref<8xf32>,
                 %ia: memref<8xindex>, %ib: memref<8xindex>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  // CHECK: %[[K0:.+]] = arith.constant 0 : i32
  // CHECK-NEXT: call @__tk_profile_begin(%[[K0]])
  // CHECK-NEXT: linalg.fill
  // CHECK-NEXT: call @__tk_profile_end(%[[K0]])
  linalg.fill ins(%zero : f32) outs(%z : memref<16xf32>) loc("zero_out")
  // CHECK: call @__tk_profile_begin(%[[K1:.+]])
  // CHECK-NEXT: linalg.fill
  // CHECK-NEXT: memref.subview
  // CHECK-NEXT: linalg.fill
  // CHECK-NEXT: call @__tk_profile_end(%[[K1]])
  %top = memref.subview %y[0, 0] [1, 6] [1, 1] : memref<4x6xf32> to memref<1x6xf32, strided<[6, 1]>>
  linalg.fill ins(%zero : f32) outs(%top : memref<1x6xf32, strided<[6, 1]>>) loc("pad_border")
  %bottom = memref.subview %y[2, 0] [2, 1] [1, 1] : memref<4x6xf32> to memref<2x1xf32, strided<[6, 1], offset: 12>>
  linalg.fill ins(%zero : f32) outs(%bottom : memref<2x1xf32, strided<[6, 1], offset: 12>>) loc("pad_border")
  %flat = memref.collapse_shape %y [[0, 1]] : memref<4x6xf32> into memref<24xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<16xf32> loc(fused<#info>["mm_node"])
    memref.store %v, %z[%i] : memref<16xf32> loc(fused<#info>["mm_node"])
  } loc(fused<#info>["mm_node"])
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %z[%i] : memref<16xf32> loc(fused<#info>["mm_node"])
    %u = memref.load %flat[%i] : memref<24xf32> loc("mm_bias")
    memref.store %v, %y[%c0, %i] : memref<4x6xf32> loc(fused<#info>["mm_node"])
  } loc(fused<#info>["mm_node"])
  call @__tessera_dispatch_model_task(%c8, %w) : (index, memref<8xf32>) -> () loc("relu_node")
  memref.copy %x, %z : memref<16xf32> to memref<16xf32>
  memref.copy %ia, %ib : memref<8xindex> to memref<8xindex> loc("indices")
  return
}
