//===- FormKernels.cpp - tk kernels from linalg contractions on tensors ---===//
//
// Kernel formation: a linalg contraction becomes a tk.matmul, then the ops
// around it fold into the kernel one at a time (each pattern below is one
// fold), so that whatever sequence of transposes, reshapes and elementwise
// ops an exporter spelled, the contraction stays one kernel whose operand
// maps say how it reads and writes memory.
//
// Maps are handled as linear forms (LinearTerm lists per result): composing
// a transpose permutes results, a reshape regroups mixed-radix digits and
// may split a loop into an outer batch loop and an inner one.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/Kernel/Transforms/Passes.h"
#include "dialects/Kernel/Transforms/Formation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace tessera::tk {
#define GEN_PASS_DEF_FORMKERNELS
#include "dialects/Kernel/Transforms/Passes.h.inc"
} // namespace tessera::tk

using namespace mlir;
using namespace tessera::tk;

namespace {

using Linear = SmallVector<LinearTerm>;
using LinearMap = SmallVector<Linear>;

LinearMap toLinear(AffineMap map) {
  LinearMap result;
  for (AffineExpr expr : map.getResults())
    result.push_back(*linearTerms(expr)); // tk maps verify linear
  return result;
}

AffineMap toAffine(const LinearMap &map, int64_t loops, MLIRContext *context) {
  SmallVector<AffineExpr> exprs;
  for (const Linear &terms : map) {
    Linear sorted = terms;
    llvm::sort(sorted, [](const LinearTerm &a, const LinearTerm &b) {
      return a.coefficient > b.coefficient;
    });
    exprs.push_back(buildLinear(sorted, context));
  }
  return AffineMap::get(loops, 0, exprs, context);
}

/// Every loop `d` replaced by `replacement[d]`.
LinearMap substitute(const LinearMap &map, ArrayRef<Linear> replacement) {
  LinearMap result;
  for (const Linear &terms : map) {
    Linear out;
    for (const LinearTerm &term : terms)
      for (const LinearTerm &inner : replacement[term.dim])
        out.push_back({inner.dim, term.coefficient * inner.coefficient});
    llvm::sort(out, [](const LinearTerm &a, const LinearTerm &b) {
      return a.coefficient < b.coefficient;
    });
    result.push_back(out);
  }
  return result;
}

/// The maps of `op` as linear forms.
SmallVector<LinearMap> linearMaps(MatmulOp op) {
  SmallVector<LinearMap> maps;
  for (AffineMap map : op.getIndexingMapsArray())
    maps.push_back(toLinear(map));
  return maps;
}

/// Whether every loop is read whole by some map result (the tk.matmul
/// verifier's rule), so a rewrite may build the op.
bool loopsReadWhole(ArrayRef<LinearMap> maps, int64_t loops) {
  SmallVector<bool> read(loops, false);
  for (const LinearMap &map : maps)
    for (const Linear &terms : map)
      if (terms.size() == 1 && terms[0].coefficient == 1)
        read[terms[0].dim] = true;
  return llvm::all_of(read, [](bool r) { return r; });
}

/// The extent of every loop of `maps` over `operands`' shapes (0 where no
/// result reads a loop whole).
SmallVector<int64_t> loopSizesOf(ArrayRef<LinearMap> maps, ValueRange operands,
                                 int64_t loops) {
  SmallVector<int64_t> sizes(loops, 0);
  for (auto [map, operand] : llvm::zip(maps, operands))
    for (auto [r, terms] : llvm::enumerate(map))
      if (terms.size() == 1 && terms[0].coefficient == 1 &&
          sizes[terms[0].dim] == 0)
        sizes[terms[0].dim] =
            cast<ShapedType>(operand.getType()).getDimSize(r);
  return sizes;
}

/// Unit loops only ever index 0: inside sums of several loops they are
/// dropped (their coefficients would only confuse the mixed-radix order).
/// Plain reads are single terms, so this never changes which loops are
/// read whole.
SmallVector<LinearMap> stripUnitLoops(ArrayRef<LinearMap> maps,
                                      ValueRange operands, int64_t loops) {
  SmallVector<LinearMap> result(maps.begin(), maps.end());
  SmallVector<int64_t> sizes = loopSizesOf(maps, operands, loops);
  for (LinearMap &map : result)
    for (Linear &terms : map)
      if (terms.size() > 1)
        llvm::erase_if(terms, [&](const LinearTerm &term) {
          return sizes[term.dim] == 1;
        });
  return result;
}

/// The loop the output is contiguous along: the coefficient-1 term of its
/// innermost result of size > 1 (-1 when none).
int64_t contiguousLoop(const LinearMap &initMap, ShapedType type) {
  for (int64_t r = type.getRank() - 1; r >= 0; --r) {
    if (type.getDimSize(r) == 1)
      continue;
    const Linear &terms = initMap[r];
    return terms.empty() || terms[0].coefficient != 1 ? -1 : terms[0].dim;
  }
  return -1;
}

/// A tk.matmul like `old` with new operands and maps; old's epilogue moves
/// over, and `extraArgs` new epilogue arguments are appended to it.
MatmulOp rebuild(PatternRewriter &rewriter, MatmulOp old, Value lhs, Value rhs,
                 ValueRange epilogueInputs, Value init,
                 ArrayRef<LinearMap> maps, int64_t loops,
                 bool swapped = false) {
  SmallVector<AffineMap> affine;
  SmallVector<Value> operands{lhs, rhs};
  llvm::append_range(operands, epilogueInputs);
  operands.push_back(init);
  for (const LinearMap &map : stripUnitLoops(maps, operands, loops))
    affine.push_back(toAffine(map, loops, rewriter.getContext()));
  auto op = MatmulOp::create(rewriter, old.getLoc(), TypeRange{init.getType()},
                             lhs, rhs, epilogueInputs, init,
                             rewriter.getAffineMapArrayAttr(affine),
                             old.getConfigAttr(),
                             swapped ? old.getRhsUnsignedAttr()
                                     : old.getLhsUnsignedAttr(),
                             swapped ? old.getLhsUnsignedAttr()
                                     : old.getRhsUnsignedAttr());
  rewriter.inlineRegionBefore(old.getEpilogue(), op.getEpilogue(),
                              op.getEpilogue().end());
  return op;
}

/// `op` with a new output (`init`) and maps, its inputs unchanged; the new
/// kernel replaces `user`, which read op's result, and `op` goes.
void replaceUserWithKernel(PatternRewriter &rewriter, MatmulOp op,
                           Operation *user, Value init,
                           ArrayRef<LinearMap> maps, int64_t loops) {
  rewriter.setInsertionPoint(user);
  MatmulOp folded = rebuild(rewriter, op, op.getLhs(), op.getRhs(),
                            op.getEpilogueInputs(), init, maps, loops);
  rewriter.replaceOp(user, folded.getResults());
  rewriter.eraseOp(op);
}

/// Operands of `op` in order: lhs, rhs, epilogue inputs, init.
SmallVector<Value> operandsOf(MatmulOp op) {
  return SmallVector<Value>(op->getOperands());
}

/// The op using `op`'s result, when it is the only user.
Operation *singleUser(MatmulOp op) {
  if (!op->hasOneUse())
    return nullptr;
  return *op->getUsers().begin();
}

/// Whether `value` is a splat zero: a zero fill or a zero constant.
bool isZero(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat()) ||
           matchPattern(fill.getInputs()[0], m_Zero());
  return matchPattern(value, m_AnyZeroFloat()) ||
         matchPattern(value, m_Zero());
}

