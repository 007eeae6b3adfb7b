//===- tessera-verify.cpp - find the first node where Tessera diverges ----===//
//
//   tessera-verify model.onnx [--input NAME=FILE ...] [--test-data DIR]
//       [--input-shape NAME=DIMS]
//       [--rtol R] [--atol A] [--seed N] [--all] [--ort-modules DIR]
//       [--node PATH] [--work-dir DIR] [--mcpu CPU] [-O N] [--plugin LIB.so]
//
// Compiles the model with every intermediate tensor as an output
// (--debug-outputs), runs it, runs ONNX Runtime (npm onnxruntime-node, through
// share/tessera/ort_oracle.js) on the same inputs with the same tensors
// requested, and compares them node by node in the model's order. Prints the
// first node whose output differs, with where and by how much, or that every
// tensor agrees. Exit status: 0 agreement, 1 a divergence, 2 an error.
//
//===----------------------------------------------------------------------===//

#include "tessera/Compiler/Driver.h"
#include "tessera/Support/OneLine.h"
#include "tessera/Version.h"
#include "tools/tessera-run/OnnxModel.h"
#include "tools/tessera-run/Compare.h"
#include "tools/tessera-run/ModelLibrary.h"
#include "tools/tessera-run/TensorIO.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <unistd.h>

extern char **environ;

using namespace llvm;
using namespace tessera::run;

static cl::OptionCategory category("tessera-verify options");

static cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::Required, cl::cat(category));
static cl::list<std::string>
    inputFiles("input",
               cl::desc("A model input from a .npy or .pb file: NAME=FILE "
                        "(repeatable; inputs not given are generated)"),
               cl::cat(category));
static cl::opt<std::string> testData(
    "test-data",
    cl::desc("An ONNX test-data folder: its input_<i>.pb files are the "
             "model's inputs, in order"),
    cl::value_desc("dir"), cl::cat(category));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Fix an input's shape: NAME=1x3x48x192 (repeatable; "
                         "an --input file fixes its own)"),
                cl::cat(category));
static cl::opt<double> relativeTolerance("rtol",
                                         cl::desc("Relative tolerance (1e-3)"),
                            cl::init(1e-3), cl::cat(category));
static cl::opt<double> absoluteTolerance("atol", cl::desc("Absolute tolerance (1e-4)"),
                            cl::init(1e-4), cl::cat(category));
static cl::opt<bool> elementwise(
    "elementwise",
    cl::desc("Compare each element with its own tolerance, atol + rtol |e|, "
             "not the tensor's, atol + rtol max|e| (the default)"),
    cl::cat(category));
static cl::opt<unsigned>
    seed("seed", cl::desc("Seed of the generated inputs (default 0)"),
         cl::init(0), cl::cat(category));
static cl::opt<bool> all("all",
                         cl::desc("Print every compared tensor, not only the "
                                  "first divergence"),
                         cl::cat(category));
static cl::opt<std::string> ortModules(
    "ort-modules",
    cl::desc("The node_modules directory holding onnxruntime-node (default: "
             "NODE_PATH, then node's own search)"),
    cl::value_desc("dir"), cl::cat(category));
static cl::opt<std::string> nodeProgram("node",
                                        cl::desc("Node.js (default: node on "
                                                 "PATH)"),
                                        cl::value_desc("path"),
                                        cl::cat(category));
static cl::opt<std::string>
    workDir("work-dir",
            cl::desc("Keep the compiled model, the inputs and both sides' "
                     "tensors here (default: a temporary directory, removed)"),
            cl::value_desc("dir"), cl::cat(category));
static cl::opt<std::string> mcpu("mcpu",
                                 cl::desc("CPU to compile for (default native)"),
                                 cl::init("native"), cl::cat(category));
static cl::opt<char> optLevel("O",
                              cl::desc("Optimization level 0-3 (default 2)"),
                              cl::Prefix, cl::init('2'), cl::cat(category));
static cl::list<std::string> plugins("plugin",
                                     cl::desc("Load a compiler plugin "
                                              "(repeatable)"),
                                     cl::value_desc("lib.so"),
                                     cl::cat(category));
static cl::opt<std::string> perturbNode(
    "debug-perturb-node",
    cl::desc("Test only: add 0.1 to the results of this ONNX node"),
    cl::value_desc("node"), cl::Hidden, cl::cat(category));

