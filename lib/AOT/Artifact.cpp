//===- Artifact.cpp - the compiled model an application links -------------===//

#include "lib/AOT/Artifact.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalAlias.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/LogicalResult.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <cctype>
#include <sstream>

using namespace llvm;

/// TESSERA_ABI_VERSION of runtime/include/tessera/runtime.h.
static constexpr unsigned kABIVersion = 7;

std::string tessera::cIdentifier(const std::string &text) {
  std::string id;
  for (char c : text)
    id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0])))
    id = "_" + id;
  return id;
}

const char *tessera::cElementType(int32_t dtype) {
  switch (dtype) {
  case 1:
    return "float";
  case 2:
    return "uint8_t";
  case 3:
    return "int8_t";
  case 4:
    return "uint16_t";
  case 5:
    return "int16_t";
  case 6:
    return "int32_t";
  case 7:
    return "int64_t";
  case 9:
    return "bool";
  case 10:
    return "uint16_t /* f16 */";
  case 11:
    return "double";
  case 12:
    return "uint32_t";
  case 13:
    return "uint64_t";
  case 16:
    return "uint16_t /* bf16 */";
  }
  return "void";
}

namespace {
/// A thread-local pointer the entry sets for the kernel's helpers to read.
/// It is read and written only inside two small functions that are never
/// inlined: LLVM's x86-64 __tls_get_addr call is modeled as preserving
/// xmm16-31 and the mask registers, which the C library's slow path (the
/// first access in a thread: malloc, an AVX-512 memset) and sanitizer
/// runtimes do not; around an ordinary call nothing is assumed preserved.
struct ThreadLocalPointer {
  Function *get;
  Function *set;
};
} // namespace

static ThreadLocalPointer defineThreadLocal(Module &module,
                                            const std::string &name) {
  LLVMContext &context = module.getContext();
  Type *ptr = PointerType::get(context, 0);
  Type *voidType = Type::getVoidTy(context);
  auto *variable = new GlobalVariable(
      module, ptr, /*isConstant=*/false, GlobalValue::InternalLinkage,
      ConstantPointerNull::get(cast<PointerType>(ptr)), name, nullptr,
      GlobalValue::GeneralDynamicTLSModel);
  auto accessor = [&](const std::string &suffix, Type *result,
                      ArrayRef<Type *> params) {
    Function *f = Function::Create(FunctionType::get(result, params, false),
                                   GlobalValue::InternalLinkage,
                                   name + "_" + suffix, module);
    f->addFnAttr(Attribute::NoInline);
    return f;
  };
  ThreadLocalPointer local{accessor("get", ptr, {}),
                           accessor("set", voidType, {ptr})};
  IRBuilder<> g(BasicBlock::Create(context, "entry", local.get));
  g.CreateRet(g.CreateLoad(ptr, variable));
  IRBuilder<> s(BasicBlock::Create(context, "entry", local.set));
  s.CreateStore(local.set->getArg(0), variable);
  s.CreateRetVoid();
  return local;
}