/// An integer kernel: 8-bit operands summed in i32.
bool isIntegerKernel(MatmulOp op) {
  return getElementTypeOrSelf(op.getLhs().getType()).isSignlessInteger(8);
}


//===----------------------------------------------------------------------===//
// Contraction -> tk.matmul
//===----------------------------------------------------------------------===//

/// The product a linalg body accumulates, `out + product` (in either
/// order) with `Add` and `Mul`, or null.
template <typename Add, typename Mul>
Mul accumulatedProduct(Block &body) {
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!yield || yield.getNumOperands() != 1)
    return nullptr;
  auto add = yield.getOperand(0).getDefiningOp<Add>();
  if (!add)
    return nullptr;
  Value out = body.getArgument(2);
  Value product = add.getLhs() == out   ? add.getRhs()
                  : add.getRhs() == out ? add.getLhs()
                                        : Value();
  return product ? product.template getDefiningOp<Mul>() : nullptr;
}

/// Whether `body` computes out + a * b (in either order) on floats.
bool isMulAddBody(Block &body) {
  auto mul = accumulatedProduct<arith::AddFOp, arith::MulFOp>(body);
  if (!mul)
    return false;
  Value a = body.getArgument(0), b = body.getArgument(1);
  return (mul.getLhs() == a && mul.getRhs() == b) ||
         (mul.getLhs() == b && mul.getRhs() == a);
}

