//===- RuntimeTest.cpp - the C runtime's entry points ---------------------===//
//
// A hand-written model descriptor (the compiler emits the same layout) whose
// entry adds its two inputs, to check session creation, the injected
// allocator, the shape and dtype checks and their messages.
//
//===----------------------------------------------------------------------===//

#include "tessera/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace {

const int64_t kDims[] = {2, 3};
const tessera_tensor_desc_t kInputs[] = {{"a", TESSERA_F32, 2, kDims, 0},
                                         {"b", TESSERA_F32, 2, kDims, 0}};
const tessera_tensor_desc_t kOutputs[] = {{"sum", TESSERA_F32, 2, kDims, 0}};

int32_t addEntry(void **buffers) {
  auto *a = static_cast<float *>(buffers[0]);
  auto *b = static_cast<float *>(buffers[1]);
  auto *out = static_cast<float *>(buffers[2]);
  auto *workspace = static_cast<float *>(buffers[3]);
  for (int i = 0; i < 6; ++i) {
    workspace[i] = a[i] + b[i]; // the workspace is usable scratch memory
    out[i] = workspace[i];
  }
  return 0;
}

const tessera_model_t kModel = {TESSERA_ABI_VERSION,
                                0,
                                "add",
                                2,
                                1,
                                kInputs,
                                kOutputs,
                                6 * sizeof(float),
                                addEntry,
                                0,
                                nullptr,
                                0,
                                nullptr,
                                nullptr,
                                0,
                                0,
                                nullptr,
                                nullptr};

struct CountingAllocator {
  int allocations = 0, frees = 0;
  size_t lastAlignment = 0;
  static void *alloc(void *user, size_t size, size_t alignment) {
    auto *self = static_cast<CountingAllocator *>(user);
    ++self->allocations;
    self->lastAlignment = alignment;
    void *ptr = nullptr;
    return posix_memalign(&ptr, alignment < sizeof(void *) ? sizeof(void *) : alignment,
                          size ? size : 1) == 0
               ? ptr
               : nullptr;
  }
  static void free(void *user, void *ptr) {
    ++static_cast<CountingAllocator *>(user)->frees;
    std::free(ptr);
  }
};

class Runtime : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(tessera_session_create(&kModel, nullptr, &session), TESSERA_OK);
  }
  void TearDown() override { tessera_session_release(session); }

  tessera_status_t run(tessera_tensor_t a, tessera_tensor_t b) {
    tessera_tensor_t inputs[] = {a, b};
    tessera_tensor_t outputs[] = {{TESSERA_F32, 2, kDims, out}};
    return tessera_session_run(session, inputs, 2, outputs, 1);
  }

  tessera_session_t *session = nullptr;
  float x[6] = {1, 2, 3, 4, 5, 6}, y[6] = {10, 20, 30, 40, 50, 60}, out[6] = {};
};

TEST_F(Runtime, RunsTheEntry) {
  ASSERT_EQ(run({TESSERA_F32, 2, kDims, x}, {TESSERA_F32, 2, kDims, y}), TESSERA_OK);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out[i], x[i] + y[i]);
  EXPECT_STREQ(tessera_session_last_error(session), "");
  EXPECT_EQ(tessera_session_model(session), &kModel);
}

TEST_F(Runtime, ChecksDtypes) {
  EXPECT_EQ(run({TESSERA_I32, 2, kDims, x}, {TESSERA_F32, 2, kDims, y}),
            TESSERA_DTYPE_MISMATCH);
  EXPECT_STREQ(tessera_session_last_error(session),
               "input 0 ('a') has dtype i32, the model expects f32");
}

TEST_F(Runtime, ChecksShapes) {
  const int64_t wrongRank[] = {6};
  EXPECT_EQ(run({TESSERA_F32, 2, kDims, x}, {TESSERA_F32, 1, wrongRank, y}),
            TESSERA_SHAPE_MISMATCH);
  EXPECT_STREQ(tessera_session_last_error(session),
               "input 1 ('b') has rank 1, the model expects 2");
  const int64_t wrongDims[] = {3, 2};
  EXPECT_EQ(run({TESSERA_F32, 2, wrongDims, x}, {TESSERA_F32, 2, kDims, y}),
            TESSERA_SHAPE_MISMATCH);
  EXPECT_STREQ(tessera_session_last_error(session),
               "input 0 ('a') has size 3 in dimension 0, the model expects 2");
}