/// Defines the profiler hooks a profiled kernel calls around each kernel,
/// `void hook(int32_t kernel)`: they call the begin or end function of the
/// caller's `tessera_profiler_t` (read from a thread-local the entry sets),
/// or nothing when there is none. Returns the function that sets that
/// thread-local.
static FailureOr<Function *>
defineProfilerHooks(Module &module, const tessera::ModelSignature &signature,
                    std::string &error) {
  LLVMContext &context = module.getContext();
  Type *ptr = PointerType::get(context, 0), *i32 = Type::getInt32Ty(context);
  Type *voidType = Type::getVoidTy(context);
  ThreadLocalPointer profiler =
      defineThreadLocal(module, signature.name + "_profiler");
  // tessera_profiler_t: { begin, end, user_data }.
  auto *profilerType = StructType::get(context, {ptr, ptr, ptr});
  for (auto [symbol, field] : {std::pair{&signature.profileBegin, 0u},
                               std::pair{&signature.profileEnd, 1u}}) {
    Function *hook = module.getFunction(*symbol);
    if (!hook || !hook->isDeclaration() || hook->arg_size() != 1 ||
        !hook->getArg(0)->getType()->isIntegerTy(32)) {
      error = "internal: the profiler hook '" + *symbol + "' is not declared";
      return failure();
    }
    hook->setLinkage(GlobalValue::InternalLinkage);
    IRBuilder<> b(BasicBlock::Create(context, "entry", hook));
    BasicBlock *call = BasicBlock::Create(context, "call", hook);
    BasicBlock *done = BasicBlock::Create(context, "done", hook);
    Value *current = b.CreateCall(profiler.get, {});
    b.CreateCondBr(b.CreateIsNull(current), done, call);
    b.SetInsertPoint(call);
    Value *function =
        b.CreateLoad(ptr, b.CreateStructGEP(profilerType, current, field));
    Value *user =
        b.CreateLoad(ptr, b.CreateStructGEP(profilerType, current, 2));
    b.CreateCall(FunctionType::get(voidType, {ptr, i32}, false), function,
                 {user, hook->getArg(0)});
    b.CreateBr(done);
    b.SetInsertPoint(done);
    b.CreateRetVoid();
  }
  return profiler.set;
}

/// Defines every dispatch the kernel generator declared:
/// it packs the task's captured values into a frame on the stack and hands
/// a trampoline to the caller's `tessera_parallel_t` (read from a
/// thread-local the entry sets), or runs the whole range itself when there
/// is none. Returns the function that sets that thread-local, or null when
/// the module has no parallel loop.
static FailureOr<Function *>
defineParallelDispatch(Module &module, const std::string &name,
                       ArrayRef<tessera::ParallelDispatch> declared,
                       std::string &error) {
  SmallVector<std::pair<Function *, Function *>> dispatches;
  for (const tessera::ParallelDispatch &entry : declared) {
    Function *dispatch = module.getFunction(entry.dispatch);
    Function *task = module.getFunction(entry.task);
    if (!dispatch || !dispatch->isDeclaration() || !task ||
        task->isDeclaration() || task->arg_size() != dispatch->arg_size() + 1) {
      error = "internal: the dispatch " + entry.dispatch + " of task " +
              entry.task + " does not match its task";
      return failure();
    }
    dispatches.emplace_back(dispatch, task);
  }
  if (dispatches.empty())
    return nullptr;
  LLVMContext &context = module.getContext();
  Type *ptr = PointerType::get(context, 0), *i64 = Type::getInt64Ty(context);
  Type *voidType = Type::getVoidTy(context);
  ThreadLocalPointer parallel = defineThreadLocal(module, name + "_parallel");
  Function *getParallel = parallel.get, *setParallel = parallel.set;
  // tessera_parallel_t: { parallel_for, pool }.
  auto *parallelType = StructType::get(context, {ptr, ptr});
  for (auto [dispatch, task] : dispatches) {
    task->setLinkage(GlobalValue::InternalLinkage);
    dispatch->setLinkage(GlobalValue::InternalLinkage);
    SmallVector<Type *> captured;
    for (Argument &arg : llvm::drop_begin(task->args(), 2))
      captured.push_back(arg.getType());
    auto *frameType = StructType::get(context, captured);

    // void trampoline(void *frame, int64_t begin, int64_t end)
    Function *trampoline = Function::Create(
        FunctionType::get(voidType, {ptr, i64, i64}, false),
        GlobalValue::InternalLinkage, task->getName() + "_trampoline", module);
    IRBuilder<> t(BasicBlock::Create(context, "entry", trampoline));
    SmallVector<Value *> taskArgs{trampoline->getArg(1), trampoline->getArg(2)};
    for (auto [i, type] : llvm::enumerate(captured))
      taskArgs.push_back(t.CreateLoad(
          type, t.CreateStructGEP(frameType, trampoline->getArg(0), i)));
    t.CreateCall(task, taskArgs);
    t.CreateRetVoid();

    // dispatch(int64_t n, captured...)
    IRBuilder<> d(BasicBlock::Create(context, "entry", dispatch));
    Value *frame = d.CreateAlloca(frameType);
    for (size_t i = 0; i < captured.size(); ++i)
      d.CreateStore(dispatch->getArg(i + 1),
                    d.CreateStructGEP(frameType, frame, i));
    Value *n = dispatch->getArg(0);
    Value *context_ = d.CreateCall(getParallel, {});
    BasicBlock *serial = BasicBlock::Create(context, "serial", dispatch);
    BasicBlock *check = BasicBlock::Create(context, "check", dispatch);
    BasicBlock *pool = BasicBlock::Create(context, "pool", dispatch);
    d.CreateCondBr(d.CreateIsNull(context_), serial, check);
    d.SetInsertPoint(check);
    Value *parallelFor =
        d.CreateLoad(ptr, d.CreateStructGEP(parallelType, context_, 0));
    d.CreateCondBr(d.CreateIsNull(parallelFor), serial, pool);
    d.SetInsertPoint(pool);
    Value *poolArg =
        d.CreateLoad(ptr, d.CreateStructGEP(parallelType, context_, 1));
    d.CreateCall(FunctionType::get(voidType, {ptr, ptr, ptr, i64}, false),
                 parallelFor, {poolArg, trampoline, frame, n});
    d.CreateRetVoid();
    d.SetInsertPoint(serial);
    d.CreateCall(trampoline, {frame, ConstantInt::get(i64, 0), n});
    d.CreateRetVoid();
  }
  return setParallel;
}