/// Whether `body` computes out + ext(a) * ext(b) in i32 (in either order)
/// from 8-bit a and b, each sign- or zero-extended; `unsignedA` and
/// `unsignedB` say which.
bool isIntegerMulAddBody(Block &body, bool &unsignedA, bool &unsignedB) {
  auto mul = accumulatedProduct<arith::AddIOp, arith::MulIOp>(body);
  if (!mul || !mul.getType().isSignlessInteger(32))
    return false;
  // The extension of a block argument: which argument, and how.
  auto extended = [&](Value v, bool &isUnsigned) -> Value {
    if (auto ext = v.getDefiningOp<arith::ExtUIOp>()) {
      isUnsigned = true;
      return ext.getIn();
    }
    if (auto ext = v.getDefiningOp<arith::ExtSIOp>()) {
      isUnsigned = false;
      return ext.getIn();
    }
    return Value();
  };
  bool first = false, second = false;
  Value x = extended(mul.getLhs(), first), y = extended(mul.getRhs(), second);
  Value a = body.getArgument(0), b = body.getArgument(1);
  if (x == a && y == b) {
    unsignedA = first;
    unsignedB = second;
    return true;
  }
  if (x == b && y == a) {
    unsignedA = second;
    unsignedB = first;
    return true;
  }
  return false;
}

