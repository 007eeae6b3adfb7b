// RUN: tessera-opt %s --split-input-file --convert-tg-to-linalg | FileCheck %s

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @broadcast_add
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.addf
func.func @broadcast_add(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = tg.add %a, %b : tensor<2x3xf32>, tensor<3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Unsigned types become signless, with unsigned arith ops.
// CHECK-LABEL: func.func @unsigned(%{{.+}}: tensor<4xi8>, %{{.+}}: tensor<4xi8>)
// CHECK: arith.cmpi ult
// CHECK: arith.uitofp %{{.+}} : i8 to f32
func.func @unsigned(%a: tensor<4xui8>, %b: tensor<4xui8>) -> (tensor<4xi1>, tensor<4xf32>) {
  %0 = tg.compare lt, %a, %b : tensor<4xui8>, tensor<4xui8>
  %1 = tg.cast %a : tensor<4xui8> -> tensor<4xf32>
  return %0, %1 : tensor<4xi1>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @matmul
// CHECK: %[[Z:.+]] = linalg.fill
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[Z]] : tensor<4x16xf32>)
func.func @matmul(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %0 = tg.matmul %a, %b : tensor<4x8xf32>, tensor<8x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Grouped, strided conv: pad, split channels by group, one generic over
// (n, g, m, oh, ow, c, kh, kw) accumulating into the broadcast bias.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 * 2 + d6, d4 * 2 + d7)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
// CHECK-LABEL: func.func @conv
// CHECK: tensor.pad %{{.+}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 2, 10, 10]
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[W]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x2x4x4x4xf32> into tensor<1x8x4x4xf32>
func.func @conv(%x: tensor<1x4x8x8xf32>, %w: tensor<8x2x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x4x4xf32> {
  %0 = tg.conv %x, %w, %b strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] group = 2 : tensor<1x4x8x8xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>
  return %0 : tensor<1x8x4x4xf32>
}

// -----

// The divisor counts only input elements: 2 and 3 per dimension.
// CHECK-LABEL: func.func @avg_pool
// CHECK: arith.constant dense<{{\[\[}}4.000000e+00, 6.000000e+00], [6.000000e+00, 9.000000e+00]]> : tensor<2x2xf32>
// CHECK: arith.divf
func.func @avg_pool(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %0 = tg.avg_pool %x kernel = [3, 3] strides = [2, 2] pads = [1, 1, 0, 0] dilations = [1, 1] : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// Run-time indices are checked: the function gets a status word, zeroed at
// entry, that an index outside [-10, 10) sets to the check's code (1, the
// first message of tk.checks); the read then takes position 0.
// CHECK-LABEL: func.func @gather
// CHECK-SAME: tk.checks = ["tg.gather: index out of range: an element of 'indices' lies outside [-10, 10), the positions of dimension 0 of 'data'"]
// CHECK: %[[STATUS:.+]] = memref.alloc() {tk.status} : memref<i32>
// CHECK: memref.store %{{.+}}, %[[STATUS]][] : memref<i32>
// CHECK: linalg.generic
// CHECK: arith.cmpi slt
// CHECK: %[[OUTSIDE:.+]] = arith.cmpi uge
// CHECK: scf.if %[[OUTSIDE]] {
// CHECK: %[[CODE:.+]] = arith.constant 1 : i32
// CHECK: memref.atomic_rmw assign %[[CODE]], %[[STATUS]][] : (i32, memref<i32>) -> i32
// CHECK: %[[AT:.+]] = arith.select %[[OUTSIDE]], %{{.+}}, %{{.+}} : index
// CHECK: tensor.extract %{{.+}}[%[[AT]], %{{.+}}] : tensor<10x4xf32>
func.func @gather(%t: tensor<10x4xf32>, %i: tensor<3xi64>) -> tensor<3x4xf32> {
  %0 = tg.gather %t, %i axis = 0 : tensor<10x4xf32>, tensor<3xi64>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @reshape
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1]] output_shape [6, 4] : tensor<24xf32> into tensor<6x4xf32>
func.func @reshape(%x: tensor<2x3x4xf32>) -> tensor<6x4xf32> {
  %0 = tg.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

// Source indices are tables computed at compile time.
// CHECK-LABEL: func.func @resize
// CHECK: arith.constant dense<{{\[\[}}0], [0], [1], [1]]> : tensor<4x1xindex>
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}] : tensor<1x1x2x2xf32>
func.func @resize(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %0 = tg.resize %x mode = nearest coordinate_mode = asymmetric nearest_mode = floor scales = [1.0, 1.0, 2.0, 2.0] : tensor<1x1x2x2xf32> -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// Antialiased linear downsampling by 2: a triangle twice as wide, four taps
// per output (clamped at the edges), weights 1/8, 3/8, 3/8, 1/8.
// CHECK-LABEL: func.func @resize_antialias
// CHECK-DAG: arith.constant dense<{{\[\[}}0, 0, 1, 2], [1, 2, 3, 4], [3, 4, 5, 6], [5, 6, 7, 7]]> : tensor<4x4xindex>
// CHECK-DAG: arith.constant dense<{{\[\[}}1.250000e-01, 3.750000e-01, 3.750000e-01, 1.250000e-01], {{.+}}]> : tensor<4x4xf32>
func.func @resize_antialias(%x: tensor<1x1x1x8xf32>) -> tensor<1x1x1x4xf32> {
  %0 = tg.resize %x mode = linear coordinate_mode = half_pixel nearest_mode = round_prefer_floor scales = [1.0, 1.0, 1.0, 0.5] {antialias} : tensor<1x1x1x8xf32> -> tensor<1x1x1x4xf32>
  return %0 : tensor<1x1x1x4xf32>
}

// -----

// Bilinear 2x: one dimension at a time. The width grows, so its pass (the
// one that gathers along rows) runs first, on the 3 input rows; the
// height's pass then reads whole rows of that result: two taps each.
// CHECK-LABEL: func.func @resize_bilinear_separable
// CHECK: %[[W:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<1x2x3x8xf32>)
// CHECK-COUNT-2: tensor.extract %arg0
// CHECK: linalg.yield
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<1x2x6x8xf32>)
// CHECK-COUNT-2: tensor.extract %[[W]]
// CHECK-NOT: tensor.extract %arg0
// CHECK: linalg.yield
func.func @resize_bilinear_separable(%x: tensor<1x2x3x4xf32>) -> tensor<1x2x6x8xf32> {
  %0 = tg.resize %x mode = linear coordinate_mode = half_pixel nearest_mode = round_prefer_floor scales = [1.0, 1.0, 2.0, 2.0] : tensor<1x2x3x4xf32> -> tensor<1x2x6x8xf32>
  return %0 : tensor<1x2x6x8xf32>
}

