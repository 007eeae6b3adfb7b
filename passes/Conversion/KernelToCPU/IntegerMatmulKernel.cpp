//===- IntegerMatmulKernel.cpp - tk.matmul of 8-bit integers --------------===//
//
// The CPU lowering of an 8-bit integer tk.matmul (i32 accumulation): MR x
// NR i32 accumulators in vector registers, each step along K multiplying G
// consecutive elements of K at once with one instruction per vector:
//
//   vnni   vpdpbusd  (G = 4) u8 x s8, four products summed into each lane
//   sdot   sdot      (G = 4) s8 x s8, likewise
//   pairs  pmaddwd   (G = 2) i16 x i16, two products summed into each lane
//
// The right operand is packed into [N/NR][K/G][NR] i32 words holding its G
// elements along K (bytes, or i16 for pmaddwd), one vector load per step;
// the left one into [M/MR][K/G][MR] words, one broadcast per row and step.
// A constant operand is packed at compile time (a weight, on either side:
// a convolution as a matmul has its filter on the left), any other at run
// time into a buffer. Elements past K, rows past M and columns past N pack
// as 0. Batch loops that step the rows of all but rhs merge into the rows;
// the others run as items, each operand packed once per batch it varies
// along.
//
// Operands whose signedness the instruction does not take are shifted by
// 128 when packed (a' = a - sa, b' = b - sb, an xor of the sign bit):
//
//   sum_k a b = sum_k a' b' + sb rowsum(a') + sa colsum(b') + sa sb K
//
// The column part is a sum per column, the row part a sum per row, both
// taken while their operand is packed: they start the accumulators, so
// each instruction gives
// the exact integers of the plain loops (i32 sums wrap the same way).
// The epilogue (zero-point terms, rescale, requantization) runs on the
// accumulators as vectors before the one store.
//
// Not taken here (plain loops, in MatmulKernel.cpp): an output not
// contiguous along the columns, dynamic layouts, a kernel nested in a loop
// (the packing buffers are top-level allocations).
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "passes/Conversion/KernelToCPU/CPUKernels.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <cstdint>

using namespace mlir;
using namespace tessera;
using namespace tessera::kernels;