struct ContractionToMatmul : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
        op.getNumDpsInits() != 1 || op->getNumRegions() != 1 ||
        op->getRegion(0).empty())
      return rewriter.notifyMatchFailure(op, "not a two-input linalg op");
    auto elementOf = [](Value v) -> Type {
      auto type = dyn_cast<RankedTensorType>(v.getType());
      return type && type.hasStaticShape() ? type.getElementType() : Type();
    };
    Type lhsType = elementOf(op->getOperand(0)),
         rhsType = elementOf(op->getOperand(1)),
         outType = elementOf(op->getOperand(2));
    bool unsignedLhs = false, unsignedRhs = false;
    bool integer = lhsType && rhsType && outType &&
                   lhsType.isSignlessInteger(8) &&
                   rhsType.isSignlessInteger(8) &&
                   outType.isSignlessInteger(32);
    if (integer) {
      if (!isIntegerMulAddBody(*op.getBlock(), unsignedLhs, unsignedRhs))
        return rewriter.notifyMatchFailure(
            op, "body is not an extended 8-bit multiply-add");
    } else {
      if (!lhsType || !rhsType || !outType || !lhsType.isF32() ||
          !rhsType.isF32() || !outType.isF32())
        return rewriter.notifyMatchFailure(
            op, "not static f32 tensors or 8-bit integers into i32");
      if (!isMulAddBody(*op.getBlock()))
        return rewriter.notifyMatchFailure(op, "body is not a multiply-add");
    }
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    int64_t loops = op.getNumLoops();
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    LinearMap lhsMap, rhsMap, outMap;
    for (auto [map, target] :
         llvm::zip(maps, SmallVector<LinearMap *>{&lhsMap, &rhsMap, &outMap})) {
      for (AffineExpr expr : map.getResults()) {
        FailureOr<Linear> terms = linearTerms(expr);
        if (failed(terms) || terms->size() > 1 ||
            (terms->size() == 1 && (*terms)[0].coefficient != 1))
          return rewriter.notifyMatchFailure(op, "maps are not projections");
        target->push_back(*terms);
      }
    }
    auto reads = [&](const LinearMap &map, int64_t d) {
      return llvm::any_of(map, [&](const Linear &terms) {
        return !terms.empty() && terms[0].dim == d;
      });
    };
    // Classify loops: one reduction (k); m reads lhs and the output, n rhs
    // and the output; the rest are batch loops.
    SmallVector<int64_t> reductions, ms, ns;
    for (int64_t d = 0; d < loops; ++d) {
      if (iterators[d] == utils::IteratorType::reduction) {
        if (!reads(lhsMap, d) || !reads(rhsMap, d) || reads(outMap, d))
          return rewriter.notifyMatchFailure(op, "unusual reduction loop");
        reductions.push_back(d);
      } else if (!reads(outMap, d)) {
        return rewriter.notifyMatchFailure(op, "parallel loop not in output");
      } else if (reads(lhsMap, d) && !reads(rhsMap, d)) {
        ms.push_back(d);
      } else if (reads(rhsMap, d) && !reads(lhsMap, d)) {
        ns.push_back(d);
      }
    }
    if (reductions.size() != 1)
      return rewriter.notifyMatchFailure(op, "needs exactly one reduction");
    if (ms.empty() || ns.empty())
      return rewriter.notifyMatchFailure(op, "no row or no column loop");
    // m and n: the m/n loop that comes last in the output; other m/n loops
    // become batch loops.
    auto lastInOutput = [&](ArrayRef<int64_t> candidates) {
      for (const Linear &terms : llvm::reverse(outMap))
        if (!terms.empty() && llvm::is_contained(candidates, terms[0].dim))
          return terms[0].dim;
      return candidates.back();
    };
    int64_t m = lastInOutput(ms), n = lastInOutput(ns), k = reductions[0];
    SmallVector<Linear> replacement(loops);
    int64_t next = 0;
    for (int64_t d = 0; d < loops; ++d)
      if (d != m && d != n && d != k)
        replacement[d] = {{next++, 1}};
    replacement[m] = {{next, 1}};
    replacement[n] = {{next + 1, 1}};
    replacement[k] = {{next + 2, 1}};
    int64_t tkLoops = next + 3;

    Location loc = op.getLoc();
    Value init = op.getDpsInits()[0];
    SmallVector<Value> epilogueInputs;
    SmallVector<LinearMap> tkMaps{substitute(lhsMap, replacement),
                                  substitute(rhsMap, replacement)};
    LinearMap tkOut = substitute(outMap, replacement);
    bool accumulates = !isZero(init);
    if (accumulates) {
      epilogueInputs.push_back(init);
      tkMaps.push_back(tkOut);
    }
    tkMaps.push_back(tkOut);
    Value destination = emptyLike(rewriter, loc, init);
    SmallVector<AffineMap> affine;
    for (const LinearMap &map : tkMaps)
      affine.push_back(toAffine(map, tkLoops, rewriter.getContext()));
    auto matmul = MatmulOp::create(
        rewriter, loc, TypeRange{init.getType()}, op.getDpsInputs()[0],
        op.getDpsInputs()[1], epilogueInputs, destination,
        rewriter.getAffineMapArrayAttr(affine), CPUTileAttr(),
        unsignedLhs ? rewriter.getUnitAttr() : UnitAttr(),
        unsignedRhs ? rewriter.getUnitAttr() : UnitAttr());
    Type accType = outType;
    Block *body = rewriter.createBlock(&matmul.getEpilogue());
    Value acc = body->addArgument(accType, loc);
    Value result = acc;
    if (accumulates)
      result = integer ? Value(arith::AddIOp::create(
                             rewriter, loc, body->addArgument(accType, loc),
                             acc))
                       : Value(arith::AddFOp::create(
                             rewriter, loc, body->addArgument(accType, loc),
                             acc));
    YieldOp::create(rewriter, loc, result);
    rewriter.replaceOp(op, matmul.getResult());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Transposed and broadcast inputs
//===----------------------------------------------------------------------===//

/// A transpose or broadcast producing lhs, rhs or an epilogue input: the
/// kernel reads its source, the operand's map composed (Gemm transB, K in
/// Q x K^T, an Expand of a weight).
struct FoldInputReindex : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "not on tensors");
    SmallVector<Value> operands = operandsOf(op);
    SmallVector<LinearMap> maps = linearMaps(op);
    int64_t inputs = operands.size() - 1;
    for (int64_t i = 0; i < inputs; ++i) {
      FailureOr<Reindex> reindex = reindexOf(operands[i]);
      if (failed(reindex))
        continue;
      LinearMap map;
      for (int64_t j : reindex->second)
        map.push_back(j < 0 ? Linear() : maps[i][j]);
      maps[i] = map;
      operands[i] = reindex->first;
      MatmulOp folded = rebuild(rewriter, op, operands[0], operands[1],
                                ArrayRef<Value>(operands).slice(2, inputs - 2),
                                operands.back(), maps, op.getNumLoops());
      rewriter.replaceOp(op, folded.getResult());
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no transposed or broadcast input");
  }
};