// -----

// Bilinear with align_corners: the channel dim (scale 1) maps every output
// to itself and reads straight through; 4 -> 2 along the width lands on
// integral source coordinates (0 and 3), one tap each without weights;
// only the height (2 -> 3) keeps two weighted taps: 2 loads per output.
// CHECK-LABEL: func.func @resize_align_corners_one_hot
// CHECK-DAG: arith.constant dense<{{\[\[}}0], [3]]> : tensor<2x1xindex>
// CHECK-DAG: arith.constant dense<{{\[\[}}0, 0], [0, 1], [0, 1]]> : tensor<3x2xindex>
// CHECK-DAG: arith.constant dense<{{\[\[}}0.000000e+00, 1.000000e+00], [5.000000e-01, 5.000000e-01], [0.000000e+00, 1.000000e+00]]> : tensor<3x2xf32>
// CHECK-NOT: tensor<2x2xf32>
// CHECK: linalg.generic
// CHECK-COUNT-2: tensor.extract %arg0
// CHECK-NOT: tensor.extract %arg0
// CHECK: linalg.yield
func.func @resize_align_corners_one_hot(%x: tensor<1x3x2x4xf32>) -> tensor<1x3x3x2xf32> {
  %0 = tg.resize %x mode = linear coordinate_mode = align_corners nearest_mode = round_prefer_floor scales = [1.0, 1.0, 1.5, 0.5] : tensor<1x3x2x4xf32> -> tensor<1x3x3x2xf32>
  return %0 : tensor<1x3x3x2xf32>
}