namespace {

/// A failure: one line, exit status 2.
int fail(const std::string &message) {
  std::fprintf(stderr, "tessera-verify: error: %s\n",
               tessera::oneLine(message).c_str());
  return 2;
}

/// Where a tool's companion file is: <bin>/../share/tessera/NAME, in the
/// build tree and in an installed prefix alike.
std::string sharedFile(const char *argv0, const char *name) {
  static int anchor;
  std::string executable = sys::fs::getMainExecutable(argv0, &anchor);
  SmallString<256> path(sys::path::parent_path(sys::path::parent_path(executable)));
  sys::path::append(path, "share", "tessera", name);
  return std::string(path);
}

/// A generated input: floats uniform in [-1, 1), integers 0, booleans false
/// (index-like and mask inputs stay valid for any model).
HostTensor generateInput(const tessera_tensor_desc_t &desc, std::mt19937 &rng) {
  HostTensor tensor;
  tensor.dtype = desc.dtype;
  tensor.dims.assign(desc.dims, desc.dims + desc.rank);
  int64_t count = tessera_desc_num_elements(&desc);
  size_t size = tessera_dtype_size(desc.dtype);
  tensor.data.assign(static_cast<size_t>(count) * size, 0);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (int64_t i = 0; i < count; ++i) {
    char *p = tensor.data.data() + i * size;
    if (desc.dtype == TESSERA_F32) {
      float value = static_cast<float>(uniform(rng));
      std::memcpy(p, &value, sizeof(value));
    } else if (desc.dtype == TESSERA_F64) {
      double value = uniform(rng);
      std::memcpy(p, &value, sizeof(value));
    } else if (desc.dtype == TESSERA_F16) {
      // A float16 in [-1, 1): sign, exponent 14 (0.5 .. 1) and a random
      // mantissa, enough to exercise the model.
      uint16_t bits = static_cast<uint16_t>(
          ((rng() & 1u) << 15) | (14u << 10) | (rng() & 0x3ffu));
      std::memcpy(p, &bits, sizeof(bits));
    }
  }
  return tensor;
}

/// The importer's name for node `index` (tessera/Import/ONNX.h).
std::string nodeName(const onnx::NodeProto &node, int index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index)
                             : node.name();
}

/// "agrees, max abs error 1.2e-07".
std::string formatAgreement(const Comparison &comparison) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "agrees, max abs error %.3g",
                comparison.maxError);
  return buffer;
}

struct Compared {
  int node;           ///< index into the graph's nodes
  std::string tensor; ///< the ONNX value
  int output;         ///< index into the compiled model's outputs
  Comparison result;
};

} // namespace

static int verify(int argc, char **argv);

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // Every error is one line and exit 2, even one nothing below expects.
  try {
    return verify(argc, argv);
  } catch (const std::exception &error) {
    return fail(std::string("internal error: ") + error.what());
  }
}