//===----------------------------------------------------------------------===//
// Reshapes and transposes of the result
//===----------------------------------------------------------------------===//

/// The output map regrouped for an expand_shape of the result: the new
/// output map, each old loop in terms of the new loops (a split loop keeps
/// the inner part, a new batch loop takes the outer), and the loop count.
struct Regrouped {
  LinearMap initMap;
  SmallVector<Linear> replacement; // per old loop, over the new loops
  int64_t loops;
};

FailureOr<Regrouped> expandOutput(MatmulOp op, ArrayRef<int64_t> newShape,
                                  ArrayRef<ReassociationIndices> groups) {
  SmallVector<int64_t> sizes = op.getLoopSizes();
  LinearMap initMap = linearMaps(op).back();
  int64_t oldLoops = op.getNumLoops();
  // Splits create loops numbered past the old ones; renumbered below so
  // that the new (batch) loops come first.
  SmallVector<int64_t> loopSize(sizes);
  SmallVector<Linear> split(oldLoops); // old loop -> terms over new ids
  for (int64_t d = 0; d < oldLoops; ++d)
    split[d] = {{d, 1}};
  LinearMap newInit(newShape.size());
  for (auto [r, group] : llvm::enumerate(groups)) {
    // Digits of result r, innermost first: (loop id, size), where a loop id
    // may have been split already (only within this op, by this fold).
    SmallVector<std::pair<int64_t, int64_t>> digits;
    int64_t expected = 1;
    for (const LinearTerm &term : initMap[r]) {
      if (term.coefficient != expected)
        return failure();
      digits.push_back({term.dim, sizes[term.dim]});
      expected *= sizes[term.dim];
    }
    size_t next = 0;
    for (int64_t position : llvm::reverse(group)) {
      int64_t need = newShape[position];
      Linear terms;
      int64_t coefficient = 1;
      while (next < digits.size() &&
             (need > 1 || digits[next].second == 1)) {
        auto &[loop, size] = digits[next];
        if (size == 1) {
          terms.push_back({loop, coefficient});
          ++next;
          continue;
        }
        if (need % size == 0) {
          terms.push_back({loop, coefficient});
          coefficient *= size;
          need /= size;
          ++next;
          continue;
        }
        if (size % need)
          return failure();
        // Split: `loop` keeps the inner `need`, a new loop the outer part;
        // every old loop reading `loop` now reads outer * need + loop.
        int64_t splitLoop = loop, splitSize = size;
        int64_t outer = loopSize.size();
        loopSize.push_back(splitSize / need);
        loopSize[splitLoop] = need;
        for (Linear &old : split) {
          Linear expanded;
          for (const LinearTerm &term : old) {
            expanded.push_back(term);
            if (term.dim == splitLoop)
              expanded.push_back({outer, term.coefficient * need});
          }
          old = expanded;
        }
        terms.push_back({splitLoop, coefficient});
        digits[next] = {outer, splitSize / need};
        need = 1;
      }
      if (need != 1)
        return failure();
      newInit[position] = terms;
    }
    if (next != digits.size())
      return failure();
  }
  // Renumber: new loops (batch) first, then the old loops in order.
  int64_t added = loopSize.size() - oldLoops;
  SmallVector<Linear> renumber(loopSize.size());
  for (int64_t id = 0; id < static_cast<int64_t>(loopSize.size()); ++id)
    renumber[id] = {{id < oldLoops ? id + added : id - oldLoops, 1}};
  Regrouped result;
  result.loops = loopSize.size();
  result.initMap = substitute(newInit, renumber);
  result.replacement = substitute(split, renumber);
  return result;
}