TEST_F(Runtime, ChecksCountsAndData) {
  tessera_tensor_t inputs[] = {{TESSERA_F32, 2, kDims, x}};
  tessera_tensor_t outputs[] = {{TESSERA_F32, 2, kDims, out}};
  EXPECT_EQ(tessera_session_run(session, inputs, 1, outputs, 1),
            TESSERA_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_session_last_error(session),
               "model 'add' takes 2 inputs, got 1");
  EXPECT_EQ(run({TESSERA_F32, 2, kDims, nullptr}, {TESSERA_F32, 2, kDims, y}),
            TESSERA_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_session_last_error(session), "input 0 ('a') has no data");
  EXPECT_EQ(tessera_session_run(nullptr, inputs, 2, outputs, 1),
            TESSERA_INVALID_ARGUMENT);
}

TEST(RuntimeSession, UsesTheInjectedAllocatorOnceAtCreation) {
  CountingAllocator counter;
  tessera_session_options_t options;
  tessera_session_options_init(&options);
  options.allocator = {CountingAllocator::alloc, CountingAllocator::free, &counter};
  tessera_session_t *session = nullptr;
  ASSERT_EQ(tessera_session_create(&kModel, &options, &session), TESSERA_OK);
  int afterCreate = counter.allocations;
  EXPECT_GT(afterCreate, 0);
  float a[6] = {}, b[6] = {}, out[6] = {};
  tessera_tensor_t inputs[] = {{TESSERA_F32, 2, kDims, a}, {TESSERA_F32, 2, kDims, b}};
  tessera_tensor_t outputs[] = {{TESSERA_F32, 2, kDims, out}};
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(tessera_session_run(session, inputs, 2, outputs, 1), TESSERA_OK);
  EXPECT_EQ(counter.allocations, afterCreate) << "run must not allocate";
  tessera_session_release(session);
  EXPECT_EQ(counter.frees, counter.allocations);
}

TEST(RuntimeSession, RejectsBadArguments) {
  tessera_session_t *session = reinterpret_cast<tessera_session_t *>(1);
  EXPECT_EQ(tessera_session_create(nullptr, nullptr, &session), TESSERA_INVALID_ARGUMENT);
  EXPECT_EQ(session, nullptr);
  EXPECT_EQ(tessera_session_create(&kModel, nullptr, nullptr), TESSERA_INVALID_ARGUMENT);
  tessera_model_t future = kModel;
  future.abi_version = TESSERA_ABI_VERSION + 1;
  EXPECT_EQ(tessera_session_create(&future, nullptr, &session), TESSERA_INCOMPATIBLE);
  tessera_session_options_t options;
  tessera_session_options_init(&options);
  options.allocator.alloc = nullptr;
  EXPECT_EQ(tessera_session_create(&kModel, &options, &session), TESSERA_INVALID_ARGUMENT);
  tessera_session_release(nullptr); // a no-op
}