static bool defineModel(Module &module,
                        const tessera::ModelSignature &signature,
                        Constant *entry, Constant *cuda, std::string &error);

bool tessera::addModelDescriptor(Module &module,
                                 const ModelSignature &signature,
                                 const std::string &kernel,
                                 const std::vector<ParallelDispatch> &dispatches,
                                 std::string &error) {
  LLVMContext &context = module.getContext();
  Function *kernelFn = module.getFunction(kernel);
  size_t buffers = signature.inputs.size() + signature.outputs.size() + 1;
  // The kernel writes each dynamic output dimension's size through one more
  // pointer, after the outputs.
  size_t sizes = 0;
  for (const TensorSignature &output : signature.outputs)
    sizes += llvm::popcount(output.dynamicDims);
  if (!kernelFn || kernelFn->arg_size() != buffers + sizes) {
    error = "internal: kernel '" + kernel + "' with " +
            std::to_string(buffers) + " pointer arguments not found";
    return false;
  }
  kernelFn->setLinkage(GlobalValue::InternalLinkage);
  const std::string &name = signature.name;
  Type *ptr = PointerType::get(context, 0);
  Type *i32 = Type::getInt32Ty(context), *i64 = Type::getInt64Ty(context);

  // int32_t <name>_entry(void **buffers): unpack, note the caller's parallel
  // context for the kernel's parallel loops, call the kernel, return its
  // status word.
  if (signature.statusOffset &&
      *signature.statusOffset + 4 > signature.workspaceSize) {
    error = "internal: the status word lies outside the workspace";
    return false;
  }
  auto *entryType = FunctionType::get(i32, {ptr}, false);
  Function *entry = Function::Create(entryType, GlobalValue::InternalLinkage,
                                     name + "_entry", module);
  IRBuilder<> b(BasicBlock::Create(context, "entry", entry));
  SmallVector<Value *> args;
  for (size_t i = 0; i < buffers; ++i)
    args.push_back(b.CreateLoad(
        ptr, b.CreateConstInBoundsGEP1_64(ptr, entry->getArg(0), i)));
  Value *workspaceArg = args.back();
  if (sizes) {
    // buffers[n + 3]: the int64_t slots of the dynamic sizes.
    args.pop_back();
    Value *slots = b.CreateLoad(
        ptr, b.CreateConstInBoundsGEP1_64(ptr, entry->getArg(0), buffers + 2));
    for (size_t k = 0; k < sizes; ++k)
      args.push_back(b.CreateConstInBoundsGEP1_64(i64, slots, k));
    args.push_back(workspaceArg);
  }
  FailureOr<Function *> defined =
      defineParallelDispatch(module, name, dispatches, error);
  if (failed(defined))
    return false;
  if (Function *setParallel = *defined)
    b.CreateCall(setParallel, {b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(
                                                    ptr, entry->getArg(0),
                                                    buffers))});
  if (!signature.kernels.empty()) {
    FailureOr<Function *> setProfiler =
        defineProfilerHooks(module, signature, error);
    if (failed(setProfiler))
      return false;
    b.CreateCall(*setProfiler,
                 {b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(
                                        ptr, entry->getArg(0), buffers + 1))});
  }
  b.CreateCall(kernelFn, args);
  if (signature.statusOffset) {
    Value *workspace = workspaceArg;
    b.CreateRet(b.CreateLoad(
        i32, b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), workspace,
                                          *signature.statusOffset)));
  } else {
    b.CreateRet(ConstantInt::get(i32, 0));
  }
  return defineModel(module, signature, entry,
                     ConstantPointerNull::get(cast<PointerType>(ptr)), error);
}

