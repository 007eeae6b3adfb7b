//===- FuzzRuntime.cpp - libFuzzer target: the C runtime's checks ---------===//
//
// Builds a model descriptor (as a corrupted or hostile model library could
// hold) and run-time tensors from the input, then creates a session and
// runs it. The entry point touches every byte the descriptor promises for
// each buffer, so a tensor or workspace the runtime let through that is
// smaller than its description is an AddressSanitizer report; it returns a
// status code from the input, so failed checks and unknown codes are
// exercised. Allocations are capped at 16 MiB (the allocator says no past
// that, which the runtime must report, not crash on).
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzUtils.h"
#include "tessera/runtime.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstring>
#include <memory>
#include <vector>

namespace {

constexpr size_t kCap = size_t(16) << 20;

const tessera_model_t *gModel = nullptr;
int32_t gCode = 0;

/// Bytes of a description, or 0 when it is unusable (the runtime must then
/// have refused the model).
size_t describedBytes(const tessera_tensor_desc_t &desc) {
  int64_t n = tessera_desc_num_elements(&desc);
  size_t size = tessera_dtype_size(desc.dtype);
  if (n < 0 || !size)
    tessera::fuzz::finding("a session was made for a model with an unusable "
                           "tensor description");
  return static_cast<size_t>(n) * size;
}

int32_t touchingEntry(void **buffers) {
  const tessera_model_t &m = *gModel;
  int32_t i = 0;
  volatile unsigned char sink = 0;
  for (; i < m.num_inputs; ++i) {
    size_t bytes = describedBytes(m.inputs[i]);
    const auto *p = static_cast<const unsigned char *>(buffers[i]);
    for (size_t b = 0; b < bytes; ++b)
      sink = sink ^ p[b];
  }
  // Empty tensors may come without data (NULL).
  for (int32_t o = 0; o < m.num_outputs; ++o)
    if (size_t bytes = describedBytes(m.outputs[o]))
      std::memset(buffers[i + o], 0xA5, bytes);
  if (m.workspace_size)
    std::memset(buffers[m.num_inputs + m.num_outputs], 0x5A, m.workspace_size);
  // A profiled model brackets each kernel (indices out of range included:
  // the profiler ignores them).
  if (m.num_kernels > 0)
    if (auto *profiler = static_cast<tessera_profiler_t *>(
            buffers[m.num_inputs + m.num_outputs + 2]))
      for (int32_t k = -1; k <= m.num_kernels; ++k) {
        profiler->begin(profiler->user_data, k);
        profiler->end(profiler->user_data, k);
      }
  return gCode;
}

void *cappedAlloc(void *, size_t size, size_t alignment) {
  if (size > kCap)
    return nullptr;
  void *p = nullptr;
  if (posix_memalign(&p, alignment < sizeof(void *) ? sizeof(void *) : alignment,
                     size ? size : 1) != 0)
    return nullptr;
  return p;
}
void cappedFree(void *, void *p) { std::free(p); }

int64_t interestingDim(FuzzedDataProvider &in) {
  static const int64_t kDims[] = {0, 1, 2, 3, 7, 64, 1000, -1, INT64_MIN,
                                  INT64_MAX, int64_t(1) << 32,
                                  int64_t(1) << 62};
  return in.ConsumeBool() ? in.PickValueInArray(kDims)
                          : in.ConsumeIntegralInRange<int64_t>(0, 9);
}

int32_t interestingDtype(FuzzedDataProvider &in) {
  static const int32_t kTypes[] = {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13,
                                   16, 0, 8, 14, 99, -1};
  return in.PickValueInArray(kTypes);
}

struct Description {
  std::string name;
  std::vector<int64_t> dims;
  tessera_tensor_desc_t desc{};
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  int32_t inputs = in.ConsumeIntegralInRange<int32_t>(-1, 3);
  int32_t outputs = in.ConsumeIntegralInRange<int32_t>(-1, 3);
  std::vector<Description> descriptions(
      static_cast<size_t>(std::max(inputs, 0) + std::max(outputs, 0)));
  for (Description &d : descriptions) {
    int32_t rank = in.ConsumeBool() ? in.ConsumeIntegralInRange<int32_t>(0, 4)
                                    : in.ConsumeIntegralInRange<int32_t>(-2, 70);
    for (int32_t r = 0; r < std::max(rank, 0); ++r)
      d.dims.push_back(interestingDim(in));
    d.name = "t";
    d.desc.name = in.ConsumeIntegralInRange(0, 15) ? d.name.c_str() : nullptr;
    d.desc.dtype = interestingDtype(in);
    d.desc.rank = rank;
    d.desc.dims = d.dims.empty() || !in.ConsumeIntegralInRange(0, 15)
                      ? nullptr
                      : d.dims.data();
  }
  std::vector<tessera_tensor_desc_t> descs;
  for (Description &d : descriptions)
    descs.push_back(d.desc);
  static const char *const kChecks[] = {"first check", "second check"};
  tessera_model_t model{};
  model.abi_version = in.ConsumeIntegralInRange(0, 31) ? TESSERA_ABI_VERSION
                                                       : TESSERA_ABI_VERSION + 1;
  model.name = "fuzz";
  model.num_inputs = inputs;
  model.num_outputs = outputs;
  model.inputs = inputs > 0 ? descs.data() : nullptr;
  model.outputs = outputs > 0 ? descs.data() + inputs : nullptr;
  model.workspace_size = in.ConsumeBool()
                             ? in.ConsumeIntegralInRange<uint64_t>(0, 4096)
                             : in.ConsumeIntegral<uint64_t>();
  model.entry = in.ConsumeIntegralInRange(0, 31) ? touchingEntry : nullptr;
  model.num_checks = in.ConsumeIntegralInRange<int32_t>(-1, 2);
  model.checks = in.ConsumeIntegralInRange(0, 7) ? kChecks : nullptr;
  static const tessera_kernel_desc_t kKernels[] = {
      {"a", "tk.matmul", 10, 20}, {"b\"\n", "tk.fusion", 0, 8}};
  model.num_kernels = in.ConsumeIntegralInRange<int32_t>(-1, 2);
  model.kernels = in.ConsumeIntegralInRange(0, 7) ? kKernels : nullptr;
  // A CUDA model's program, usually without an entry: the descriptor checks
  // before any driver is loaded (none is, in the fuzzer: creation then
  // fails with TESSERA_DEVICE_UNAVAILABLE).
  static const char *const kArchs[] = {"sm_80", "sm_90a", "sm_9", "gpu", nullptr};
  static const char kImage[] = "not a cubin";
  tessera_cuda_image_t images[2];
  tessera_cuda_arg_t args[2][3];
  tessera_cuda_launch_t launches[2];
  tessera_cuda_program_t program{};
  if (in.ConsumeIntegralInRange(0, 3) == 0) {
    for (tessera_cuda_image_t &image : images) {
      image.arch = kArchs[in.ConsumeIntegralInRange(0, 4)];
      image.cubin_size = in.ConsumeIntegralInRange<uint64_t>(0, sizeof(kImage));
      image.cubin = in.ConsumeBool() ? kImage : nullptr;
      image.ptx = in.ConsumeIntegralInRange(0, 7) ? kImage : nullptr;
    }
    for (int l = 0; l < 2; ++l) {
      for (tessera_cuda_arg_t &arg : args[l]) {
        arg.kind = in.ConsumeIntegralInRange<int32_t>(-1, 5);
        arg.bytes = in.ConsumeIntegralInRange<int32_t>(0, 9);
        arg.value = in.ConsumeIntegralInRange<int64_t>(-2, 5);
      }
      launches[l].kernel = in.ConsumeIntegralInRange(0, 7) ? "k" : nullptr;
      for (int d = 0; d < 3; ++d) {
        launches[l].grid[d] = in.ConsumeIntegralInRange<uint32_t>(0, 2);
        launches[l].block[d] = in.ConsumeIntegralInRange<uint32_t>(0, 2);
      }
      launches[l].num_args = in.ConsumeIntegralInRange<int32_t>(-1, 3);
      launches[l].args = in.ConsumeIntegralInRange(0, 7) ? args[l] : nullptr;
    }
    program.num_images = in.ConsumeIntegralInRange<int32_t>(-1, 2);
    program.images = in.ConsumeIntegralInRange(0, 7) ? images : nullptr;
    program.num_launches = in.ConsumeIntegralInRange<int32_t>(-1, 2);
    program.launches = in.ConsumeIntegralInRange(0, 7) ? launches : nullptr;
    program.weights_size = in.ConsumeIntegralInRange<uint64_t>(0, 8);
    program.weights = in.ConsumeBool() ? kImage : nullptr;
    program.status_offset = in.ConsumeIntegralInRange<int64_t>(-2, 4100);
    model.cuda = &program;
    if (in.ConsumeIntegralInRange(0, 7))
      model.entry = nullptr;
  }
  gModel = &model;