static int verify(int argc, char **argv) {
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << "tessera-verify (Tessera) " << TESSERA_VERSION_STRING << "\n";
  });
  cl::ParseCommandLineOptions(
      argc, argv,
      "Tessera numerical debugger: compares every tensor of a model with "
      "ONNX Runtime's and names the first node that diverges\n");
  double rtol = relativeTolerance, atol = absoluteTolerance;
  if (!std::isfinite(rtol) || rtol < 0 || !std::isfinite(atol) || atol < 0)
    return fail("--rtol and --atol must be finite and non-negative");
  if (optLevel < '0' || optLevel > '3')
    return fail(std::string("-O") + optLevel.getValue() +
                " is not an optimization level (0 to 3)");

  onnx::ModelProto model;
  std::string error;
  if (!tessera::run::readOnnxModel(modelPath, model, error))
    return fail(error);
  const onnx::GraphProto &graph = model.graph();

  // The work directory.
  SmallString<256> work;
  bool keep = !workDir.empty();
  if (keep) {
    work = workDir;
    if (std::error_code ec = sys::fs::create_directories(work))
      return fail("cannot create " + workDir + ": " + ec.message());
  } else if (std::error_code ec =
                 sys::fs::createUniqueDirectory("tessera-verify", work)) {
    return fail("cannot create a temporary directory: " + ec.message());
  }
  struct Cleanup {
    SmallString<256> dir;
    bool keep;
    ~Cleanup() {
      if (!keep)
        sys::fs::remove_directories(dir);
    }
  } cleanup{work, keep};
  auto inWork = [&](const std::string &name) {
    SmallString<256> path(work);
    sys::path::append(path, name);
    return std::string(path);
  };

  // Inputs from files fix their shapes unless --input-shape does.
  tessera::CompileOptions options;
  std::map<std::string, HostTensor> given;
  for (const std::string &spec : inputFiles) {
    size_t equals = spec.find('=');
    if (equals == std::string::npos || equals == 0 ||
        equals + 1 == spec.size())
      return fail("--input '" + spec + "' is not NAME=FILE");
    std::string name = spec.substr(0, equals);
    HostTensor tensor;
    if (!readTensor(spec.substr(equals + 1), tensor, error))
      return fail(error);
    options.import.inputShapes[name] = tensor.dims;
    given[name] = std::move(tensor);
  }
  // An ONNX test-data folder: input_<i>.pb for the graph's i-th input
  // (initializers are not inputs); --input takes precedence.
  if (!testData.empty()) {
    std::set<std::string> initializers;
    for (const onnx::TensorProto &tensor : graph.initializer())
      initializers.insert(tensor.name());
    int index = 0;
    for (const onnx::ValueInfoProto &input : graph.input()) {
      if (initializers.count(input.name()))
        continue;
      std::string file =
          testData + "/input_" + std::to_string(index++) + ".pb";
      if (given.count(input.name()))
        continue;
      HostTensor tensor;
      if (!readTensor(file, tensor, error))
        return fail("--test-data: " + error);
      options.import.inputShapes[input.name()] = tensor.dims;
      given[input.name()] = std::move(tensor);
    }
  }
  for (const std::string &spec : inputShapes) {
    std::string message = tessera::parseInputShape(spec, options.import);
    if (!message.empty())
      return fail(message);
  }

  // Tessera, with every intermediate as an output.
  options.inputPath = modelPath;
  options.outputPrefix = inWork("tessera/model");
  options.cpu = mcpu == "generic" ? "" : mcpu.getValue();
  options.optLevel = optLevel - '0';
  options.import.debugOutputs = true;
  options.debugPerturbNode = perturbNode;
  options.plugins.assign(plugins.begin(), plugins.end());
  if (!tessera::compileModel(options, nulls(), error))
    return fail(error);
  const tessera_model_t *compiled =
      loadModelLibrary(options.outputPrefix + ".so", error);
  if (!compiled)
    return fail(error);

  std::vector<HostTensor> inputs;
  std::mt19937 rng(seed);
  for (int i = 0; i < compiled->num_inputs; ++i) {
    const tessera_tensor_desc_t &desc = compiled->inputs[i];
    auto it = given.find(desc.name);
    inputs.push_back(it != given.end() ? std::move(it->second)
                                       : generateInput(desc, rng));
    if (it != given.end())
      given.erase(it);
  }
  if (!given.empty()) {
    std::string names;
    for (int i = 0; i < compiled->num_inputs; ++i)
      names += (i ? ", '" : "'") + std::string(compiled->inputs[i].name) + "'";
    return fail("--input " + given.begin()->first +
                ": the model has no input of that name; its inputs: " + names);
  }
  ModelSession session;
  if (!session.create(*compiled, 1, /*cudaDevice=*/0, error))
    return fail(error);
  if (session.run(inputs) != TESSERA_OK)
    return fail("Tessera's run failed: " + session.lastError());

  // ONNX Runtime on the same inputs, asked for the same tensors.
  onnx::ModelProto requested = model;
  for (int i = requested.graph().output_size(); i < compiled->num_outputs; ++i)
    requested.mutable_graph()->add_output()->set_name(compiled->outputs[i].name);
  if (requested.graph().output_size() != compiled->num_outputs)
    return fail("internal: the compiled model has " +
                std::to_string(compiled->num_outputs) +
                " outputs, fewer than the ONNX graph's");
  sys::fs::create_directories(inWork("ort"));
  // Weights stored as external data: ONNX Runtime reads them from the
  // rewritten model's folder, and resolves symbolic links (one out of the
  // folder is refused), so each file is hard-linked there, or copied when
  // it is on another file system.
  {
    std::set<std::string> locations;
    auto note = [&](const onnx::TensorProto &tensor) {
      if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
        for (const auto &entry : tensor.external_data())
          if (entry.key() == "location")
            locations.insert(entry.value());
    };
    for (const onnx::TensorProto &tensor : graph.initializer())
      note(tensor);
    for (const onnx::NodeProto &node : graph.node())
      for (const onnx::AttributeProto &attribute : node.attribute())
        if (attribute.has_t())
          note(attribute.t());
    SmallString<256> folder(sys::path::parent_path(modelPath));
    if (folder.empty())
      folder = ".";
    sys::fs::make_absolute(folder);
    for (const std::string &location : locations) {
      // The importer has confined each to the model's folder.
      SmallString<256> target(folder), link(inWork("ort"));
      sys::path::append(target, location);
      sys::path::append(link, location);
      sys::fs::create_directories(sys::path::parent_path(link));
      if (!sys::fs::create_hard_link(target, link))
        continue;
      uint64_t size = 0;
      sys::fs::file_size(target, size);
      if (size > (uint64_t(1) << 30))
        return fail("the external data file " + std::string(target) +
                    " is on another file system than the work directory and "
                    "too large to copy; pass --work-dir DIR on the model's "
                    "file system");
      if (std::error_code ec = sys::fs::copy_file(target, link))
        return fail("cannot copy " + std::string(target) + " to " +
                    std::string(link) + ": " + ec.message());
    }
  }
  {
    std::ofstream stream(inWork("ort/model.onnx"), std::ios::binary);
    if (!requested.SerializeToOstream(&stream))
      return fail("cannot write " + inWork("ort/model.onnx"));
  }
  std::vector<std::string> arguments;
  std::string node = nodeProgram;
  if (node.empty()) {
    ErrorOr<std::string> found = sys::findProgramByName("node");
    if (!found)
      return fail("Node.js (node) is not on PATH: ONNX Runtime runs under "
                  "it; install nodejs and `npm install onnxruntime-node`, or "
                  "pass --node");
    node = *found;
  }
  std::string script = sharedFile(argv[0], "ort_oracle.js");
  if (!sys::fs::exists(script))
    return fail("the ONNX Runtime driver " + script +
                " is missing (a broken installation)");
  arguments = {node, script, inWork("ort/model.onnx"), inWork("ort/out")};
  sys::fs::create_directories(inWork("inputs"));
  for (int i = 0; i < compiled->num_inputs; ++i) {
    std::string file = inWork("inputs/" + std::to_string(i) + ".npy");
    if (!writeNpy(file, inputs[i], error))
      return fail(error);
    arguments.push_back(std::string(compiled->inputs[i].name) + "=" + file);
  }
  std::vector<std::string> environment;
  for (char **entry = environ; *entry; ++entry)
    if (std::strncmp(*entry, "NODE_PATH=", 10) != 0)
      environment.push_back(*entry);
  const char *nodePath = std::getenv("NODE_PATH");
  std::string modules = ortModules;
  if (nodePath && *nodePath)
    modules += (modules.empty() ? "" : ":") + std::string(nodePath);
  if (!modules.empty())
    environment.push_back("NODE_PATH=" + modules);
  std::vector<StringRef> argv2(arguments.begin(), arguments.end());
  std::vector<StringRef> env2(environment.begin(), environment.end());
  std::string log = inWork("ort/log.txt");
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                          StringRef(log)};
  std::string spawnError;
  int status = sys::ExecuteAndWait(node, argv2, env2, redirects, 0, 0,
                                   &spawnError);
  if (status != 0) {
    // The driver's own message, else node's first error line.
    std::string message, text;
    if (auto buffer = MemoryBuffer::getFile(log))
      text = (*buffer)->getBuffer().str();
    if (StringRef(text).contains("Cannot find module 'onnxruntime-node'"))
      return fail("ONNX Runtime for Node.js is not found: `npm install "
                  "onnxruntime-node` and pass --ort-modules "
                  "DIR/node_modules (or set NODE_PATH)");
    SmallVector<StringRef> lines;
    StringRef(text).split(lines, '\n', -1, false);
    for (StringRef line : lines)
      if (line.consume_front("ort_oracle: error: ") ||
          (message.empty() && line.starts_with("Error")))
        message = line.str();
    if (message.empty())
      message = lines.empty() ? spawnError : lines.back().str();
    return fail("ONNX Runtime failed on " + modelPath + ": " + message);
  }

  // Node by node, in the model's order.
  StringMap<int> outputIndex;
  for (int i = 0; i < compiled->num_outputs; ++i)
    outputIndex[compiled->outputs[i].name] = i;
  std::vector<HostTensor> &ours = session.outputs();
  std::vector<Compared> compared;
  StringMap<size_t> comparedByName;
  for (int n = 0; n < graph.node_size(); ++n)
    for (const std::string &tensor : graph.node(n).output()) {
      auto it = outputIndex.find(tensor);
      if (tensor.empty() || it == outputIndex.end() ||
          comparedByName.count(tensor))
        continue;
      int index = it->second;
      HostTensor theirs;
      std::string file = inWork("ort/out/" + std::to_string(index) + ".npy");
      if (!readTensor(file, theirs, error))
        return fail("ONNX Runtime's '" + tensor + "': " + error);
      comparedByName[tensor] = compared.size();
      compared.push_back({n, tensor, index,
                          compareTensors(ours[index], theirs, rtol, atol,
                                         !elementwise)});
      if (all) {
        const Compared &c = compared.back();
        std::printf("node '%s' (%s) '%s': %s\n",
                    tessera::oneLine(nodeName(graph.node(n), n)).c_str(),
                    graph.node(n).op_type().c_str(),
                    tessera::oneLine(tensor).c_str(),
                    c.result.ok() ? formatAgreement(c.result).c_str()
                                  : "differs");
      }
    }
  int differing = 0;
  const Compared *first = nullptr, *largest = nullptr;
  for (const Compared &c : compared) {
    if (!c.result.ok()) {
      ++differing;
      if (!first)
        first = &c;
    } else if (!largest || c.result.maxError > largest->result.maxError) {
      largest = &c;
    }
  }
  std::set<int> nodes;
  for (const Compared &c : compared)
    nodes.insert(c.node);
  if (!first) {
    std::printf("tessera-verify: %s: all %zu tensors of %zu nodes agree with "
                "ONNX Runtime (rtol %g%s, atol %g)",
                sys::path::filename(modelPath).str().c_str(), compared.size(),
                nodes.size(), rtol,
                elementwise ? "" : " of each tensor's largest value", atol);
    if (!largest || largest->result.maxError == 0)
      std::printf("; every tensor is identical");
    else
      std::printf("; largest error %.3g, at node '%s' output '%s'",
                  largest->result.maxError,
                  tessera::oneLine(nodeName(graph.node(largest->node),
                                            largest->node))
                      .c_str(),
                  tessera::oneLine(largest->tensor).c_str());
    std::printf("\n");
    return 0;
  }

  const onnx::NodeProto &bad = graph.node(first->node);
  HostTensor theirs;
  readTensor(inWork("ort/out/" + std::to_string(first->output) + ".npy"),
             theirs, error);
  std::printf("tessera-verify: %s: first divergence at node '%s' (%s): %s\n",
              sys::path::filename(modelPath).str().c_str(),
              tessera::oneLine(nodeName(bad, first->node)).c_str(),
              bad.op_type().c_str(),
              tessera::oneLine(
                  describeMismatch("output '" + first->tensor + "'",
                                   ours[first->output], theirs, first->result,
                                   rtol, atol, "tessera", "onnxruntime"))
                  .c_str());
  // Its inputs, to show the divergence starts here.
  std::set<std::string> initializers;
  for (const onnx::TensorProto &tensor : graph.initializer())
    initializers.insert(tensor.name());
  std::string inputsLine;
  for (const std::string &input : bad.input()) {
    if (input.empty())
      continue;
    std::string what;
    auto it = comparedByName.find(input);
    if (it != comparedByName.end()) {
      const Comparison &c = compared[it->second].result;
      what = c.ok() ? formatAgreement(c) : "differs";
    } else if (initializers.count(input)) {
      what = "initializer";
    } else {
      what = "graph input";
      for (const onnx::NodeProto &producer : graph.node())
        for (const std::string &output : producer.output())
          if (output == input)
            what = "constant";
    }
    inputsLine += (inputsLine.empty() ? "" : ", ") +
                  ("'" + input + "' (" + what + ")");
  }
  std::printf("  its inputs: %s\n", tessera::oneLine(inputsLine).c_str());
  size_t before = static_cast<size_t>(first - compared.data());
  std::printf("  %zu tensor%s before it agree%s; %d of the %zu compared "
              "differ\n",
              before, before == 1 ? "" : "s", before == 1 ? "s" : "", differing,
              compared.size());
  return 1;
}
