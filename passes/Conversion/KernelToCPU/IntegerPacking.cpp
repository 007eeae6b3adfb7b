//===- IntegerPacking.cpp - operands of the 8-bit integer matmuls --------===//
//
// The operands of an 8-bit integer tk.matmul packed for its instruction
// (IntegerMatmulKernel.cpp describes the layouts): each G consecutive
// elements along K in one i32 word — rhs as [N/NR][K/G][NR] (AMX: the
// same words as the bytes of a B tile's rows), lhs as [M/MR][K/G][MR]
// (AMX: the rows as they are, [M][K] bytes) — shifted by 128 where the
// instruction takes the other signedness, with their line sums (the row
// and column terms). A constant operand is packed now into a new global,
// any other at run time by a range before the kernel.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/KernelToCPU/IntegerMatmul.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <cstdint>

using namespace mlir;
using namespace tessera;
using namespace tessera::kernels;
using namespace tessera::kernels::int8;

namespace {

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
        int64_t value = valueOf(values[base + line * lineStride + r * kStride],
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

/// `pack(g, elements, sums)` for every group g of `group` elements along
/// K: the full ones in a loop carrying `sums`, the partial last one after;
/// returns the sums.
SmallVector<Value>
forGroups(Emitter &e, int64_t k, int64_t group, ValueRange init,
          function_ref<SmallVector<Value>(Value, int64_t, ValueRange)> pack) {
  SmallVector<Value> sums(init);
  int64_t fullGroups = k / group;
  if (fullGroups) {
    auto loop = scf::ForOp::create(
        e.b, e.loc, e.index(0), e.index(fullGroups), e.index(1), init,
        [&](OpBuilder &, Location, Value g, ValueRange iter) {
          scf::YieldOp::create(e.b, e.loc, pack(g, group, iter));
        });
    sums.assign(loop.getResults().begin(), loop.getResults().end());
  }
  if (k % group)
    sums = pack(e.index(fullGroups), k % group, sums);
  return sums;
}

} // namespace

PackedOperands tessera::kernels::int8::packOperands(KernelContext &context,
                                                    const Plan &plan) {
  tk::MatmulOp op = plan.op;
  ArrayRef<int64_t> sizes = plan.sizes;
  ArrayRef<int64_t> batch = plan.batch;
  const Access &lhs = plan.lhs(), &rhs = plan.rhs();
  int64_t mDim = plan.mDim, nDim = plan.nDim, kDim = plan.kDim;
  int64_t m = plan.m, n = plan.n, k = plan.k;
  int64_t lhsCopies = plan.lhsCopies, rhsCopies = plan.rhsCopies;
  bool lhsUnsigned = plan.lhsUnsigned, rhsUnsigned = plan.rhsUnsigned;
  bool amx = plan.amx, hasColumnTerm = plan.hasColumnTerm,
       hasRowTerm = plan.hasRowTerm;
  const DotForm &form = plan.form;
  const TileShape &shape = plan.shape;
  int64_t lanes = plan.lanes, group = plan.group, groups = plan.groups;
  int64_t nr = plan.nr, panels = plan.panels, mr = plan.mr, tiles = plan.tiles;
  int64_t kSteps = plan.kSteps, amxRows = plan.amxRows;
  int64_t bitsPerElement = 32 / group;
  uint32_t elementMask = group == 4 ? 0xffu : 0xffffu;

  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i32 = b.getI32Type();
  KernelContext kernelContext = context;
  kernelContext.shape = shape;
  auto constOffset = [&](const Access &access, int64_t index) {
    return kernels::batchOffset(access, batch, sizes, index);
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
  // The right operand: words [rhsCopies * panels][groups][NR] and the
  // column term sa colsum(b') + sa sb K, [rhsCopies * panels * NR].
  // AMX reads them as bytes, [..][groups][4 NR] i8 (a B tile's rows).
  Type wordElement = amx ? Type(b.getI8Type()) : i32;
  Packed rhsWords{
      {}, {}, {rhsCopies * panels, groups, amx ? 4 * nr : nr}, wordElement};
  Packed columnTerm{{}, {}, {rhsCopies * panels * nr}, {}};
  if (DenseElementsAttr data = rootConstant(rhs.buffer)) {
    auto [words, sums] = packConstant(
        data, rhsUnsigned, form.rhsShift, group, rhsCopies,
        [&](int64_t copy) { return constOffset(rhs, copy); }, n,
        rhs.stride[nDim], rhs.stride[kDim], k, nr, groups);
    SmallVector<int32_t> terms;
    for (int64_t sum : sums)
      terms.push_back(static_cast<int32_t>(form.lhsShift * sum +
                                           form.lhsShift * form.rhsShift * k));
    if (amx) {
      // Panels past the matrix (the pair's second) are zeros.
      words.resize(rhsCopies * panels * groups * nr, 0);
      SmallVector<int8_t> bytes;
      for (int32_t word : words)
        for (int64_t byte = 0; byte < 4; ++byte)
          bytes.push_back(
              static_cast<int8_t>(static_cast<uint32_t>(word) >> (8 * byte)));
      rhsWords.name = packedConstant(
          context, op, "__tessera_packed_rhs",
          DenseElementsAttr::get(
              RankedTensorType::get(rhsWords.shape, b.getI8Type()),
              ArrayRef<int8_t>(bytes)));
    } else {
      rhsWords.name = global("__tessera_packed_rhs", rhsWords.shape, words);
    }
    if (hasColumnTerm)
      columnTerm.name =
          global("__tessera_column_term", columnTerm.shape, terms);
  } else {
    rhsWords.buffer = memref::AllocOp::create(
        b, loc, MemRefType::get(rhsWords.shape, wordElement));
    if (hasColumnTerm)
      columnTerm.buffer = buffer(columnTerm.shape);
    SmallVector<Value> packUses{flatView(b, loc, rhs), rhsWords.buffer};
    if (hasColumnTerm)
      packUses.push_back(columnTerm.buffer);
    // One (copy, panel) item at a time: per group, lanes columns at once,
    // the G elements of each column shifted into its i32 lane.
    // The panels there are (AMX pads to pairs: the second of a last pair,
    // and the groups past K, are left as they are: they meet A's zero
    // padding or columns that are not stored).
    int64_t realPanels = (n + nr - 1) / nr;
    emitRange(
        kernelContext, op, rhsCopies * realPanels,
        context.parallel && rhsCopies * n * k >= context.parallelElements,
        packUses, [&](Emitter &e, Value begin, Value end, ValueRange captured) {
          OpBuilder &b = e.b;
          VectorType wordType = VectorType::get({lanes}, i32);
          auto splat = [&](int64_t v) -> Value {
            return arith::ConstantOp::create(
                b, e.loc,
                DenseElementsAttr::get(wordType, b.getI32IntegerAttr(v)));
          };
          e.loop(begin, end, 1, [&](Value index) {
            Value copy =
                arith::DivUIOp::create(b, e.loc, index, e.index(realPanels));
            Value panel =
                arith::RemUIOp::create(b, e.loc, index, e.index(realPanels));
            Value item = e.add(e.mul(copy, panels), panel);
            Value base = kernels::batchOffset(e, rhs, batch, sizes, copy);
            forTileSize(e, panel, realPanels, nr, n % nr, [&](int64_t width) {
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
                    Value wide = rhsUnsigned ? Value(arith::ExtUIOp::create(
                                                   b, e.loc, wordType, bytes))
                                             : Value(arith::ExtSIOp::create(
                                                   b, e.loc, wordType, bytes));
                    if (form.rhsShift)
                      wide = arith::SubIOp::create(b, e.loc, wide,
                                                   splat(form.rhsShift));
                    // Lanes past N loaded as 0 and shifted: back to 0.
                    if (form.rhsShift && columns < lanes)
                      wide = arith::SelectOp::create(b, e.loc, e.mask(columns),
                                                     wide, e.zeros(wordType));
                    if (hasColumnTerm)
                      next[v] = arith::AddIOp::create(b, e.loc, next[v], wide);
                    Value bits = arith::AndIOp::create(b, e.loc, wide,
                                                       splat(elementMask));
                    if (t)
                      bits = arith::ShLIOp::create(b, e.loc, bits,
                                                   splat(bitsPerElement * t));
                    word = arith::OrIOp::create(b, e.loc, word, bits);
                  }
                  if (amx)
                    vector::StoreOp::create(
                        b, e.loc,
                        vector::BitCastOp::create(
                            b, e.loc,
                            VectorType::get({4 * lanes}, b.getI8Type()), word),
                        captured[1], ValueRange{item, g, e.index(0)});
                  else
                    e.store(word, captured[1], {item, g, e.index(v * lanes)},
                            lanes);
                }
                return next;
              };
              SmallVector<Value> sums =
                  forGroups(e, k, group, zeros, packGroup);
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
  // AMX: the rows as they are, [lhsCopies * rows][K] bytes, rows and K
  // zero-padded to whole tiles.
  Packed lhsWords{{}, {}, {lhsCopies * tiles, groups, mr}, {}};
  Packed rowTerm{{}, {}, {lhsCopies * tiles * mr}, {}};
  int64_t amxK = kSteps * kAmxK;
  if (amx) {
    lhsWords.shape = {lhsCopies * amxRows, amxK};
    lhsWords.element = b.getI8Type();
  }
  DenseElementsAttr lhsData = rootConstant(lhs.buffer);
  if (amx && lhsData) {
    auto values = lhsData.getValues<int8_t>();
    SmallVector<int8_t> bytes(lhsCopies * amxRows * amxK, 0);
    for (int64_t copy = 0; copy < lhsCopies; ++copy)
      for (int64_t row = 0; row < m; ++row)
        for (int64_t r = 0; r < k; ++r)
          bytes[(copy * amxRows + row) * amxK + r] =
              values[constOffset(lhs, copy) + row * lhs.stride[mDim] +
                     r * lhs.stride[kDim]];
    lhsWords.name =
        packedConstant(context, op, "__tessera_packed_lhs",
                       DenseElementsAttr::get(
                           RankedTensorType::get(lhsWords.shape, b.getI8Type()),
                           ArrayRef<int8_t>(bytes)));
  } else if (amx) {
    lhsWords.buffer = memref::AllocOp::create(
        b, loc, MemRefType::get(lhsWords.shape, b.getI8Type()));
    int64_t rowGroups = amxRows / kAmxTile;
    emitRange(
        kernelContext, op, lhsCopies * rowGroups,
        context.parallel && lhsCopies * m * k >= context.parallelElements,
        {flatView(b, loc, lhs), lhsWords.buffer},
        [&](Emitter &e, Value begin, Value end, ValueRange captured) {
          OpBuilder &b = e.b;
          TileShape byteShape = shape;
          byteShape.lanes = kAmxK;
          Emitter bytes(b, e.loc, byteShape);
          VectorType byteType = VectorType::get({kAmxK}, b.getI8Type());
          e.loop(begin, end, 1, [&](Value item) {
            Value copy =
                arith::DivUIOp::create(b, e.loc, item, e.index(rowGroups));
            Value base = kernels::batchOffset(e, lhs, batch, sizes, copy);
            Value first = e.mul(
                arith::RemUIOp::create(b, e.loc, item, e.index(rowGroups)),
                kAmxTile);
            e.loop(0, kAmxTile, 1, [&](Value i) {
              Value row = e.add(first, i);
              Value target = e.add(e.mul(copy, amxRows), row);
              Value inside = arith::CmpIOp::create(
                  b, e.loc, arith::CmpIPredicate::slt, row, e.index(m));
              auto ifOp =
                  scf::IfOp::create(b, e.loc, inside, /*withElse=*/true);
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPointToStart(ifOp.thenBlock());
              Value rowStart = e.add(base, e.mul(row, lhs.stride[mDim]));
              auto step = [&](Value kb, int64_t valid) {
                Value at =
                    e.add(rowStart, e.mul(e.mul(kb, kAmxK), lhs.stride[kDim]));
                Value x =
                    loadAlong(bytes, captured[0], at, lhs.stride[kDim], valid);
                vector::StoreOp::create(b, e.loc, x, captured[1],
                                        ValueRange{target, e.mul(kb, kAmxK)});
              };
              e.loop(0, k / kAmxK, 1, [&](Value kb) { step(kb, kAmxK); });
              if (k % kAmxK)
                step(e.index(k / kAmxK), k % kAmxK);
              b.setInsertionPointToStart(ifOp.elseBlock());
              e.loop(0, kSteps, 1, [&](Value kb) {
                vector::StoreOp::create(b, e.loc, e.zeros(byteType),
                                        captured[1],
                                        ValueRange{target, e.mul(kb, kAmxK)});
              });
            });
          });
        });
  } else if (DenseElementsAttr data = lhsData) {
    auto [words, sums] = packConstant(
        data, lhsUnsigned, form.lhsShift, group, lhsCopies,
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
                Value at = e.add(e.add(rowStart[i], e.mul(e.mul(g, group),
                                                          lhs.stride[kDim])),
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
            SmallVector<Value> sums = forGroups(e, k, group, init, packGroup);
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
  return {lhsWords, rhsWords, rowTerm, columnTerm};
}