  tessera_session_options_t options;
  tessera_session_options_init(&options);
  options.allocator.alloc = cappedAlloc;
  options.allocator.free = cappedFree;
  options.num_threads = in.ConsumeIntegralInRange<int32_t>(-1, 2);
  tessera_session_t *session = nullptr;
  tessera_status_t status = tessera_session_create(&model, &options, &session);
  if (status != TESSERA_OK) {
    if (session)
      tessera::fuzz::finding("a failed tessera_session_create left a session");
    return 0;
  }

  // Run-time tensors: mostly what the model describes, sometimes not; the
  // data is as large as the tensor says, never as the model says.
  std::vector<std::vector<int64_t>> dims;
  std::vector<std::unique_ptr<unsigned char[]>> storage;
  std::vector<tessera_tensor_t> tensors;
  for (const tessera_tensor_desc_t &desc : descs) {
    tessera_tensor_t t{};
    t.dtype = in.ConsumeIntegralInRange(0, 7) ? desc.dtype : interestingDtype(in);
    t.rank = in.ConsumeIntegralInRange(0, 7) ? desc.rank
                                             : in.ConsumeIntegralInRange(-1, 5);
    dims.emplace_back();
    for (int32_t r = 0; r < std::max(t.rank, 0); ++r)
      dims.back().push_back(in.ConsumeIntegralInRange(0, 7) && r < desc.rank
                                ? desc.dims[r]
                                : interestingDim(in));
    t.dims = dims.back().empty() ? nullptr : dims.back().data();
    tessera_tensor_desc_t actual{"t", t.dtype, t.rank, t.dims};
    int64_t n = tessera_desc_num_elements(&actual);
    size_t elementSize = tessera_dtype_size(t.dtype);
    if (n >= 0 && elementSize && static_cast<uint64_t>(n) <= kCap / elementSize &&
        in.ConsumeIntegralInRange(0, 15)) {
      storage.emplace_back(new unsigned char[std::max<size_t>(
          1, static_cast<size_t>(n) * elementSize)]());
      t.data = storage.back().get();
    }
    tensors.push_back(t);
  }
  gCode = in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<int32_t>(-2, 4);
  size_t givenInputs = static_cast<size_t>(std::max(inputs, 0));
  size_t givenOutputs = static_cast<size_t>(std::max(outputs, 0));
  if (!in.ConsumeIntegralInRange(0, 15))
    givenInputs = in.ConsumeIntegralInRange<size_t>(0, 4);
  status = tessera_session_run(
      session, givenInputs ? tensors.data() : nullptr, givenInputs,
      givenOutputs ? tensors.data() + std::max(inputs, 0) : nullptr,
      givenOutputs);
  std::string message = tessera_session_last_error(session);
  if (status != TESSERA_OK)
    tessera::fuzz::requireOneLine(message);
  else if (gCode != 0)
    tessera::fuzz::finding("a failed check was reported as success");
  const tessera_kernel_profile_t *profiles = nullptr;
  int32_t count = 0;
  if ((tessera_session_profile(session, &profiles, &count) == TESSERA_OK) !=
      (model.num_kernels > 0))
    tessera::fuzz::finding("profile() disagrees with the model's kernels");
  if (tessera_session_write_trace(session, "/dev/null") != TESSERA_OK)
    tessera::fuzz::requireOneLine(tessera_session_last_error(session));
  tessera_session_release(session);
  return 0;
}