// Descriptors a corrupted or hostile model library could carry: overflowing
// or negative dims, no dims, an unknown dtype, a workspace past 2^48 bytes,
// no entry. Counting their elements never overflows, and no session is made
// for them.
TEST(RuntimeSession, RejectsUnusableDescriptors) {
  const int64_t huge[] = {int64_t(1) << 40, int64_t(1) << 40};
  const int64_t negative[] = {2, -3};
  const int64_t big[] = {int64_t(1) << 30, int64_t(1) << 20};
  tessera_tensor_desc_t desc = {"x", TESSERA_F32, 2, huge, 0};
  EXPECT_EQ(tessera_desc_num_elements(&desc), -1);
  desc.dims = negative;
  EXPECT_EQ(tessera_desc_num_elements(&desc), -1);
  desc.dims = nullptr;
  EXPECT_EQ(tessera_desc_num_elements(&desc), -1);
  desc.rank = 0;
  EXPECT_EQ(tessera_desc_num_elements(&desc), 1);

  auto rejected = [](const tessera_model_t &model) {
    tessera_session_t *session = nullptr;
    tessera_status_t status = tessera_session_create(&model, nullptr, &session);
    tessera_session_release(session);
    return status == TESSERA_INVALID_ARGUMENT && session == nullptr;
  };
  tessera_tensor_desc_t inputs[2] = {kInputs[0], kInputs[1]};
  tessera_model_t model = kModel;
  model.inputs = inputs;
  inputs[1].dims = negative;
  EXPECT_TRUE(rejected(model));
  inputs[1].dims = big; // 2^50 f32 elements: past 2^48 bytes
  EXPECT_TRUE(rejected(model));
  inputs[1] = kInputs[1];
  inputs[1].dtype = 99;
  EXPECT_TRUE(rejected(model));
  inputs[1] = kInputs[1];
  inputs[1].rank = 65;
  EXPECT_TRUE(rejected(model));
  inputs[1] = kInputs[1];
  model.workspace_size = (uint64_t(1) << 48) + 1;
  EXPECT_TRUE(rejected(model));
  model = kModel;
  model.entry = nullptr;
  EXPECT_TRUE(rejected(model));
  model = kModel;
  model.num_outputs = -1;
  EXPECT_TRUE(rejected(model));
  model = kModel;
  model.num_checks = -1;
  EXPECT_TRUE(rejected(model));
  model.num_checks = 1; // and no messages
  EXPECT_TRUE(rejected(model));
}

// An entry reporting a failed run-time check: the run fails with
// TESSERA_CHECK_FAILED and the check's message (or a generic one for a code
// the table does not have).
int32_t gCheckCode = 0;
int32_t checkingEntry(void **) { return gCheckCode; }
const char *const kChecks[] = {"node 'g' (tg.gather): first",
                               "node 'g' (tg.gather): second"};

TEST(RuntimeChecks, FailedCheckIsAnErrorWithItsMessage) {
  tessera_model_t model = kModel;
  model.entry = checkingEntry;
  model.num_checks = 2;
  model.checks = kChecks;
  tessera_session_t *session = nullptr;
  ASSERT_EQ(tessera_session_create(&model, nullptr, &session), TESSERA_OK);
  float a[6] = {}, b[6] = {}, out[6] = {};
  tessera_tensor_t inputs[] = {{TESSERA_F32, 2, kDims, a},
                               {TESSERA_F32, 2, kDims, b}};
  tessera_tensor_t outputs[] = {{TESSERA_F32, 2, kDims, out}};
  gCheckCode = 0;
  EXPECT_EQ(tessera_session_run(session, inputs, 2, outputs, 1), TESSERA_OK);
  EXPECT_STREQ(tessera_session_last_error(session), "");
  gCheckCode = 2;
  EXPECT_EQ(tessera_session_run(session, inputs, 2, outputs, 1),
            TESSERA_CHECK_FAILED);
  EXPECT_STREQ(tessera_session_last_error(session),
               "model 'add': node 'g' (tg.gather): second");
  gCheckCode = 3;
  EXPECT_EQ(tessera_session_run(session, inputs, 2, outputs, 1),
            TESSERA_CHECK_FAILED);
  EXPECT_STREQ(tessera_session_last_error(session),
               "model 'add': a run-time check failed");
  gCheckCode = -1;
  EXPECT_EQ(tessera_session_run(session, inputs, 2, outputs, 1),
            TESSERA_CHECK_FAILED);
  EXPECT_STREQ(tessera_status_string(TESSERA_CHECK_FAILED),
               "run-time check failed");
  gCheckCode = 0; // a failure leaves nothing behind for the next run
  EXPECT_EQ(tessera_session_run(session, inputs, 2, outputs, 1), TESSERA_OK);
  EXPECT_STREQ(tessera_session_last_error(session), "");
  tessera_session_release(session);
}

// A model whose entry runs a parallel loop through the context the session
// passes after the workspace, as generated code does: every index of [0, n)
// must be visited exactly once, by whichever thread.
int64_t gLoopSize = 0;
int gVisits[1000];

void countTask(void *args, int64_t begin, int64_t end) {
  auto *visits = static_cast<int *>(args);
  for (int64_t i = begin; i < end; ++i)
    __atomic_fetch_add(&visits[i], 1, __ATOMIC_RELAXED);
}