namespace {

/// What an instruction takes: the group along K, and the shifts that bring
/// each operand to the signedness it multiplies.
struct DotForm {
  Int8Dot dot;
  int64_t group;              // elements of K per i32 word
  int64_t lhsShift, rhsShift; // sa, sb: a = a' + sa, b = b' + sb
};

DotForm dotForm(Int8Dot dot, bool lhsUnsigned, bool rhsUnsigned) {
  switch (dot) {
  case Int8Dot::Vnni: // u8 x s8
    return {dot, 4, lhsUnsigned ? 0 : -128, rhsUnsigned ? 128 : 0};
  case Int8Dot::Sdot: // s8 x s8
    return {dot, 4, lhsUnsigned ? 128 : 0, rhsUnsigned ? 128 : 0};
  case Int8Dot::Pairs: // exact in i16
  case Int8Dot::None:
    break;
  }
  return {dot, 2, 0, 0};
}

/// The value an element of `bits` (an i8) stands for.
int64_t valueOf(int8_t bits, bool isUnsigned) {
  return isUnsigned ? static_cast<int64_t>(static_cast<uint8_t>(bits))
                    : static_cast<int64_t>(bits);
}

/// A constant operand packed now: each of its `lines` lines (rows of lhs,
/// columns of rhs; `lineStride` apart, K elements `kStride` apart, per
/// copy from `copyOffset(copy)`) shifted by `shift` into words
/// [copies * blocks][groups][width], G = `group` elements per word (line l
/// in block l / width, lane l % width; lines and elements past the end 0),
/// and each line's sum of shifted values, [copies * blocks * width].
std::pair<SmallVector<int32_t>, SmallVector<int64_t>>
packConstant(DenseElementsAttr data, bool isUnsigned, int64_t shift,
             int64_t group, int64_t copies,
             function_ref<int64_t(int64_t)> copyOffset, int64_t lines,
             int64_t lineStride, int64_t kStride, int64_t k, int64_t width,
             int64_t groups) {
  auto values = data.getValues<int8_t>();
  int64_t blocks = (lines + width - 1) / width;
  int64_t bitsPerElement = 32 / group;
  uint32_t mask = group == 4 ? 0xffu : 0xffffu;
  SmallVector<int32_t> words(copies * blocks * groups * width, 0);
  SmallVector<int64_t> sums(copies * blocks * width, 0);
  for (int64_t copy = 0; copy < copies; ++copy) {
    int64_t base = copyOffset(copy);
    for (int64_t line = 0; line < lines; ++line) {
      int64_t item = copy * blocks + line / width, lane = line % width;
      for (int64_t r = 0; r < k; ++r) {
        int64_t value =
            valueOf(values[base + line * lineStride + r * kStride],
                    isUnsigned) -
            shift;
        sums[item * width + lane] += value;
        uint32_t bits = (static_cast<uint32_t>(value) & mask)
                        << (bitsPerElement * (r % group));
        int32_t &word = words[(item * groups + r / group) * width + lane];
        word = static_cast<int32_t>(static_cast<uint32_t>(word) | bits);
      }
    }
  }
  return {words, sums};
}

/// acc + the products of `a` and `b` (vectors of i32 words) by `form`.
Value multiplyAdd(Emitter &e, const DotForm &form, Value acc, Value a,
                  Value b) {
  auto accType = cast<VectorType>(acc.getType());
  int64_t lanes = accType.getNumElements();
  auto call = [&](StringRef name, Type type, ValueRange args) {
    return LLVM::CallIntrinsicOp::create(e.b, e.loc, type,
                                         e.b.getStringAttr(name), args)
        .getResult(0);
  };
  auto bitcast = [&](Value v, Type element, int64_t count) -> Value {
    return vector::BitCastOp::create(e.b, e.loc,
                                     VectorType::get({count}, element), v);
  };
  switch (form.dot) {
  case Int8Dot::Vnni: {
    StringRef name = lanes == 16  ? "llvm.x86.avx512.vpdpbusd.512"
                     : lanes == 8 ? "llvm.x86.avx512.vpdpbusd.256"
                                  : "llvm.x86.avx512.vpdpbusd.128";
    Type i8 = e.b.getI8Type();
    return call(name, accType,
                {acc, bitcast(a, i8, 4 * lanes), bitcast(b, i8, 4 * lanes)});
  }
  case Int8Dot::Sdot: {
    Type i8 = e.b.getI8Type();
    return call("llvm.aarch64.neon.sdot.v4i32.v16i8", accType,
                {acc, bitcast(a, i8, 16), bitcast(b, i8, 16)});
  }
  case Int8Dot::Pairs:
  case Int8Dot::None:
    break;
  }
  StringRef name = lanes == 16  ? "llvm.x86.avx512.pmaddw.d.512"
                   : lanes == 8 ? "llvm.x86.avx2.pmadd.wd"
                                : "llvm.x86.sse2.pmadd.wd";
  Type i16 = e.b.getI16Type();
  Value products = call(
      name, accType, {bitcast(a, i16, 2 * lanes), bitcast(b, i16, 2 * lanes)});
  return arith::AddIOp::create(e.b, e.loc, acc, products);
}

} // namespace