// -----

// The index replaces the coordinate along the axis; negative ones wrap.
// CHECK-LABEL: func.func @gather_elements
// CHECK: linalg.generic
// CHECK: %[[ROW:.+]] = linalg.index 0 : index
// CHECK: arith.select
// CHECK: tensor.extract %{{.+}}[%[[ROW]], %{{.+}}] : tensor<3x4xf32>
func.func @gather_elements(%d: tensor<3x4xf32>, %i: tensor<3x2xi64>) -> tensor<3x2xf32> {
  %0 = tg.gather_elements %d, %i axis = 1 : tensor<3x4xf32>, tensor<3x2xi64>
  return %0 : tensor<3x2xf32>
}

// -----

// One generic with two outputs: the best value and its index.
// CHECK-LABEL: func.func @arg_max
// CHECK: %[[R:.+]]:2 = linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.cmpf ogt
// CHECK: tensor.expand_shape %[[R]]#1
func.func @arg_max(%x: tensor<2x5xf32>) -> tensor<2x1xi64> {
  %0 = tg.arg_max %x axis = 1 keepdims : tensor<2x5xf32>
  return %0 : tensor<2x1xi64>
}

// -----

// Integer mod takes the divisor's sign.
// CHECK-LABEL: func.func @mod
// CHECK: arith.remsi
// CHECK: arith.xori
// CHECK: arith.select
func.func @mod(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = tg.mod %a, %b : tensor<4xi32>, tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Coordinates read from the last dimension of the indices, one per
// addressed dimension, then the data element.
// CHECK-LABEL: func.func @gather_nd
// CHECK: linalg.generic
// CHECK: %[[B:.+]] = linalg.index 0 : index
// CHECK: %[[I:.+]] = linalg.index 1 : index
// CHECK: %[[J:.+]] = linalg.index 2 : index
// CHECK: tensor.extract %{{.+}}[%[[B]], %[[I]], %{{.+}}] : tensor<2x3x1xi64>
// CHECK: arith.select
// CHECK: tensor.extract %{{.+}}[%[[B]], %{{.+}}, %[[J]]] : tensor<2x4x5xf32>
func.func @gather_nd(%d: tensor<2x4x5xf32>, %i: tensor<2x3x1xi64>) -> tensor<2x3x5xf32> {
  %0 = tg.gather_nd %d, %i batch_dims = 1 : tensor<2x4x5xf32>, tensor<2x3x1xi64>
  return %0 : tensor<2x3x5xf32>
}

// -----

// A copy of the data, then a sequential walk over the updates that combines
// each into the element its index names; an index outside the data skips
// its update.
// CHECK-LABEL: func.func @scatter_elements
// CHECK: %[[COPY:.+]] = linalg.copy ins(%{{.+}} : tensor<3x4xf32>)
// CHECK: scf.for %[[R:[^ ]+]] = {{.+}} iter_args(%[[T0:[^ ]+]] = %[[COPY]])
// CHECK: scf.for %[[C:[^ ]+]] = {{.+}} iter_args(%[[T1:[^ ]+]] = %[[T0]])
// CHECK: %[[U:.+]] = tensor.extract %{{.+}}[%[[R]], %[[C]]] : tensor<3x2xf32>
// CHECK: %[[IDX:.+]] = arith.select
// CHECK: arith.cmpi ult, %[[IDX]]
// CHECK: scf.if
// CHECK: %[[OLD:.+]] = tensor.extract %[[T1]][%[[R]], %[[IDX]]]
// CHECK: %[[NEW:.+]] = arith.maximumf %[[OLD]], %[[U]]
// CHECK: tensor.insert %[[NEW]] into %[[T1]][%[[R]], %[[IDX]]]
func.func @scatter_elements(%d: tensor<3x4xf32>, %i: tensor<3x2xi64>, %u: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %0 = tg.scatter_elements %d, %i, %u axis = 1 reduction = max : tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @scatter_nd
// CHECK: linalg.copy
// CHECK: scf.for %[[N:[^ ]+]] =
// CHECK: scf.for %[[K:[^ ]+]] =
// CHECK: %[[U:.+]] = tensor.extract %{{.+}}[%[[N]], %[[K]]] : tensor<2x4xi32>
// CHECK: tensor.extract %{{.+}}[%[[N]], %{{.+}}] : tensor<2x1xi64>
// CHECK: %[[ROW:.+]] = arith.select
// CHECK-NOT: arith.addi %{{.+}}, %[[U]]
// CHECK: tensor.insert %[[U]] into %{{.+}}[%[[ROW]], %[[K]]]
func.func @scatter_nd(%d: tensor<4x4xi32>, %i: tensor<2x1xi64>, %u: tensor<2x4xi32>) -> tensor<4x4xi32> {
  %0 = tg.scatter_nd %d, %i, %u reduction = none : tensor<4x4xi32>, tensor<2x1xi64>, tensor<2x4xi32>
  return %0 : tensor<4x4xi32>
}

// -----

// Per row, k slots filled in order; each scans the row for the best element
// ranking after the previous slot (unsigned compares for ui32).
// CHECK-LABEL: func.func @top_k
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for %[[SLOT:[^ ]+]] =
// CHECK: scf.for %[[I:[^ ]+]] =
// CHECK: arith.cmpi ult
// CHECK: scf.yield
// CHECK: tensor.insert %{{.+}} into %{{.+}}[%{{.+}}, %[[SLOT]]] : tensor<3x2xi32>
// CHECK: arith.index_cast %{{.+}} : index to i64
// CHECK: tensor.insert %{{.+}} into %{{.+}}[%{{.+}}, %[[SLOT]]] : tensor<3x2xi64>
func.func @top_k(%x: tensor<3x4xui32>) -> (tensor<3x2xui32>, tensor<3x2xi64>) {
  %v, %i = tg.top_k %x k = 2 axis = 1 : tensor<3x4xui32>
  return %v, %i : tensor<3x2xui32>, tensor<3x2xi64>
}

// One pass in row-major order over zeros: a non-zero element's coordinates
// go into the column the count says, which then grows.
// CHECK-LABEL: func.func @non_zero
// CHECK: %[[ZEROS:.+]] = linalg.fill ins(%{{.+}} : i64) outs(%{{.+}} : tensor<2x6xi64>)
// CHECK: %[[SCAN:.+]]:2 = scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[OUT:.+]] = %[[ZEROS]], %[[N:.+]] = %{{.+}}) -> (tensor<2x6xi64>, index)
// CHECK: %[[V:.+]] = tensor.extract %{{.+}} : tensor<2x3xi32>
// CHECK: %[[NZ:.+]] = arith.cmpi ne, %[[V]]
// CHECK: scf.if %[[NZ]] -> (tensor<2x6xi64>, index)
// CHECK: tensor.insert %{{.+}} into %[[OUT]][%{{.+}}, %[[N]]] : tensor<2x6xi64>
// CHECK: tensor.insert %{{.+}} into %{{.+}}[%{{.+}}, %[[N]]] : tensor<2x6xi64>
// CHECK: arith.addi %[[N]]
// CHECK: } else {
// CHECK: %[[COUNT:.+]] = arith.index_cast %[[SCAN]]#1 : index to i64
// CHECK: tensor.from_elements %[[COUNT]] : tensor<i64>
func.func @non_zero(%x: tensor<2x3xi32>) -> (tensor<2x6xi64>, tensor<i64>) {
  %i, %n = tg.non_zero %x : tensor<2x3xi32>
  return %i, %n : tensor<2x6xi64>, tensor<i64>
}

// Per batch and class (one loop nest, the candidate list and the
// considered flags made outside it): the boxes above the score threshold
// listed, then rounds over the candidates, each scanning them for the best
// open one, checking its overlap with the class's kept rows, and appending
// [b, c, box]; the count is the rows written.
// CHECK-LABEL: func.func @non_max_suppression
// CHECK: %[[SEL:.+]] = linalg.fill ins(%{{.+}} : i64) outs(%{{.+}} : tensor<12x3xi64>)
// CHECK: %[[SEEN:.+]] = tensor.empty() : tensor<5xi1>
// CHECK: %[[LIST:.+]] = tensor.empty() : tensor<5xindex>
// CHECK: scf.for %[[B:.+]] = {{.+}} iter_args(%{{.+}} = %[[SEL]], %{{.+}} = %{{.+}}, %{{.+}} = %[[SEEN]], %{{.+}} = %[[LIST]])
// CHECK: scf.for %[[C:.+]] = {{.+}} -> (tensor<12x3xi64>, index, tensor<5xi1>, tensor<5xindex>)
// CHECK: linalg.fill ins(%false : i1) outs(%{{.+}} : tensor<5xi1>)
// CHECK: %[[CANDIDATES:.+]]:2 = scf.for {{.+}} -> (tensor<5xindex>, index)
// CHECK: arith.cmpf ogt
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[CANDIDATES]]#1
// CHECK: arith.cmpi ult
// CHECK: scf.if
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[CANDIDATES]]#1
// CHECK: arith.cmpf ogt, %{{.+}}, %{{.+}} : f32
// CHECK: scf.if
// CHECK: tensor.insert %true
// CHECK: scf.for
// CHECK: arith.divf
// CHECK: tensor.insert %{{.+}} into %{{.+}}[%{{.+}}, %c2{{.*}}] : tensor<12x3xi64>
// CHECK: tensor.from_elements %{{.+}} : tensor<i64>
func.func @non_max_suppression(%b: tensor<2x5x4xf32>, %s: tensor<2x3x5xf32>, %m: tensor<1xi64>, %iou: tensor<1xf32>, %t: tensor<1xf32>) -> (tensor<12x3xi64>, tensor<i64>) {
  %sel, %n = tg.non_max_suppression %b, %s, %m, %iou, %t : (tensor<2x5x4xf32>, tensor<2x3x5xf32>, tensor<1xi64>, tensor<1xf32>, tensor<1xf32>) -> (tensor<12x3xi64>, tensor<i64>)
  return %sel, %n : tensor<12x3xi64>, tensor<i64>
}