/// A private constant global holding `init`.
static GlobalVariable *privateConstant(Module &module, Constant *init,
                                       const std::string &symbol) {
  return new GlobalVariable(module, init->getType(), /*isConstant=*/true,
                            GlobalValue::PrivateLinkage, init, symbol);
}

/// `<name>_model` (a tessera_model_t) with `entry` (a function, or null for
/// a CUDA model) and `cuda` (a tessera_cuda_program_t, or null), and the
/// weak alias `tessera_default_model`.
static bool defineModel(Module &module,
                        const tessera::ModelSignature &signature,
                        Constant *entry, Constant *cuda, std::string &error) {
  LLVMContext &context = module.getContext();
  const std::string &name = signature.name;
  Type *ptr = PointerType::get(context, 0);
  Type *i32 = Type::getInt32Ty(context), *i64 = Type::getInt64Ty(context);
  auto privateConstant = [&](Constant *init, const std::string &symbol) {
    return ::privateConstant(module, init, symbol);
  };
  auto *descType = StructType::get(context, {ptr, i32, i32, ptr, i64});
  auto describe = [&](const std::vector<tessera::TensorSignature> &tensors,
                      const std::string &kind) -> Constant * {
    SmallVector<Constant *> descs;
    for (auto [index, tensor] : llvm::enumerate(tensors)) {
      std::string prefix = name + "_" + kind + std::to_string(index);
      Constant *tensorName = privateConstant(
          ConstantDataArray::getString(context, tensor.name), prefix + "_name");
      SmallVector<uint64_t> dims(tensor.dims.begin(), tensor.dims.end());
      Constant *dimsArray =
          dims.empty()
              ? ConstantPointerNull::get(cast<PointerType>(ptr))
              : static_cast<Constant *>(privateConstant(
                    ConstantDataArray::get(context, dims), prefix + "_dims"));
      descs.push_back(ConstantStruct::get(
          descType, {tensorName, ConstantInt::get(i32, tensor.dtype),
                     ConstantInt::get(i32, tensor.dims.size()), dimsArray,
                     ConstantInt::get(i64, tensor.dynamicDims)}));
    }
    return privateConstant(
        ConstantArray::get(ArrayType::get(descType, descs.size()), descs),
        name + "_" + kind + "s");
  };
  SmallVector<Constant *> checkMessages;
  for (auto [index, message] : llvm::enumerate(signature.checks))
    checkMessages.push_back(
        privateConstant(ConstantDataArray::getString(context, message),
                        name + "_check" + std::to_string(index)));
  Constant *checks =
      checkMessages.empty()
          ? ConstantPointerNull::get(cast<PointerType>(ptr))
          : static_cast<Constant *>(privateConstant(
                ConstantArray::get(ArrayType::get(ptr, checkMessages.size()),
                                   checkMessages),
                name + "_checks"));
  // tessera_kernel_desc_t: { name, kind, flops, bytes }.
  auto *kernelType = StructType::get(context, {ptr, ptr, i64, i64});
  SmallVector<Constant *> kernelDescs;
  for (auto [index, kernel] : llvm::enumerate(signature.kernels)) {
    std::string prefix = name + "_kernel" + std::to_string(index);
    kernelDescs.push_back(ConstantStruct::get(
        kernelType,
        {privateConstant(ConstantDataArray::getString(context, kernel.name),
                         prefix + "_name"),
         privateConstant(ConstantDataArray::getString(context, kernel.kind),
                         prefix + "_kind"),
         ConstantInt::get(i64, kernel.flops),
         ConstantInt::get(i64, kernel.bytes)}));
  }
  Constant *kernels =
      kernelDescs.empty()
          ? ConstantPointerNull::get(cast<PointerType>(ptr))
          : static_cast<Constant *>(privateConstant(
                ConstantArray::get(ArrayType::get(kernelType,
                                                  kernelDescs.size()),
                                   kernelDescs),
                name + "_kernels"));
  Constant *null = ConstantPointerNull::get(cast<PointerType>(ptr));
  Constant *weightsFile = null, *weightsBase = null;
  if (!signature.weightsBase.empty()) {
    GlobalVariable *base =
        module.getGlobalVariable(signature.weightsBase, /*AllowInternal=*/true);
    if (!base || base->isConstant()) {
      error = "internal: the weights base '" + signature.weightsBase +
              "' is not a mutable global";
      return false;
    }
    weightsBase = base;
    weightsFile = privateConstant(
        ConstantDataArray::getString(context, signature.weightsFile),
        name + "_weights_file");
  }
  auto *modelType =
      StructType::get(context, {i32, i32, ptr, i32, i32, ptr, ptr, i64, ptr,
                                i32, ptr, i32, ptr, ptr, i64, i64, ptr, ptr});
  Constant *modelName = privateConstant(
      ConstantDataArray::getString(context, name), name + "_name");
  Constant *model = ConstantStruct::get(
      modelType,
      {ConstantInt::get(i32, kABIVersion), ConstantInt::get(i32, 0), modelName,
       ConstantInt::get(i32, signature.inputs.size()),
       ConstantInt::get(i32, signature.outputs.size()),
       describe(signature.inputs, "input"),
       describe(signature.outputs, "output"),
       ConstantInt::get(i64, signature.workspaceSize), entry,
       ConstantInt::get(i32, signature.checks.size()), checks,
       ConstantInt::get(i32, signature.kernels.size()), kernels, weightsFile,
       ConstantInt::get(i64, signature.weightsSize),
       ConstantInt::get(i64, signature.weightsId), weightsBase, cuda});
  auto *global =
      new GlobalVariable(module, modelType, /*isConstant=*/true,
                         GlobalValue::ExternalLinkage, model, name + "_model");
  global->setAlignment(Align(8));
  GlobalAlias::create(modelType, 0, GlobalValue::WeakAnyLinkage,
                      "tessera_default_model", global, &module);
  return true;
}