int32_t parallelEntry(void **buffers) {
  auto *parallel = static_cast<tessera_parallel_t *>(buffers[4]);
  parallel->parallel_for(parallel->pool, countTask, gVisits, gLoopSize);
  return 0;
}

const tessera_model_t kParallelModel = {TESSERA_ABI_VERSION,
                                        0,
                                        "parallel",
                                        2,
                                        1,
                                        kInputs,
                                        kOutputs,
                                        0,
                                        parallelEntry,
                                        0,
                                        nullptr,
                                        0,
                                        nullptr,
                                        nullptr,
                                        0,
                                        0,
                                        nullptr,
                                        nullptr};

TEST(RuntimeThreads, EveryIndexOnceForAnyThreadCount) {
  float a[6] = {}, b[6] = {}, out[6] = {};
  tessera_tensor_t inputs[] = {{TESSERA_F32, 2, kDims, a},
                               {TESSERA_F32, 2, kDims, b}};
  tessera_tensor_t outputs[] = {{TESSERA_F32, 2, kDims, out}};
  for (int threads : {1, 2, 3, 5}) {
    tessera_session_options_t options;
    tessera_session_options_init(&options);
    options.num_threads = threads;
    tessera_session_t *session = nullptr;
    ASSERT_EQ(tessera_session_create(&kParallelModel, &options, &session),
              TESSERA_OK);
    EXPECT_EQ(tessera_session_num_threads(session), threads);
    for (int64_t n : {0, 1, 2, 7, 100, 1000}) {
      gLoopSize = n;
      for (int round = 0; round < 50; ++round) {
        std::fill(std::begin(gVisits), std::end(gVisits), 0);
        ASSERT_EQ(tessera_session_run(session, inputs, 2, outputs, 1),
                  TESSERA_OK);
        for (int64_t i = 0; i < 1000; ++i)
          ASSERT_EQ(gVisits[i], i < n ? 1 : 0)
              << "index " << i << " of " << n << ", " << threads
              << " threads, round " << round;
      }
    }
    tessera_session_release(session);
  }
}

TEST(RuntimeThreads, DefaultsToTheCPUsAndRejectsNegativeCounts) {
  tessera_session_t *session = nullptr;
  ASSERT_EQ(tessera_session_create(&kModel, nullptr, &session), TESSERA_OK);
  EXPECT_GE(tessera_session_num_threads(session), 1);
  tessera_session_release(session);
  tessera_session_options_t options;
  tessera_session_options_init(&options);
  EXPECT_EQ(options.num_threads, 0);
  options.num_threads = -1;
  EXPECT_EQ(tessera_session_create(&kModel, &options, &session),
            TESSERA_INVALID_ARGUMENT);
}

TEST(RuntimeDtypes, SizesAndNames) {
  EXPECT_EQ(tessera_dtype_size(TESSERA_F32), 4u);
  EXPECT_EQ(tessera_dtype_size(TESSERA_BOOL), 1u);
  EXPECT_EQ(tessera_dtype_size(TESSERA_BF16), 2u);
  EXPECT_EQ(tessera_dtype_size(TESSERA_I64), 8u);
  EXPECT_EQ(tessera_dtype_size(99), 0u);
  EXPECT_STREQ(tessera_dtype_name(TESSERA_U8), "u8");
  EXPECT_STREQ(tessera_status_string(TESSERA_SHAPE_MISMATCH), "shape mismatch");
  EXPECT_EQ(tessera_desc_num_elements(&kInputs[0]), 6);
}

// A profiled model (what tessera-compile --profile emits): two kernels,
// each between the profiler's begin and end; the profiler is the buffer
// after the parallel context.
const tessera_kernel_desc_t kKernels[] = {
    {"node \"a\"\n", "tk.matmul", 1000, 64}, {"b", "tk.fusion", 0, 32}};

int32_t profiledEntry(void **buffers) {
  auto *profiler = static_cast<tessera_profiler_t *>(buffers[5]);
  for (int32_t k = 0; k < 2; ++k) {
    if (profiler)
      profiler->begin(profiler->user_data, k);
    addEntry(buffers);
    if (profiler)
      profiler->end(profiler->user_data, k);
  }
  return 0;
}