struct FoldResultReshape : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "not on tensors");
    Operation *user = singleUser(op);
    SmallVector<LinearMap> maps = linearMaps(op);
    int64_t loops = op.getNumLoops();
    RankedTensorType newType;
    if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(user)) {
      newType = expand.getResultType();
      FailureOr<Regrouped> regrouped =
          expandOutput(op, newType.getShape(),
                       expand.getReassociationIndices());
      if (failed(regrouped))
        return rewriter.notifyMatchFailure(op, "reshape splits no loop evenly");
      for (LinearMap &map : maps)
        map = substitute(map, regrouped->replacement);
      maps.back() = regrouped->initMap;
      loops = regrouped->loops;
    } else if (auto collapse =
                   dyn_cast_or_null<tensor::CollapseShapeOp>(user)) {
      newType = collapse.getResultType();
      auto oldType = cast<RankedTensorType>(op.getInit().getType());
      LinearMap merged;
      for (const ReassociationIndices &group :
           collapse.getReassociationIndices()) {
        Linear terms;
        int64_t stride = 1;
        for (int64_t position : llvm::reverse(group)) {
          for (const LinearTerm &term : maps.back()[position])
            terms.push_back({term.dim, term.coefficient * stride});
          stride *= oldType.getDimSize(position);
        }
        llvm::sort(terms, [](const LinearTerm &a, const LinearTerm &b) {
          return a.coefficient < b.coefficient;
        });
        merged.push_back(terms);
      }
      maps.back() = merged;
    } else {
      return rewriter.notifyMatchFailure(op, "result is not only reshaped");
    }
    int64_t contiguous = contiguousLoop(maps.back(), newType);
    int64_t mLoop = loops - 3, nLoop = loops - 2;
    if ((contiguous != mLoop && contiguous != nLoop) ||
        !loopsReadWhole(maps, loops))
      return rewriter.notifyMatchFailure(op, "folded output not contiguous");
    rewriter.setInsertionPoint(user);
    Value newInit = tensor::EmptyOp::create(
        rewriter, op.getLoc(), newType.getShape(), newType.getElementType());
    replaceUserWithKernel(rewriter, op, user, newInit, maps, loops);
    return success();
  }
};

struct FoldResultTranspose : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "not on tensors");
    auto transpose = dyn_cast_or_null<linalg::TransposeOp>(singleUser(op));
    if (!transpose)
      return rewriter.notifyMatchFailure(op, "result is not only transposed");
    SmallVector<LinearMap> maps = linearMaps(op);
    LinearMap permuted;
    for (int64_t p : transpose.getPermutation())
      permuted.push_back(maps.back()[p]);
    maps.back() = permuted;
    Value newInit = transpose.getInit();
    int64_t loops = op.getNumLoops();
    int64_t contiguous =
        contiguousLoop(maps.back(), cast<ShapedType>(newInit.getType()));
    if (contiguous != loops - 3 && contiguous != loops - 2)
      return rewriter.notifyMatchFailure(op, "transposed output not contiguous");
    replaceUserWithKernel(rewriter, op, transpose, newInit, maps, loops);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Elementwise consumers -> epilogue
//===----------------------------------------------------------------------===//