// Each row's first occurrence (a scan of the rows before it, row by row
// compares), the distinct rows' ranks (rows before them, lexicographic,
// signed for i32), the results placed by rank, inverse through the ranks.
// CHECK-LABEL: func.func @unique
// CHECK: %[[FIRST:.+]]:4 = scf.for %[[I:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args({{.+}}) -> (tensor<6xi64>, tensor<6xi64>, tensor<6xi64>, index)
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[I]]
// CHECK: arith.cmpi slt
// CHECK: %[[RANK:.+]] = scf.for %{{.+}} = %{{.+}} to %[[FIRST]]#3
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[FIRST]]#3
// CHECK: %[[PLACED:.+]]:3 = scf.for %{{.+}} = %{{.+}} to %[[FIRST]]#3
// CHECK: tensor.insert %{{.+}} into %{{.+}}[%{{.+}}, %{{.+}}] : tensor<6x2xi32>
// CHECK: %[[INVERSE:.+]] = scf.for
// CHECK: tensor.from_elements
// CHECK: return %[[PLACED]]#0, %[[PLACED]]#1, %[[INVERSE]], %[[PLACED]]#2
func.func @unique(%x: tensor<6x2xi32>) -> (tensor<6x2xi32>, tensor<6xi64>, tensor<6xi64>, tensor<6xi64>, tensor<i64>) {
  %v, %i, %inv, %c, %n = tg.unique %x sorted : tensor<6x2xi32>
  return %v, %i, %inv, %c, %n : tensor<6x2xi32>, tensor<6xi64>, tensor<6xi64>, tensor<6xi64>, tensor<i64>
}