LogicalResult tessera::kernels::lowerIntegerMatmul(KernelContext &context,
                                                   tk::MatmulOp op) {
  if (context.int8Dot == Int8Dot::None)
    return failure();
  auto elementOf = [](Value v) {
    return cast<MemRefType>(v.getType()).getElementType();
  };
  if (!elementOf(op.getLhs()).isSignlessInteger(8) ||
      !elementOf(op.getRhs()).isSignlessInteger(8))
    return failure();
  int64_t lanes = context.shape.lanes;
  if (context.int8Dot == Int8Dot::Sdot
          ? lanes != 4
          : lanes != 4 && lanes != 8 && lanes != 16)
    return failure();
  SmallVector<int64_t> sizes = op.getLoopSizes();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<Access> accesses;
  for (auto [operand, map] : llvm::zip(op->getOperands(), maps)) {
    FailureOr<Access> access = describe(operand, map, sizes);
    if (failed(access))
      return failure();
    accesses.push_back(*access);
  }
  Block &epilogue = op.getEpilogue().front();
  if (!tk::isElementwiseQuantizedBody(epilogue) ||
      !isa<func::FuncOp>(op->getParentOp()))
    return failure();
  int64_t mDim = op.getMDim(), nDim = op.getNDim(), kDim = op.getKDim();
  Access &lhs = accesses[0], &rhs = accesses[1], &out = accesses.back();
  MutableArrayRef<Access> epilogueAccesses =
      MutableArrayRef<Access>(accesses).slice(2, accesses.size() - 3);
  if (out.stride[nDim] != 1)
    return failure();
  // Batch loops that step the rows of lhs, the epilogue inputs and the
  // output by whole matrices (and not rhs) merge into the rows; the others
  // are items.
  int64_t m = sizes[mDim], n = sizes[nDim], k = sizes[kDim];
  SmallVector<int64_t> batch = splitBatchLoops(
      accesses, rhs, sizes, op.getNumBatchDims(), mDim, m);
  int64_t batches = 1;
  for (int64_t d : batch)
    batches *= sizes[d];
  auto batched = [&](const Access &a) {
    return llvm::any_of(batch, [&](int64_t d) { return a.stride[d] != 0; });
  };
  int64_t lhsCopies = batched(lhs) ? batches : 1;
  int64_t rhsCopies = batched(rhs) ? batches : 1;
  // One pass over K (no partial sums through an output of another type):
  // a packed panel is K x NR bytes, in L2 up to a K of several thousand.
  if (k > (int64_t{1} << 24))
    return failure();

  bool lhsUnsigned = op.getLhsUnsigned(), rhsUnsigned = op.getRhsUnsigned();
  DotForm form = dotForm(context.int8Dot, lhsUnsigned, rhsUnsigned);
  TileShape shape = context.shape;
  if (tk::CPUTileAttr config = op.getConfigAttr())
    if (config.getLanes() == lanes) {
      shape.mr = config.getMr();
      shape.nr = config.getNr();
    }
  int64_t group = form.group, groups = (k + group - 1) / group;
  int64_t nr = shape.nr, panels = (n + nr - 1) / nr;
  int64_t mr = balancedRows(m, shape.mr), tiles = (m + mr - 1) / mr;
  int64_t fullRows = m - m % mr;
  // Row blocks of about 256 KiB of packed rows, so that a block stays in L2
  // while the panels run against it.
  int64_t blockRows =
      std::max<int64_t>(256 * 1024 / std::max<int64_t>(groups * 4, 1) / mr,
                        1) *
      mr;
  blockRows = std::min(blockRows, tiles * mr);
  int64_t blocks = (m + blockRows - 1) / blockRows;
  bool hasColumnTerm = form.lhsShift != 0, hasRowTerm = form.rhsShift != 0;
  int64_t bitsPerElement = 32 / group;
  uint32_t elementMask = group == 4 ? 0xffu : 0xffffu;

  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i32 = b.getI32Type();
  KernelContext kernelContext = context;
  kernelContext.shape = shape;
  auto constOffset = [&](const Access &access, int64_t index) {
    int64_t offset = access.offset;
    for (int64_t d : llvm::reverse(batch)) {
      offset += index % sizes[d] * access.stride[d];
      index /= sizes[d];
    }
    return offset;
  };
  auto global = [&](StringRef base, ArrayRef<int64_t> shapeOf,
                    ArrayRef<int32_t> data) {
    return packedConstant(
        context, op, base,
        DenseElementsAttr::get(RankedTensorType::get(shapeOf, i32), data));
  };
  auto buffer = [&](ArrayRef<int64_t> shapeOf) -> Value {
    return memref::AllocOp::create(b, loc, MemRefType::get(shapeOf, i32));
  };
  // Where a packed operand (or a term) lives: a constant global, or a
  // buffer the run-time packing fills.
  struct Packed {
    StringAttr name;
    Value buffer;
    SmallVector<int64_t> shape;
  };
  auto packedOf = [&](const Packed &packed, Emitter &e,
                      Value captured) -> Value {
    return packed.name ? getGlobal(e, packed.name, packed.shape, i32)
                       : captured;
  };

  // The right operand: words [rhsCopies * panels][groups][NR] and the
  // column term sa colsum(b') + sa sb K, [rhsCopies * panels * NR].
  Packed rhsWords{{}, {}, {rhsCopies * panels, groups, nr}};
  Packed columnTerm{{}, {}, {rhsCopies * panels * nr}};
  if (DenseElementsAttr data = rootConstant(rhs.buffer)) {
    auto [words, sums] =
        packConstant(data, rhsUnsigned, form.rhsShift, group, rhsCopies,
                     [&](int64_t copy) { return constOffset(rhs, copy); }, n,
                     rhs.stride[nDim], rhs.stride[kDim], k, nr, groups);
    SmallVector<int32_t> terms;
    for (int64_t sum : sums)
      terms.push_back(static_cast<int32_t>(
          form.lhsShift * sum + form.lhsShift * form.rhsShift * k));
    rhsWords.name = global("__tessera_packed_rhs", rhsWords.shape, words);
    if (hasColumnTerm)
      columnTerm.name = global("__tessera_column_term", columnTerm.shape, terms);
  } else {
    rhsWords.buffer = buffer(rhsWords.shape);
    if (hasColumnTerm)
      columnTerm.buffer = buffer(columnTerm.shape);
    SmallVector<Value> packUses{flatView(b, loc, rhs), rhsWords.buffer};
    if (hasColumnTerm)
      packUses.push_back(columnTerm.buffer);
    // One (copy, panel) item at a time: per group, lanes columns at once,
    // the G elements of each column shifted into its i32 lane.
    emitRange(
        kernelContext, op, rhsCopies * panels,
        context.parallel && rhsCopies * n * k >= context.parallelElements,
        packUses, [&](Emitter &e, Value begin, Value end, ValueRange captured) {
          OpBuilder &b = e.b;
          VectorType wordType = VectorType::get({lanes}, i32);
          auto splat = [&](int64_t v) -> Value {
            return arith::ConstantOp::create(
                b, e.loc, DenseElementsAttr::get(wordType, b.getI32IntegerAttr(
                                                               v)));
          };
          e.loop(begin, end, 1, [&](Value item) {
            Value copy = arith::DivUIOp::create(b, e.loc, item, e.index(panels));
            Value panel =
                arith::RemUIOp::create(b, e.loc, item, e.index(panels));
            Value base = kernels::batchOffset(e, rhs, batch, sizes, copy);
            forTileSize(e, panel, panels, nr, n % nr, [&](int64_t width) {
              int64_t vectors = (width + lanes - 1) / lanes;
              SmallVector<Value> zeros(hasColumnTerm ? vectors : 0,
                                       e.zeros(wordType));
              auto packGroup = [&](Value g, int64_t valid, ValueRange sums) {
                SmallVector<Value> next(sums);
                for (int64_t v = 0; v < vectors; ++v) {
                  int64_t columns =
                      std::clamp<int64_t>(width - v * lanes, 0, lanes);
                  Value column = e.add(e.mul(panel, nr), v * lanes);
                  Value word = e.zeros(wordType);
                  for (int64_t t = 0; t < valid; ++t) {
                    Value row = e.add(e.mul(g, group), t);
                    Value at = e.add(e.add(base, e.mul(row, rhs.stride[kDim])),
                                     e.mul(column, rhs.stride[nDim]));
                    Value bytes = loadAlong(e, captured[0], at,
                                            rhs.stride[nDim], columns);
                    Value wide =
                        rhsUnsigned
                            ? Value(arith::ExtUIOp::create(b, e.loc, wordType,
                                                           bytes))
                            : Value(arith::ExtSIOp::create(b, e.loc, wordType,
                                                           bytes));
                    if (form.rhsShift)
                      wide = arith::SubIOp::create(b, e.loc, wide,
                                                   splat(form.rhsShift));
                    // Lanes past N loaded as 0 and shifted: back to 0.
                    if (form.rhsShift && columns < lanes)
                      wide = arith::SelectOp::create(b, e.loc, e.mask(columns),
                                                     wide, e.zeros(wordType));
                    if (hasColumnTerm)
                      next[v] = arith::AddIOp::create(b, e.loc, next[v], wide);
                    Value bits = arith::AndIOp::create(
                        b, e.loc, wide, splat(elementMask));
                    if (t)
                      bits = arith::ShLIOp::create(b, e.loc, bits,
                                                   splat(bitsPerElement * t));
                    word = arith::OrIOp::create(b, e.loc, word, bits);
                  }
                  e.store(word, captured[1],
                          {item, g, e.index(v * lanes)}, lanes);
                }
                return next;
              };
              SmallVector<Value> sums = zeros;
              int64_t fullGroups = k / group;
              if (fullGroups) {
                auto loop = scf::ForOp::create(
                    b, e.loc, e.index(0), e.index(fullGroups), e.index(1),
                    zeros, [&](OpBuilder &, Location, Value g, ValueRange it) {
                      scf::YieldOp::create(b, e.loc, packGroup(g, group, it));
                    });
                sums.assign(loop.getResults().begin(),
                            loop.getResults().end());
              }
              if (k % group)
                sums = packGroup(e.index(fullGroups), k % group, sums);
              // The kernel reads the vectors of the columns there are.
              if (hasColumnTerm)
                for (int64_t v = 0; v < vectors; ++v) {
                  Value term = arith::AddIOp::create(
                      b, e.loc, splat(form.lhsShift * form.rhsShift * k),
                      arith::MulIOp::create(b, e.loc, sums[v],
                                            splat(form.lhsShift)));
                  e.store(term, captured[2],
                          {e.add(e.mul(item, nr), v * lanes)}, lanes);
                }
            });
          });
        });
  }

  // The left operand: words [lhsCopies * tiles][groups][MR] and the row
  // term sb rowsum(a'), [lhsCopies * tiles * MR].
  Packed lhsWords{{}, {}, {lhsCopies * tiles, groups, mr}};
  Packed rowTerm{{}, {}, {lhsCopies * tiles * mr}};
  if (DenseElementsAttr data = rootConstant(lhs.buffer)) {
    auto [words, sums] =
        packConstant(data, lhsUnsigned, form.lhsShift, group, lhsCopies,
                     [&](int64_t copy) { return constOffset(lhs, copy); }, m,
                     lhs.stride[mDim], lhs.stride[kDim], k, mr, groups);
    SmallVector<int32_t> terms;
    for (int64_t sum : sums)
      terms.push_back(static_cast<int32_t>(form.rhsShift * sum));
    lhsWords.name = global("__tessera_packed_lhs", lhsWords.shape, words);
    if (hasRowTerm)
      rowTerm.name = global("__tessera_row_term", rowTerm.shape, terms);
  } else {
    lhsWords.buffer = buffer(lhsWords.shape);
    if (hasRowTerm)
      rowTerm.buffer = buffer(rowTerm.shape);
    SmallVector<Value> packUses{flatView(b, loc, lhs), lhsWords.buffer};
    if (hasRowTerm)
      packUses.push_back(rowTerm.buffer);
    emitRange(
        kernelContext, op, lhsCopies * tiles,
        context.parallel && lhsCopies * m * k >= context.parallelElements,
        packUses, [&](Emitter &e, Value begin, Value end, ValueRange captured) {
          Value source = captured[0], target = captured[1];
          OpBuilder &b = e.b;
          auto constI32 = [&](int64_t v) -> Value {
            return arith::ConstantOp::create(b, e.loc, b.getI32IntegerAttr(v));
          };
          e.loop(begin, end, 1, [&](Value item) {
            Value copy = arith::DivUIOp::create(b, e.loc, item, e.index(tiles));
            Value t = arith::RemUIOp::create(b, e.loc, item, e.index(tiles));
            Value base = kernels::batchOffset(e, lhs, batch, sizes, copy);
            // Rows past M read row M - 1 and pack as 0.
            SmallVector<Value> rowStart, inside;
            for (int64_t i = 0; i < mr; ++i) {
              Value row = e.add(e.mul(t, mr), i);
              inside.push_back(arith::CmpIOp::create(
                  b, e.loc, arith::CmpIPredicate::slt, row, e.index(m)));
              Value clamped = e.min(row, e.index(m - 1));
              rowStart.push_back(e.add(base, e.mul(clamped, lhs.stride[mDim])));
            }
            // The word of row i at group g: its elements shifted, each
            // masked into its byte (or i16) and OR-ed together; elements past
            // K are 0. Returns the word and the sum of a'.
            auto word = [&](int64_t i, Value g,
                            int64_t valid) -> std::pair<Value, Value> {
              Value wordValue = constI32(0), sum = constI32(0);
              for (int64_t j = 0; j < valid; ++j) {
                Value at =
                    e.add(e.add(rowStart[i],
                                e.mul(e.mul(g, group), lhs.stride[kDim])),
                          j * lhs.stride[kDim]);
                Value x =
                    memref::LoadOp::create(b, e.loc, source, ValueRange{at});
                Value wide =
                    lhsUnsigned
                        ? Value(arith::ExtUIOp::create(b, e.loc, i32, x))
                        : Value(arith::ExtSIOp::create(b, e.loc, i32, x));
                if (form.lhsShift)
                  wide = arith::SubIOp::create(b, e.loc, wide,
                                               constI32(form.lhsShift));
                sum = arith::AddIOp::create(b, e.loc, sum, wide);
                Value bits = arith::AndIOp::create(b, e.loc, wide,
                                                   constI32(elementMask));
                if (j)
                  bits = arith::ShLIOp::create(b, e.loc, bits,
                                               constI32(bitsPerElement * j));
                wordValue = arith::OrIOp::create(b, e.loc, wordValue, bits);
              }
              return {wordValue, sum};
            };
            auto packGroup = [&](Value g, int64_t valid, ValueRange sums) {
              SmallVector<Value> next;
              for (int64_t i = 0; i < mr; ++i) {
                auto [w, s] = word(i, g, valid);
                Value zero = constI32(0);
                w = arith::SelectOp::create(b, e.loc, inside[i], w, zero);
                memref::StoreOp::create(b, e.loc, w, target,
                                        ValueRange{item, g, e.index(i)});
                if (hasRowTerm)
                  next.push_back(arith::AddIOp::create(
                      b, e.loc, sums[i],
                      arith::SelectOp::create(b, e.loc, inside[i], s, zero)));
              }
              return next;
            };
            SmallVector<Value> init(hasRowTerm ? mr : 0, constI32(0));
            SmallVector<Value> sums = init;
            int64_t fullGroups = k / group;
            if (fullGroups) {
              auto loop = scf::ForOp::create(
                  b, e.loc, e.index(0), e.index(fullGroups), e.index(1), init,
                  [&](OpBuilder &, Location, Value g, ValueRange iter) {
                    scf::YieldOp::create(b, e.loc, packGroup(g, group, iter));
                  });
              sums.assign(loop.getResults().begin(), loop.getResults().end());
            }
            if (k % group)
              sums = packGroup(e.index(fullGroups), k % group, sums);
            if (hasRowTerm)
              for (int64_t i = 0; i < mr; ++i) {
                Value term = arith::MulIOp::create(b, e.loc, sums[i],
                                                   constI32(form.rhsShift));
                memref::StoreOp::create(b, e.loc, term, captured[2],
                                        ValueRange{e.add(e.mul(item, mr), i)});
              }
          });
        });
  }

  // The kernel: (batch, row block, panel) items.
  SmallVector<Value> uses{flatView(b, loc, out)};
  size_t capturedA = 0, capturedB = 0, capturedRows = 0, capturedColumns = 0;
  std::pair<Packed *, size_t *> buffers[] = {{&lhsWords, &capturedA},
                                             {&rhsWords, &capturedB},
                                             {&rowTerm, &capturedRows},
                                             {&columnTerm, &capturedColumns}};
  for (auto [packed, index] : buffers)
    if (packed->buffer) {
      *index = uses.size();
      uses.push_back(packed->buffer);
    }
  RegionUses epilogueUses =
      RegionUses::append(b, loc, epilogueAccesses, op.getEpilogue(), uses);

  auto body = [&](Emitter &e, Value begin, Value end, ValueRange captured) {
    OpBuilder &b = e.b;
    VectorType accType = VectorType::get({lanes}, i32);
    Value c = captured[0];
    Value a = packedOf(lhsWords, e, captured[capturedA]);
    Value weights = packedOf(rhsWords, e, captured[capturedB]);
    Value rowTerms = hasRowTerm ? packedOf(rowTerm, e, captured[capturedRows])
                                : Value();
    Value columns = hasColumnTerm
                        ? packedOf(columnTerm, e, captured[capturedColumns])
                        : Value();
    ValueRange inputs = epilogueUses.inputs(captured);
    IRMapping above = epilogueUses.aboveMapping(captured);

    auto tile = [&](Value batchIndex, Value row, Value panel, int64_t rows,
                    int64_t width) {
      Value tileItem = arith::DivUIOp::create(b, e.loc, row, e.index(mr));
      if (lhsCopies > 1)
        tileItem = e.add(tileItem, e.mul(batchIndex, tiles));
      Value panelItem =
          rhsCopies > 1 ? e.add(panel, e.mul(batchIndex, panels)) : panel;
      int64_t vectors = (width + lanes - 1) / lanes;
      SmallVector<Value> acc;
      for (int64_t i = 0; i < rows; ++i) {
        Value rowPart;
        if (hasRowTerm)
          rowPart = vector::BroadcastOp::create(
              b, e.loc, accType,
              memref::LoadOp::create(
                  b, e.loc, rowTerms,
                  ValueRange{e.add(e.mul(tileItem, mr), i)}));
        for (int64_t v = 0; v < vectors; ++v) {
          Value init =
              hasColumnTerm
                  ? vector::LoadOp::create(
                        b, e.loc, accType, columns,
                        ValueRange{e.add(e.mul(panelItem, nr), v * lanes)})
                        .getResult()
                  : e.zeros(accType);
          if (rowPart)
            init = arith::AddIOp::create(b, e.loc, init, rowPart);
          acc.push_back(init);
        }
      }
      auto loop = scf::ForOp::create(
          b, e.loc, e.index(0), e.index(groups), e.index(1), acc,
          [&](OpBuilder &, Location, Value g, ValueRange iter) {
            SmallVector<Value> sums(iter);
            SmallVector<Value> rhsVectors;
            for (int64_t v = 0; v < vectors; ++v)
              rhsVectors.push_back(vector::LoadOp::create(
                  b, e.loc, accType, weights,
                  ValueRange{panelItem, g, e.index(v * lanes)}));
            for (int64_t i = 0; i < rows; ++i) {
              Value x = vector::BroadcastOp::create(
                  b, e.loc, accType,
                  memref::LoadOp::create(b, e.loc, a,
                                         ValueRange{tileItem, g, e.index(i)}));
              for (int64_t v = 0; v < vectors; ++v) {
                Value &sum = sums[i * vectors + v];
                sum = multiplyAdd(e, form, sum, x, rhsVectors[v]);
              }
            }
            scf::YieldOp::create(b, e.loc, sums);
          });
      Value outBase = kernels::batchOffset(e, out, batch, sizes, batchIndex);
      SmallVector<Value> inputBases;
      for (const Access &input : epilogueAccesses)
        inputBases.push_back(
            kernels::batchOffset(e, input, batch, sizes, batchIndex));
      Value column = e.mul(panel, nr);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t v = 0; v < vectors; ++v) {
          int64_t valid = std::clamp<int64_t>(width - v * lanes, 0, lanes);
          Value col = e.add(column, v * lanes);
          SmallVector<Value> arguments{loop.getResult(i * vectors + v)};
          for (auto [input, access, inputBase] :
               llvm::zip(inputs, epilogueAccesses, inputBases)) {
            Value at =
                e.add(e.add(inputBase, e.mul(e.add(row, i), access.stride[mDim])),
                      e.mul(col, access.stride[nDim]));
            arguments.push_back(
                loadAlong(e, input, at, access.stride[nDim], valid));
          }
          Value result = applyEpilogue(e, epilogue, arguments, above);
          Value at = e.add(
              e.add(outBase, e.mul(e.add(row, i), out.stride[mDim])), col);
          e.store(result, c, {at}, valid);
        }
    };

    e.loop(begin, end, 1, [&](Value item) {
      Value batchIndex =
          arith::DivUIOp::create(b, e.loc, item, e.index(blocks * panels));
      Value rest =
          arith::RemUIOp::create(b, e.loc, item, e.index(blocks * panels));
      Value blockIndex =
          arith::DivUIOp::create(b, e.loc, rest, e.index(panels));
      Value panel = arith::RemUIOp::create(b, e.loc, rest, e.index(panels));
      Value r0 = e.mul(blockIndex, blockRows);
      Value r1 = e.min(e.add(r0, blockRows), e.index(fullRows));
      forTileSize(e, panel, panels, nr, n % nr, [&](int64_t width) {
        e.loop(r0, r1, mr, [&](Value row) {
          tile(batchIndex, row, panel, mr, width);
        });
        if (m % mr) {
          // The last block holds the partial row tile.
          Value last =
              arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::eq,
                                    blockIndex, e.index(blocks - 1));
          auto ifOp = scf::IfOp::create(b, e.loc, last, /*withElse=*/false);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          tile(batchIndex, e.index(fullRows), panel, m % mr, width);
        }
      });
    });
  };
  int64_t items = batches * blocks * panels;
  bool parallel = op.getConfigAttr()
                      ? op.getConfigAttr().getParallel() && items >= 2
                      : runsInParallel(context, batches * m * n * k / 4, items);
  emitRange(kernelContext, op, items, parallel, uses, body);
  op.erase();
  return success();
}