const tessera_model_t kProfiledModel = {TESSERA_ABI_VERSION,
                                        0,
                                        "profiled",
                                        2,
                                        1,
                                        kInputs,
                                        kOutputs,
                                        6 * sizeof(float),
                                        profiledEntry,
                                        0,
                                        nullptr,
                                        2,
                                        kKernels,
                                        nullptr,
                                        0,
                                        0,
                                        nullptr,
                                        nullptr};

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t occurrences(const std::string &text, const std::string &what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++count;
  return count;
}

TEST(RuntimeProfile, TimesEveryKernelOfEveryRun) {
  float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {}, out[6] = {};
  tessera_tensor_t inputs[] = {{TESSERA_F32, 2, kDims, a},
                               {TESSERA_F32, 2, kDims, b}};
  tessera_tensor_t outputs[] = {{TESSERA_F32, 2, kDims, out}};
  tessera_session_t *session = nullptr;
  ASSERT_EQ(tessera_session_create(&kProfiledModel, nullptr, &session),
            TESSERA_OK);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(tessera_session_run(session, inputs, 2, outputs, 1), TESSERA_OK);
  EXPECT_EQ(out[5], 6.0f);
  const tessera_kernel_profile_t *profiles = nullptr;
  int32_t count = 0;
  ASSERT_EQ(tessera_session_profile(session, &profiles, &count), TESSERA_OK);
  ASSERT_EQ(count, 2);
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(profiles[k].calls, 3);
    EXPECT_GE(profiles[k].min_seconds, 0.0);
    EXPECT_LE(profiles[k].min_seconds, profiles[k].max_seconds);
    EXPECT_GE(profiles[k].total_seconds, 3 * profiles[k].min_seconds);
    EXPECT_LE(profiles[k].total_seconds, 3 * profiles[k].max_seconds + 1e-12);
  }

  // After a reset only the runs that follow count, in the stats and the
  // trace (one event per run and per kernel, names escaped for JSON).
  tessera_session_profile_reset(session);
  ASSERT_EQ(tessera_session_profile(session, &profiles, &count), TESSERA_OK);
  EXPECT_EQ(profiles[0].calls, 0);
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(tessera_session_run(session, inputs, 2, outputs, 1), TESSERA_OK);
  EXPECT_EQ(profiles[1].calls, 2);
  std::string path = ::testing::TempDir() + "tessera_profile_trace.json";
  ASSERT_EQ(tessera_session_write_trace(session, path.c_str()), TESSERA_OK)
      << tessera_session_last_error(session);
  std::string trace = readFile(path);
  std::remove(path.c_str());
  EXPECT_EQ(occurrences(trace, "\"ph\": \"X\""), 6u) << trace;
  EXPECT_EQ(occurrences(trace, "\"name\": \"run\""), 2u) << trace;
  EXPECT_EQ(occurrences(trace, "\"name\": \"node \\\"a\\\"\\u000a\""), 2u)
      << trace;
  EXPECT_EQ(occurrences(trace, "\"flops\": 1000"), 2u) << trace;
  EXPECT_EQ(tessera_session_write_trace(session, "/nonexistent/dir/t.json"),
            TESSERA_INVALID_ARGUMENT);
  EXPECT_NE(std::string(tessera_session_last_error(session)).find("cannot write"),
            std::string::npos);
  tessera_session_release(session);
}

TEST(RuntimeProfile, RefusedForAModelCompiledWithoutProfiling) {
  tessera_session_t *session = nullptr;
  ASSERT_EQ(tessera_session_create(&kModel, nullptr, &session), TESSERA_OK);
  const tessera_kernel_profile_t *profiles = nullptr;
  int32_t count = 7;
  EXPECT_EQ(tessera_session_profile(session, &profiles, &count),
            TESSERA_INVALID_ARGUMENT);
  EXPECT_EQ(count, 0);
  EXPECT_EQ(tessera_session_write_trace(session, "unused.json"),
            TESSERA_INVALID_ARGUMENT);
  EXPECT_NE(std::string(tessera_session_last_error(session)).find("--profile"),
            std::string::npos);
  tessera_session_release(session);
  // A descriptor that counts kernels but lists none is not a model.
  tessera_model_t broken = kProfiledModel;
  broken.kernels = nullptr;
  EXPECT_EQ(tessera_session_create(&broken, nullptr, &session),
            TESSERA_INVALID_ARGUMENT);
}

} // namespace