struct FoldEpilogue : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    std::string why;
    bool integer = isIntegerKernel(op);
    FailureOr<EpilogueConsumer> consumer =
        matchEpilogueConsumer(op, why, integer);
    if (failed(consumer))
      return rewriter.notifyMatchFailure(op, why);
    Value result = op.getResult().front();
    linalg::GenericOp generic = consumer->generic;
    Value genericInit = generic.getDpsInits()[0];
    // The generic's loops in terms of the kernel's: through the (inverted)
    // permutation map by which it reads the kernel's result.
    AffineMap resultMap = consumer->resultMap;
    AffineMap outMap = generic.getIndexingMapsArray().back();
    if (!resultMap.isPermutation() || !outMap.isPermutation())
      return rewriter.notifyMatchFailure(op, "user is not a permutation");
    SmallVector<LinearMap> maps = linearMaps(op);
    const LinearMap &kernelOut = maps.back();
    int64_t genericLoops = generic.getNumLoops();
    SmallVector<Linear> genericLoop(genericLoops);
    for (auto [r, expr] : llvm::enumerate(resultMap.getResults()))
      genericLoop[cast<AffineDimExpr>(expr).getPosition()] = kernelOut[r];
    auto compose = [&](AffineMap map) -> FailureOr<LinearMap> {
      LinearMap composed;
      for (AffineExpr expr : map.getResults()) {
        if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
          composed.push_back(genericLoop[dim.getPosition()]);
          continue;
        }
        auto constant = dyn_cast<AffineConstantExpr>(expr);
        if (!constant || constant.getValue() != 0)
          return failure();
        composed.push_back({});
      }
      return composed;
    };
    SmallVector<Value> operands = operandsOf(op);
    SmallVector<Value> epilogueInputs(
        ArrayRef<Value>(operands).slice(2, operands.size() - 3));
    SmallVector<LinearMap> newMaps(maps.begin(), maps.end() - 1);
    SmallVector<int64_t> argumentOf; // generic input -> epilogue argument
    for (OpOperand *input : generic.getDpsInputOperands()) {
      if (input->get() == result) {
        argumentOf.push_back(0);
        continue;
      }
      auto type = dyn_cast<RankedTensorType>(input->get().getType());
      Type element = type ? type.getElementType() : Type();
      if (!element ||
          !(element.isF32() ||
            (integer && (element.isSignlessInteger(8) ||
                         element.isSignlessInteger(16) ||
                         element.isSignlessInteger(32)))))
        return rewriter.notifyMatchFailure(
            op, integer ? "input is not an f32 or integer tensor"
                        : "input is not an f32 tensor");
      FailureOr<LinearMap> map =
          compose(generic.getMatchingIndexingMap(input));
      if (failed(map))
        return rewriter.notifyMatchFailure(op, "input map is not a projection");
      argumentOf.push_back(1 + epilogueInputs.size());
      epilogueInputs.push_back(input->get());
      newMaps.push_back(*map);
    }
    LinearMap newOut = *compose(outMap);
    newMaps.push_back(newOut);
    int64_t loops = op.getNumLoops();
    int64_t contiguous =
        contiguousLoop(newOut, cast<ShapedType>(genericInit.getType()));
    if (contiguous != loops - 3 && contiguous != loops - 2)
      return rewriter.notifyMatchFailure(op, "fused output not contiguous");

    rewriter.setInsertionPoint(generic);
    MatmulOp fused = rebuild(rewriter, op, operands[0], operands[1],
                             epilogueInputs, genericInit, newMaps, loops);
    appendEpilogue(rewriter, fused.getEpilogue().front(), generic, result,
                   argumentOf);
    rewriter.replaceOp(generic, fused.getResults());
    rewriter.eraseOp(op);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Orientation
//===----------------------------------------------------------------------===//

/// When the output is contiguous along the rows, swaps the roles (C^T =
/// B^T A^T) so that it is contiguous along the columns, which the vector
/// lowerings store.
struct OrientColumns : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<LinearMap> maps = linearMaps(op);
    int64_t loops = op.getNumLoops();
    int64_t m = loops - 3, n = loops - 2;
    if (contiguousLoop(maps.back(), cast<ShapedType>(op.getInit().getType())) !=
        m)
      return rewriter.notifyMatchFailure(op, "already column-contiguous");
    SmallVector<Linear> swap(loops);
    for (int64_t d = 0; d < loops; ++d)
      swap[d] = {{d == m ? n : d == n ? m : d, 1}};
    for (LinearMap &map : maps)
      map = substitute(map, swap);
    std::swap(maps[0], maps[1]);
    SmallVector<Value> operands = operandsOf(op);
    Operation *anchor = op;
    rewriter.setInsertionPoint(anchor);
    MatmulOp swapped = rebuild(
        rewriter, op, operands[1], operands[0],
        ArrayRef<Value>(operands).slice(2, operands.size() - 3),
        operands.back(), maps, loops, /*swapped=*/true);
    rewriter.replaceOp(op, swapped->getResults());
    return success();
  }
};

struct FormKernelsPass : tessera::tk::impl::FormKernelsBase<FormKernelsPass> {
  using FormKernelsBase::FormKernelsBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    if (contractionsOnly) {
      populateContractionFormationPatterns(patterns);
      if (directConvs)
        populateDirectConvFormationPatterns(patterns);
    } else
      populateKernelFormationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation().walk([&](MatmulOp) { ++formed; });
  }
  Statistic formed{this, "kernels", "tk.matmul kernels formed"};
};

} // namespace

void tessera::tk::populateContractionFormationPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ContractionToMatmul, FoldInputReindex, FoldResultReshape,
               FoldResultTranspose, FoldEpilogue, OrientColumns>(
      patterns.getContext());
}

void tessera::tk::populateKernelFormationPatterns(RewritePatternSet &patterns) {
  populateContractionFormationPatterns(patterns);
  populateConvFormationPatterns(patterns);
  populateRowFormationPatterns(patterns);
}