bool tessera::addCUDAModelDescriptor(Module &module,
                                     const ModelSignature &signature,
                                     const CUDAProgram &program,
                                     std::string &error) {
  LLVMContext &context = module.getContext();
  const std::string &name = signature.name;
  Type *ptr = PointerType::get(context, 0);
  Type *i32 = Type::getInt32Ty(context), *i64 = Type::getInt64Ty(context);
  Constant *null = ConstantPointerNull::get(cast<PointerType>(ptr));
  auto bytes = [&](StringRef data, const std::string &symbol, bool nul,
                   unsigned align) -> Constant * {
    GlobalVariable *global = privateConstant(
        module, ConstantDataArray::getString(context, data, nul), symbol);
    global->setAlignment(Align(align));
    return global;
  };
  if (program.images.empty()) {
    error = "internal: a CUDA model without images";
    return false;
  }
  // tessera_cuda_image_t: { arch, cubin, cubin_size, ptx }.
  auto *imageType = StructType::get(context, {ptr, ptr, i64, ptr});
  SmallVector<Constant *> images;
  for (auto [i, image] : llvm::enumerate(program.images)) {
    std::string prefix = name + "_image" + std::to_string(i);
    images.push_back(ConstantStruct::get(
        imageType,
        {bytes(image.arch, prefix + "_arch", true, 1),
         image.cubin.empty() ? null
                             : bytes(image.cubin, prefix + "_cubin", false, 8),
         ConstantInt::get(i64, image.cubin.size()),
         bytes(image.ptx, prefix + "_ptx", true, 1)}));
  }
  // tessera_cuda_arg_t: { kind, bytes, value }; tessera_cuda_launch_t:
  // { kernel, grid[3], block[3], num_args, args }.
  auto *argType = StructType::get(context, {i32, i32, i64});
  auto *dim3 = ArrayType::get(i32, 3);
  auto *launchType = StructType::get(context, {ptr, dim3, dim3, i32, ptr});
  SmallVector<Constant *> launches;
  for (auto [i, launch] : llvm::enumerate(program.launches)) {
    std::string prefix = name + "_launch" + std::to_string(i);
    SmallVector<Constant *> args;
    for (const CUDAProgram::Argument &arg : launch.args)
      args.push_back(
          ConstantStruct::get(argType, {ConstantInt::get(i32, arg.kind),
                                        ConstantInt::get(i32, arg.bytes),
                                        ConstantInt::get(i64, arg.value)}));
    Constant *argArray =
        args.empty() ? null
                     : static_cast<Constant *>(privateConstant(
                           module,
                           ConstantArray::get(
                               ArrayType::get(argType, args.size()), args),
                           prefix + "_args"));
    auto triple = [&](const uint32_t(&d)[3]) {
      return ConstantArray::get(dim3, {ConstantInt::get(i32, d[0]),
                                       ConstantInt::get(i32, d[1]),
                                       ConstantInt::get(i32, d[2])});
    };
    launches.push_back(ConstantStruct::get(
        launchType,
        {bytes(launch.kernel, prefix + "_kernel", true, 1), triple(launch.grid),
         triple(launch.block), ConstantInt::get(i32, args.size()), argArray}));
  }
  Constant *imageArray = privateConstant(
      module,
      ConstantArray::get(ArrayType::get(imageType, images.size()), images),
      name + "_images");
  Constant *launchArray =
      launches.empty()
          ? null
          : static_cast<Constant *>(privateConstant(
                module,
                ConstantArray::get(ArrayType::get(launchType, launches.size()),
                                   launches),
                name + "_launches"));
  Constant *weights =
      program.weights.empty()
          ? null
          : bytes(program.weights, name + "_weights", false, 64);
  // tessera_cuda_program_t: { num_images, num_launches, images, launches,
  // weights, weights_size, status_offset }.
  auto *programType =
      StructType::get(context, {i32, i32, ptr, ptr, ptr, i64, i64});
  Constant *cuda = privateConstant(
      module,
      ConstantStruct::get(programType,
                          {ConstantInt::get(i32, images.size()),
                           ConstantInt::get(i32, launches.size()), imageArray,
                           launchArray, weights,
                           ConstantInt::get(i64, program.weights.size()),
                           ConstantInt::get(i64, program.statusOffset)}),
      name + "_cuda");
  return defineModel(module, signature, null, cuda, error);
}