// Weights in a side file (--weights=file): the entry reads them through
// model->weights_base, which the runtime points at the mapped file; every
// session of the model shares one mapping, the last release unmaps it. A
// missing, short or foreign file fails creation with a message naming it.
namespace {
const void *gWeightsBase = nullptr;

int32_t weightsEntry(void **buffers) {
  auto *out = static_cast<float *>(buffers[2]);
  const auto *weights = static_cast<const float *>(gWeightsBase);
  for (int i = 0; i < 6; ++i)
    out[i] = weights[i];
  return 0;
}

const uint64_t kWeightsId = 0x1234abcd5678ef00ull;

tessera_model_t weightsModel() {
  tessera_model_t model = kModel;
  model.name = "weighted";
  model.entry = weightsEntry;
  model.weights_file = "weighted.weights";
  model.weights_size = 6 * sizeof(float);
  model.weights_id = kWeightsId;
  model.weights_base = &gWeightsBase;
  return model;
}

std::string writeWeights(const std::string &name, uint64_t id, size_t data) {
  std::string path = ::testing::TempDir() + name;
  std::string header(TESSERA_WEIGHTS_HEADER_BYTES, '\0');
  header.replace(0, 8, "TESSERAW");
  auto put = [&](size_t at, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i)
      header[at + i] = static_cast<char>(value >> (8 * i));
  };
  put(8, TESSERA_WEIGHTS_FORMAT, 4);
  put(12, TESSERA_WEIGHTS_HEADER_BYTES, 4);
  put(16, id, 8);
  put(24, 6 * sizeof(float), 8);
  std::ofstream file(path, std::ios::binary);
  file << header;
  const float values[6] = {1, 2, 3, 4, 5, 6};
  file.write(reinterpret_cast<const char *>(values),
             std::min(data, sizeof(values)));
  return path;
}
} // namespace

TEST(RuntimeWeights, MapsSharesAndUnmaps) {
  tessera_model_t model = weightsModel();
  std::string path = writeWeights("weighted.weights", kWeightsId, 24);
  tessera_session_options_t options;
  tessera_session_options_init(&options);
  options.weights_path = path.c_str();
  tessera_session_t *first = nullptr, *second = nullptr;
  ASSERT_EQ(tessera_session_create(&model, &options, &first), TESSERA_OK)
      << tessera_create_error();
  EXPECT_STREQ(tessera_create_error(), "");
  const void *mapped = gWeightsBase;
  ASSERT_NE(mapped, nullptr);
  // The second session shares the mapping, without opening a file.
  options.weights_path = "/nonexistent/weighted.weights";
  ASSERT_EQ(tessera_session_create(&model, &options, &second), TESSERA_OK);
  EXPECT_EQ(gWeightsBase, mapped);
  float out[6] = {};
  int64_t dims[] = {2, 3};
  float a[6] = {};
  tessera_tensor_t inputs[] = {{TESSERA_F32, 2, dims, a}, {TESSERA_F32, 2, dims, a}};
  tessera_tensor_t outputs[] = {{TESSERA_F32, 2, dims, out}};
  ASSERT_EQ(tessera_session_run(second, inputs, 2, outputs, 1), TESSERA_OK);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out[i], i + 1.0f);
  tessera_session_release(first);
  EXPECT_EQ(gWeightsBase, mapped);
  tessera_session_release(second);
  EXPECT_EQ(gWeightsBase, nullptr);
  std::remove(path.c_str());
}

TEST(RuntimeWeights, RefusesMissingShortAndForeignFiles) {
  tessera_model_t model = weightsModel();
  tessera_session_options_t options;
  tessera_session_options_init(&options);
  tessera_session_t *session = reinterpret_cast<tessera_session_t *>(1);
  std::string missing = ::testing::TempDir() + "missing.weights";
  options.weights_path = missing.c_str();
  EXPECT_EQ(tessera_session_create(&model, &options, &session),
            TESSERA_WEIGHTS_UNAVAILABLE);
  EXPECT_EQ(session, nullptr);
  EXPECT_EQ(std::string(tessera_create_error()),
            "cannot open the weights file " + missing +
                " of model 'weighted': No such file or directory");
  std::string shortFile = writeWeights("short.weights", kWeightsId, 10);
  options.weights_path = shortFile.c_str();
  EXPECT_EQ(tessera_session_create(&model, &options, &session),
            TESSERA_WEIGHTS_UNAVAILABLE);
  EXPECT_EQ(std::string(tessera_create_error()),
            "the weights file " + shortFile +
                " of model 'weighted' holds 4106 bytes, the model needs 4120");
  std::string foreign = writeWeights("foreign.weights", kWeightsId + 1, 24);
  options.weights_path = foreign.c_str();
  EXPECT_EQ(tessera_session_create(&model, &options, &session),
            TESSERA_WEIGHTS_UNAVAILABLE);
  EXPECT_NE(std::string(tessera_create_error()).find("fingerprint differs"),
            std::string::npos)
      << tessera_create_error();
  EXPECT_EQ(gWeightsBase, nullptr);
  // A weights file is a bare name next to the model.
  model.weights_file = "../weighted.weights";
  EXPECT_EQ(tessera_session_create(&model, nullptr, &session),
            TESSERA_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_status_string(TESSERA_WEIGHTS_UNAVAILABLE),
               "weights file unavailable");
  std::remove(shortFile.c_str());
  std::remove(foreign.c_str());
}

// An output with a dynamic dimension (NonZero and the like): the entry
// writes the run's size into the slot after the profiler, the session
// checks it against the bound and reports it; a size past the bound is an
// error, and an input cannot have dynamic dimensions.
namespace {
int64_t gDecided = 0;

int32_t boundedEntry(void **buffers) {
  auto *out = static_cast<float *>(buffers[2]);
  auto *sizes = static_cast<int64_t *>(buffers[6]);
  for (int i = 0; i < 6; ++i)
    out[i] = i < gDecided * 3 ? 1.0f : 0.0f;
  sizes[0] = gDecided;
  return 0;
}
} // namespace

TEST(RuntimeSession, ReportsDynamicOutputSizes) {
  const tessera_tensor_desc_t outputs[] = {{"rows", TESSERA_F32, 2, kDims, 1}};
  tessera_model_t model = kModel;
  model.outputs = outputs;
  model.entry = boundedEntry;
  tessera_session_t *session = nullptr;
  ASSERT_EQ(tessera_session_create(&model, nullptr, &session), TESSERA_OK);
  EXPECT_EQ(tessera_session_output_dims(session, 0)[0], 2); // the bound
  EXPECT_EQ(tessera_session_output_dims(session, 1), nullptr);
  float a[6] = {}, out[6];
  tessera_tensor_t inputs[] = {{TESSERA_F32, 2, kDims, a}, {TESSERA_F32, 2, kDims, a}};
  tessera_tensor_t result[] = {{TESSERA_F32, 2, kDims, out}};
  for (int64_t decided : {1, 0, 2}) {
    gDecided = decided;
    ASSERT_EQ(tessera_session_run(session, inputs, 2, result, 1), TESSERA_OK);
    const int64_t *dims = tessera_session_output_dims(session, 0);
    EXPECT_EQ(dims[0], decided);
    EXPECT_EQ(dims[1], 3);
  }
  gDecided = 3;
  EXPECT_EQ(tessera_session_run(session, inputs, 2, result, 1), TESSERA_CHECK_FAILED);
  EXPECT_STREQ(tessera_session_last_error(session),
               "model 'add': output 0 ('rows') got size 3 in dimension 0, "
               "outside [0, 2]");
  tessera_session_release(session);

  const tessera_tensor_desc_t inputsDynamic[] = {{"a", TESSERA_F32, 2, kDims, 1},
                                                 {"b", TESSERA_F32, 2, kDims, 0}};
  model = kModel;
  model.inputs = inputsDynamic;
  EXPECT_EQ(tessera_session_create(&model, nullptr, &session), TESSERA_INVALID_ARGUMENT);
  const tessera_tensor_desc_t pastRank[] = {{"rows", TESSERA_F32, 2, kDims, 4}};
  model = kModel;
  model.outputs = pastRank;
  EXPECT_EQ(tessera_session_create(&model, nullptr, &session), TESSERA_INVALID_ARGUMENT);
}