/// `text` safe inside a C comment: printable ASCII, no comment end.
static std::string commentText(const std::string &text) {
  std::string safe;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    safe += u >= 0x20 && u < 0x7f ? c : '?';
    if (safe.size() >= 2 && safe.compare(safe.size() - 2, 2, "*/") == 0)
      safe.insert(safe.size() - 1, " ");
  }
  return safe;
}

/// A parameter name per tensor: `prefix` + its name as a C identifier,
/// made unique (`x.1` and `x_1` both spell `x_1`: the second becomes
/// `x_1_2`). The prefix keeps them apart from C keywords and from the
/// function's own locals (all `tessera_…`).
static std::vector<std::string>
parameterNames(const std::vector<tessera::TensorSignature> &tensors,
               const std::string &prefix, std::vector<std::string> &taken) {
  std::vector<std::string> names;
  for (const tessera::TensorSignature &t : tensors) {
    std::string base = prefix + tessera::cIdentifier(t.name), name = base;
    for (int n = 2; llvm::is_contained(taken, name); ++n)
      name = base + "_" + std::to_string(n);
    taken.push_back(name);
    names.push_back(name);
  }
  return names;
}

std::string tessera::renderHeader(const ModelSignature &signature,
                                  const std::string &source) {
  const std::string &name = signature.name;
  std::vector<std::string> taken;
  std::vector<std::string> inputNames =
      parameterNames(signature.inputs, "in_", taken);
  std::vector<std::string> outputNames =
      parameterNames(signature.outputs, "out_", taken);
  std::string guard;
  for (char c : name)
    guard += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  guard += "_TESSERA_H";
  std::ostringstream os;
  auto shape = [](const TensorSignature &t) {
    std::string s = "[";
    for (size_t i = 0; i < t.dims.size(); ++i)
      s += (i ? ", " : "") +
           std::string((t.dynamicDims >> i) & 1 ? "<=" : "") +
           std::to_string(t.dims[i]);
    return s + "]";
  };
  os << "/* Generated by tessera-compile from " << commentText(source)
     << ". Do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdbool.h>\n#include <stdint.h>\n\n"
     << "#include \"tessera/runtime.h\"\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "/* Model '" << name << "'.\n";
  for (auto [i, t] : llvm::enumerate(signature.inputs))
    os << " *   input  " << i << " \"" << commentText(t.name) << "\" ("
       << inputNames[i] << "): " << cElementType(t.dtype) << " " << shape(t)
       << "\n";
  for (auto [i, t] : llvm::enumerate(signature.outputs))
    os << " *   output " << i << " \"" << commentText(t.name) << "\" ("
       << outputNames[i] << "): " << cElementType(t.dtype) << " " << shape(t)
       << "\n";
  if (llvm::any_of(signature.outputs,
                   [](const TensorSignature &t) { return t.dynamicDims; }))
    os << " *   <=N: the run decides the size, at most N; the buffer holds N "
          "and the\n *   result lies at the front "
          "(tessera_session_output_dims)\n";
  os << " *   workspace: " << signature.workspaceSize
     << (signature.cudaArchs.empty() ? "" : " bytes of device memory")
     << (signature.cudaArchs.empty() ? " bytes" : "")
     << ", allocated once per session\n";
  if (!signature.cudaArchs.empty()) {
    os << " *   CUDA: kernels for";
    for (const std::string &arch : signature.cudaArchs)
      os << " " << arch;
    os << " (tessera_session_options_t.cuda_device picks the device)\n";
  }
  if (!signature.weightsFile.empty())
    os << " *   weights: " << signature.weightsSize << " bytes in "
       << commentText(signature.weightsFile)
       << ", mapped by tessera_session_create from the library's folder\n"
          " *   (or tessera_session_options_t.weights_path)\n";
  os << " */\n"
     << "extern const tessera_model_t " << name << "_model;\n\n";
  auto emitDims = [&](const std::vector<TensorSignature> &tensors,
                      const char *kind) {
    for (auto [i, t] : llvm::enumerate(tensors)) {
      os << "#define " << guard.substr(0, guard.size() - 10) << "_" << kind << i
         << "_RANK " << t.dims.size() << "\n";
      int64_t elements = 1;
      for (int64_t d : t.dims)
        elements *= d;
      os << "#define " << guard.substr(0, guard.size() - 10) << "_" << kind << i
         << "_ELEMENTS " << elements << "\n";
    }
  };
  emitDims(signature.inputs, "INPUT");
  emitDims(signature.outputs, "OUTPUT");
  // The run function; for a CUDA model also one on device pointers and a
  // stream.
  auto emitRun = [&](bool device) {
    if (device)
      os << "\n/* Runs the model in `session` on `tessera_stream` (a "
            "CUstream; NULL: the\n * session's own) with device pointers "
            "(CUdeviceptr) of the session's device;\n * returns when the "
            "run has finished. */\n";
    else
      os << "\n/* Runs the model in `session` (created from &" << name
         << "_model); the runtime checks every shape and dtype."
         << (signature.cudaArchs.empty()
                 ? ""
                 : "\n * Host pointers: the inputs go to the device and the "
                   "outputs come back.")
         << " */\n";
    os << "static inline tessera_status_t " << name
       << (device ? "_run_on_stream" : "_run")
       << "(tessera_session_t *tessera_session";
    for (auto [i, t] : llvm::enumerate(signature.inputs))
      os << ",\n    const " << cElementType(t.dtype) << " *" << inputNames[i];
    for (auto [i, t] : llvm::enumerate(signature.outputs))
      os << ",\n    " << cElementType(t.dtype) << " *" << outputNames[i];
    if (device)
      os << ",\n    void *tessera_stream";
    os << ") {\n";
    // Returns the array's name, or NULL when there are no tensors (C has no
    // empty initializers).
    auto tensors = [&](const std::vector<TensorSignature> &list,
                       const std::vector<std::string> &params,
                       const char *kind) -> std::string {
      if (list.empty())
        return "NULL";
      for (auto [i, t] : llvm::enumerate(list)) {
        os << "  static const int64_t tessera_" << kind << i << "_dims[] = {";
        for (size_t d = 0; d < t.dims.size(); ++d)
          os << (d ? ", " : "") << t.dims[d];
        if (t.dims.empty())
          os << "0";
        os << "};\n";
      }
      os << "  tessera_tensor_t tessera_" << kind << "s[] = {\n";
      for (auto [i, t] : llvm::enumerate(list))
        os << "    {" << t.dtype << ", " << t.dims.size() << ", tessera_"
           << kind << i << "_dims, (void *)(uintptr_t)" << params[i] << "},\n";
      os << "  };\n";
      return std::string("tessera_") + kind + "s";
    };
    std::string inputs = tensors(signature.inputs, inputNames, "input");
    std::string outputs = tensors(signature.outputs, outputNames, "output");
    os << (device ? "  return tessera_session_run_cuda(tessera_session, "
                  : "  return tessera_session_run(tessera_session, ")
       << inputs << ", " << signature.inputs.size() << ", " << outputs << ", "
       << signature.outputs.size()
       << (device ? ",\n      tessera_stream, TESSERA_RUN_DEVICE_POINTERS" : "")
       << ");\n}\n";
  };
  emitRun(false);
  if (!signature.cudaArchs.empty())
    emitRun(true);
  os << "\n#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* "
     << guard << " */\n";
  return os.str();
}

bool tessera::linkSharedLibrary(const std::string &object,
                                const std::string &output,
                                const std::string &triple, std::string &error) {
  Triple target(triple.empty() ? sys::getDefaultTargetTriple()
                               : Triple::normalize(triple));
  bool cross =
      target.getArch() != Triple(sys::getDefaultTargetTriple()).getArch();
  SmallVector<std::string> candidates;
  if (cross)
    candidates = {target.getArchName().str() + "-linux-gnu-gcc"};
  else
    candidates = {"cc", "clang-22", "gcc", "clang"};
  std::string driver;
  for (const std::string &candidate : candidates)
    if (auto found = sys::findProgramByName(candidate)) {
      driver = *found;
      break;
    }
  if (driver.empty()) {
    error = "no C compiler driver (" + candidates.front() + ") found to link " +
            output + "; the object file is complete";
    return false;
  }
  SmallVector<StringRef> args{driver, "-shared", "-o", output, object, "-lm"};
  std::string message;
  int rc = sys::ExecuteAndWait(driver, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    error = "linking " + output + " with " + driver + " failed" +
            (message.empty() ? "" : ": " + message);
    return false;
  }
  return true;
}
