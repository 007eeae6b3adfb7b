//===- _tessera.cpp - the tessera Python extension (pybind11) -------------===//
//
// Binds tessera::Graph (one method per tg op, snake_case), the ONNX
// importer, the driver, and a compiled module that runs numpy arrays through
// the C runtime. Every failure raises tessera.Error with the compiler's
// message.
//
//===----------------------------------------------------------------------===//

#include "tessera/Builder/Graph.h"
#include "tessera/Compiler/Driver.h"
#include "tessera/Compiler/Quantize.h"
#include "tessera/Plugin/Loader.h"
#include "tessera/runtime.h"
#include "tools/tessera-run/ModelLibrary.h"

#include "llvm/Support/raw_ostream.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <dlfcn.h>
#include <mutex>

namespace py = pybind11;
using namespace tessera;

namespace {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Python-side handle of a graph; Tensors keep it alive.
struct PyGraph {
  explicit PyGraph(Graph graph) : graph(std::move(graph)) {}
  Graph graph;
  std::vector<std::string> outputNames;
  /// Raises the graph's error, if any (and clears it: the failed call built
  /// nothing, so the graph stays usable).
  void check() {
    if (graph.ok())
      return;
    std::string message = graph.error();
    graph.clearError();
    throw Error(message);
  }
};

struct PyTensor {
  std::shared_ptr<PyGraph> graph;
  Tensor tensor;
};

DType dtypeFromPython(const py::object &dtype) {
  std::string name =
      py::str(py::module_::import("numpy").attr("dtype")(dtype).attr("name"));
  auto parsed = parseDType(name);
  if (!parsed)
    throw Error("unsupported dtype '" + name + "'");
  return *parsed;
}

py::dtype numpyDtype(int32_t dtype) {
  const char *name = dtypeName(static_cast<DType>(dtype));
  if (std::string(name) == "bfloat16")
    throw Error("bfloat16 tensors have no numpy dtype");
  return py::dtype(name);
}

/// Unwraps a tensor argument made by this graph.
Tensor arg(const std::shared_ptr<PyGraph> &g, const PyTensor &t) {
  if (t.graph != g)
    throw Error("the tensor belongs to another graph");
  return t.tensor;
}

PyTensor wrap(const std::shared_ptr<PyGraph> &g, Tensor t) {
  g->check();
  return PyTensor{g, t};
}

/// A binary op's operand: a Tensor of graph `g`, or a Python or numpy
/// value made a constant of `dtype`.
Tensor operand(const std::shared_ptr<PyGraph> &g, const py::object &value,
               DType dtype) {
  if (py::isinstance<PyTensor>(value))
    return arg(g, value.cast<const PyTensor &>());
  py::module_ numpy = py::module_::import("numpy");
  py::array data;
  try {
    data = numpy.attr("ascontiguousarray")(
        value, numpy.attr("dtype")(dtypeName(dtype)));
  } catch (const py::error_already_set &) {
    throw py::type_error(
        "an operand must be a tessera.Tensor or a number, "
        "got " +
        std::string(py::str(py::type::of(value).attr("__name__"))));
  }
  Shape shape(data.shape(), data.shape() + data.ndim());
  return g->graph.constant(data.data(), shape, dtype);
}

/// `method(a, b)` where at least one of a and b is a Tensor of `g`.
PyTensor binary(const std::shared_ptr<PyGraph> &g,
                Tensor (Graph::*method)(Tensor, Tensor), const py::object &a,
                const py::object &b) {
  const py::object &tensor = py::isinstance<PyTensor>(a) ? a : b;
  if (!py::isinstance<PyTensor>(tensor))
    throw py::type_error("at least one operand must be a tessera.Tensor");
  DType dtype = g->graph.dtype(tensor.cast<const PyTensor &>().tensor);
  Tensor lhs = operand(g, a, dtype), rhs = operand(g, b, dtype);
  return wrap(g, (g->graph.*method)(lhs, rhs));
}

std::vector<int64_t> ints(const std::optional<std::vector<int64_t>> &v) {
  return v ? *v : std::vector<int64_t>{};
}

/// A compiled model: the shared library, its descriptor and one session
/// (runs from several threads are serialized on it).
class CompiledModule {
public:
  /// The library DIRECTORY/NAME.so.
  CompiledModule(std::string directory, std::string name, int threads,
                 int cudaDevice = 0)
      : directory(std::move(directory)), name(std::move(name)) {
    std::string library = this->directory + "/" + this->name + ".so";
    std::string why;
    if (!tessera::run::isWholeLibrary(library, why))
      throw Error("cannot load " + library + ": " + why);
    handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      throw Error("cannot load " + library + ": " + dlerror());
    model = static_cast<const tessera_model_t *>(
        dlsym(handle, "tessera_default_model"));
    if (!model)
      throw Error(library + " is not a Tessera model library (no "
                            "tessera_default_model symbol)");
    if (model->abi_version != TESSERA_ABI_VERSION)
      throw Error(library + " was built for runtime ABI " +
                  std::to_string(model->abi_version) + ", this tessera has " +
                  std::to_string(TESSERA_ABI_VERSION) +
                  "; recompile the model");
    tessera_session_options_t options;
    tessera_session_options_init(&options);
    options.num_threads = threads;
    options.cuda_device = cudaDevice;
    tessera_status_t status = tessera_session_create(model, &options, &session);
    if (status != TESSERA_OK)
      throw Error(std::string("cannot create a session: ") +
                  tessera_create_error());
  }
  int threads() const { return tessera_session_num_threads(session); }

  /// One dict per kernel of a model compiled with profile=True, in the
  /// order they run: what the compiler says of it and what the session
  /// measured since creation or the last reset.
  py::list profile() {
    std::lock_guard<std::mutex> lock(running);
    const tessera_kernel_profile_t *profiles = nullptr;
    int32_t count = 0;
    if (tessera_session_profile(session, &profiles, &count) != TESSERA_OK)
      throw Error("the model was compiled without profile=True");
    py::list list;
    for (int32_t k = 0; k < count; ++k) {
      const tessera_kernel_desc_t &desc = model->kernels[k];
      py::dict kernel;
      kernel["kernel"] = k;
      kernel["name"] = desc.name;
      kernel["kind"] = desc.kind;
      kernel["flops"] = desc.flops;
      kernel["bytes"] = desc.bytes;
      kernel["calls"] = profiles[k].calls;
      kernel["total_seconds"] = profiles[k].total_seconds;
      kernel["min_seconds"] = profiles[k].min_seconds;
      kernel["max_seconds"] = profiles[k].max_seconds;
      list.append(kernel);
    }
    return list;
  }
  void resetProfile() {
    std::lock_guard<std::mutex> lock(running);
    tessera_session_profile_reset(session);
  }
  void writeTrace(const std::string &path) {
    std::lock_guard<std::mutex> lock(running);
    if (tessera_session_write_trace(session, path.c_str()) != TESSERA_OK)
      throw Error(tessera_session_last_error(session));
  }

  ~CompiledModule() {
    tessera_session_release(session);
    if (handle)
      dlclose(handle);
  }

  py::object call(py::args args, py::kwargs kwargs) {
    int32_t n = model->num_inputs;
    std::vector<py::array> arrays(n);
    std::vector<bool> given(n, false);
    if (static_cast<int32_t>(args.size()) > n)
      throw py::type_error("the model takes " + std::to_string(n) +
                           " inputs, got " + std::to_string(args.size()));
    for (size_t i = 0; i < args.size(); ++i) {
      arrays[i] = py::array(args[i]);
      given[i] = true;
    }
    for (auto item : kwargs) {
      std::string key = py::str(item.first);
      int32_t index = -1;
      for (int32_t i = 0; i < n; ++i)
        if (key == model->inputs[i].name)
          index = i;
      if (index < 0)
        throw py::type_error("the model has no input '" + key + "'");
      if (given[index])
        throw py::type_error("input '" + key + "' given twice");
      arrays[index] =
          py::array(py::reinterpret_borrow<py::object>(item.second));
      given[index] = true;
    }
    std::vector<tessera_tensor_t> inputs(n);
    std::vector<std::vector<int64_t>> inputDims(n);
    for (int32_t i = 0; i < n; ++i) {
      const tessera_tensor_desc_t &desc = model->inputs[i];
      if (!given[i])
        throw py::type_error(std::string("input '") + desc.name +
                             "' is not given");
      py::dtype expected = numpyDtype(desc.dtype);
      if (!arrays[i].dtype().is(expected) && !arrays[i].dtype().equal(expected))
        throw py::type_error(
            std::string("input '") + desc.name + "' has dtype " +
            std::string(py::str(arrays[i].dtype())) + ", the model expects " +
            std::string(py::str(expected)));
      bool shapeOk = arrays[i].ndim() == desc.rank;
      for (int32_t d = 0; shapeOk && d < desc.rank; ++d)
        shapeOk = arrays[i].shape(d) == desc.dims[d];
      if (!shapeOk) {
        std::string want = "(", got = "(";
        for (int32_t d = 0; d < desc.rank; ++d)
          want +=
              std::to_string(desc.dims[d]) + (d + 1 < desc.rank ? ", " : "");
        for (py::ssize_t d = 0; d < arrays[i].ndim(); ++d)
          got += std::to_string(arrays[i].shape(d)) +
                 (d + 1 < arrays[i].ndim() ? ", " : "");
        throw py::value_error(std::string("input '") + desc.name +
                              "' has shape " + got + "), the model expects " +
                              want + ")");
      }
      arrays[i] = py::array::ensure(arrays[i], py::array::c_style);
      inputDims[i].assign(desc.dims, desc.dims + desc.rank);
      inputs[i] = {desc.dtype, desc.rank, inputDims[i].data(),
                   const_cast<void *>(arrays[i].data())};
    }
    py::list results;
    std::vector<tessera_tensor_t> outputs(model->num_outputs);
    std::vector<py::array> outputArrays;
    for (int32_t i = 0; i < model->num_outputs; ++i) {
      const tessera_tensor_desc_t &desc = model->outputs[i];
      std::vector<py::ssize_t> shape(desc.dims, desc.dims + desc.rank);
      outputArrays.emplace_back(numpyDtype(desc.dtype), shape);
      outputs[i] = {desc.dtype, desc.rank, desc.dims,
                    outputArrays.back().mutable_data()};
    }
    tessera_status_t status;
    std::string error;
    std::vector<std::vector<int64_t>> decided(model->num_outputs);
    {
      // The session's workspace serves one run at a time: calls from
      // several Python threads take turns (the GIL is released first, so a
      // waiting thread never holds it).
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(running);
      status = tessera_session_run(session, inputs.data(), inputs.size(),
                                   outputs.data(), outputs.size());
      if (status != TESSERA_OK)
        error = tessera_session_last_error(session);
      else
        for (int32_t i = 0; i < model->num_outputs; ++i)
          if (model->outputs[i].dynamic_dims) {
            const int64_t *dims = tessera_session_output_dims(session, i);
            decided[i].assign(dims, dims + model->outputs[i].rank);
          }
    }
    if (status != TESSERA_OK)
      throw Error(error);
    // An output with dynamic dimensions: the front of the bounded buffer.
    for (int32_t i = 0; i < model->num_outputs; ++i) {
      if (decided[i].empty())
        continue;
      py::tuple front(decided[i].size());
      for (size_t d = 0; d < decided[i].size(); ++d)
        front[d] = py::slice(0, decided[i][d], 1);
      outputArrays[i] = py::array(outputArrays[i][front].attr("copy")());
    }
    if (outputArrays.size() == 1)
      return outputArrays.front();
    for (py::array &a : outputArrays)
      results.append(a);
    return py::tuple(results);
  }

  py::list describe(bool wantInputs) const {
    py::list list;
    int32_t n = wantInputs ? model->num_inputs : model->num_outputs;
    const tessera_tensor_desc_t *descs =
        wantInputs ? model->inputs : model->outputs;
    for (int32_t i = 0; i < n; ++i) {
      py::tuple shape(descs[i].rank);
      for (int32_t d = 0; d < descs[i].rank; ++d)
        shape[d] = descs[i].dims[d];
      list.append(py::make_tuple(
          descs[i].name, shape, dtypeName(static_cast<DType>(descs[i].dtype))));
    }
    return list;
  }

  std::string directory, name;

private:
  void *handle = nullptr;
  const tessera_model_t *model = nullptr;
  tessera_session_t *session = nullptr;
  std::mutex running;
};

} // namespace

/// What _compile and _quantize build: a library in `directory`, the
/// arguments checked.
static CompileOptions libraryOptions(const std::string &directory,
                                     const std::string &name,
                                     const std::string &target,
                                     const std::string &mcpu, int optLevel,
                                     int threads, bool profile, bool timing,
                                     const std::string &weights) {
  if (optLevel < 0 || optLevel > 3)
    throw Error("opt_level must be 0 to 3, got " + std::to_string(optLevel));
  if (threads < 0)
    throw Error("threads must be 0 (one per CPU) or more, got " +
                std::to_string(threads));
  CompileOptions options;
  options.outputPrefix = directory + "/" + name;
  options.name = name;
  options.triple = target;
  options.cpu = mcpu == "generic" ? "" : mcpu;
  options.optLevel = optLevel;
  options.emit = EmitStage::Library;
  options.profile = profile;
  options.timing = timing;
  if (!tessera::parseWeightsPlacement(weights, options.weights))
    throw Error("weights must be \"auto\", \"embed\" or \"file\", got \"" +
                weights + "\"");
  return options;
}

PYBIND11_MODULE(_tessera, m) {
  m.doc() = "Tessera: an ahead-of-time deep learning compiler (native module)";
  static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p)
        std::rethrow_exception(p);
    } catch (const Error &e) {
      error(e.what());
    }
  });

  auto tensor = py::class_<PyTensor>(
      m, "Tensor",
      "A value of a Graph: an input, a constant or an op's result. Supports "
      "+ - * / ** @ and unary -, with Tensors of the same graph or Python and "
      "numpy scalars.");
  tensor
      .def_property_readonly(
          "shape",
          [](const PyTensor &t) {
            Shape s = t.graph->graph.shape(t.tensor);
            py::tuple shape(s.size());
            for (size_t i = 0; i < s.size(); ++i)
              shape[i] = s[i];
            return shape;
          },
          "The static shape, a tuple of ints.")
      .def_property_readonly(
          "dtype",
          [](const PyTensor &t) {
            return std::string(dtypeName(t.graph->graph.dtype(t.tensor)));
          },
          "The element type's numpy name ('float32', ...).")
      .def("__repr__", [](const PyTensor &t) {
        Shape s = t.graph->graph.shape(t.tensor);
        return "<tessera.Tensor " + formatShape(s) + " " +
               dtypeName(t.graph->graph.dtype(t.tensor)) + ">";
      });

  using G = std::shared_ptr<PyGraph>;
  auto graph = py::class_<PyGraph, G>(m, "Graph");
  graph
      .def(py::init([](const std::string &name) {
             return std::make_shared<PyGraph>(Graph(name));
           }),
           py::arg("name") = "graph")
      .def_property_readonly(
          "name", [](const G &g) { return g->graph.name(); },
          "The graph's name (the compiled model's symbol prefix by default).")
      .def(
          "input",
          [](const G &g, const std::string &name,
             const std::vector<int64_t> &shape, const py::object &dtype) {
            return wrap(g, g->graph.input(name, shape, dtypeFromPython(dtype)));
          },
          py::arg("name"), py::arg("shape"), py::arg("dtype") = "float32",
          "input(name, shape, dtype='float32') -> Tensor: a graph input of a "
          "static shape.")
      .def(
          "constant",
          [](const G &g, const py::array &value) {
            py::array data = py::array::ensure(value, py::array::c_style);
            Shape shape(data.shape(), data.shape() + data.ndim());
            return wrap(g, g->graph.constant(data.data(), shape,
                                             dtypeFromPython(data.dtype())));
          },
          py::arg("value"),
          "constant(value) -> Tensor: a constant from a numpy array (or "
          "anything numpy.asarray takes), of its dtype.")
      .def(
          "output",
          [](const G &g, const PyTensor &value,
             std::optional<std::string> name) {
            std::string n =
                name ? *name : "output" + std::to_string(g->outputNames.size());
            g->graph.output(arg(g, value), n);
            g->check();
            g->outputNames.push_back(n);
          },
          py::arg("value"), py::arg("name") = py::none(),
          "output(value, name=None): marks a Tensor as the graph's next output "
          "(named outputN when no name is given).")
      .def(
          "to_mlir",
          [](const G &g) {
            std::string text = g->graph.toMLIR();
            g->check();
            return text;
          },
          "to_mlir() -> str: the graph as tg MLIR text.");

  // Elementwise ops with numpy broadcasting; either operand may be a Python
  // or numpy scalar (or array), made a constant of the other's dtype.
  struct BinaryOp {
    const char *name;
    Tensor (Graph::*method)(Tensor, Tensor);
    const char *onnx;
  };
  static const BinaryOp binaryOps[] = {
      {"add", &Graph::add, "Add"},
      {"sub", &Graph::sub, "Sub"},
      {"mul", &Graph::mul, "Mul"},
      {"div", &Graph::div, "Div"},
      {"pow", &Graph::pow, "Pow"},
      {"max", &Graph::max, "Max"},
      {"min", &Graph::min, "Min"},
      {"matmul", &Graph::matmul, "MatMul"},
      {"equal", &Graph::equal, "Equal"},
      {"less", &Graph::less, "Less"},
      {"less_or_equal", &Graph::lessOrEqual, "LessOrEqual"},
      {"greater", &Graph::greater, "Greater"},
      {"greater_or_equal", &Graph::greaterOrEqual, "GreaterOrEqual"},
  };
  for (const BinaryOp &op : binaryOps) {
    auto method = op.method;
    std::string doc = std::string(op.name) + "(a, b) -> Tensor: ONNX " +
                      op.onnx +
                      (std::string(op.name) == "matmul"
                           ? " (numpy matmul semantics, batched)."
                           : ", elementwise with numpy broadcasting.") +
                      " Either operand may be a Python or numpy scalar, made "
                      "a constant of the other's dtype.";
    graph.def(
        op.name,
        [method](const G &g, const py::object &a, const py::object &b) {
          return binary(g, method, a, b);
        },
        py::arg("a"), py::arg("b"), doc.c_str());
  }
  // Tensor operators: x + y, 2 * x, x @ w, -x, x ** 2 ...
  struct Operator {
    const char *name;
    Tensor (Graph::*method)(Tensor, Tensor);
    bool reflected;
  };
  static const Operator operators[] = {
      {"__add__", &Graph::add, false},
      {"__radd__", &Graph::add, true},
      {"__sub__", &Graph::sub, false},
      {"__rsub__", &Graph::sub, true},
      {"__mul__", &Graph::mul, false},
      {"__rmul__", &Graph::mul, true},
      {"__truediv__", &Graph::div, false},
      {"__rtruediv__", &Graph::div, true},
      {"__pow__", &Graph::pow, false},
      {"__rpow__", &Graph::pow, true},
      {"__matmul__", &Graph::matmul, false},
      {"__rmatmul__", &Graph::matmul, true},
  };
  for (const Operator &op : operators) {
    auto method = op.method;
    bool reflected = op.reflected;
    tensor.def(
        op.name,
        [method, reflected](const py::object &self, const py::object &other) {
          const PyTensor &t = self.cast<const PyTensor &>();
          return reflected ? binary(t.graph, method, other, self)
                           : binary(t.graph, method, self, other);
        },
        py::arg("other"));
  }
  tensor.def(
      "__neg__",
      [](const PyTensor &t) {
        return wrap(t.graph, t.graph->graph.neg(t.tensor));
      },
      "-x: ONNX Neg.");

  struct UnaryOp {
    const char *name;
    Tensor (Graph::*method)(Tensor);
    const char *onnx;
  };
  static const UnaryOp unaryOps[] = {
      {"relu", &Graph::relu, "Relu"},
      {"sigmoid", &Graph::sigmoid, "Sigmoid"},
      {"tanh", &Graph::tanh, "Tanh"},
      {"exp", &Graph::exp, "Exp"},
      {"log", &Graph::log, "Log"},
      {"sqrt", &Graph::sqrt, "Sqrt"},
      {"abs", &Graph::abs, "Abs"},
      {"neg", &Graph::neg, "Neg"},
      {"erf", &Graph::erf, "Erf"},
      {"floor", &Graph::floor, "Floor"},
      {"ceil", &Graph::ceil, "Ceil"},
      {"reciprocal", &Graph::reciprocal, "Reciprocal"},
      {"hard_swish", &Graph::hardSwish, "HardSwish"},
      {"global_max_pool", &Graph::globalMaxPool, "GlobalMaxPool"},
      {"global_avg_pool", &Graph::globalAvgPool, "GlobalAveragePool"},
  };
  for (const UnaryOp &op : unaryOps) {
    auto method = op.method;
    std::string doc = std::string(op.name) + "(x) -> Tensor: ONNX " + op.onnx +
                      (std::string(op.name).find("pool") != std::string::npos
                           ? " over the spatial dims of an NC... tensor."
                           : ", elementwise.");
    graph.def(
        op.name,
        [method](const G &g, const PyTensor &x) {
          return wrap(g, (g->graph.*method)(arg(g, x)));
        },
        py::arg("x"), doc.c_str());
  }

  graph
      .def(
          "where",
          [](const G &g, const PyTensor &c, const PyTensor &x,
             const PyTensor &y) {
            return wrap(g, g->graph.where(arg(g, c), arg(g, x), arg(g, y)));
          },
          py::arg("condition"), py::arg("x"), py::arg("y"),
          "where(condition, x, y) -> Tensor: ONNX Where, elementwise selection "
          "with broadcasting.")
      .def(
          "hard_sigmoid",
          [](const G &g, const PyTensor &x, double alpha, double beta) {
            return wrap(g, g->graph.hardSigmoid(arg(g, x), alpha, beta));
          },
          py::arg("x"), py::arg("alpha") = 0.2, py::arg("beta") = 0.5,
          "hard_sigmoid(x, alpha=0.2, beta=0.5) -> Tensor: ONNX HardSigmoid, "
          "max(0, min(1, alpha x + beta)).")
      .def(
          "leaky_relu",
          [](const G &g, const PyTensor &x, double alpha) {
            return wrap(g, g->graph.leakyRelu(arg(g, x), alpha));
          },
          py::arg("x"), py::arg("alpha") = 0.01,
          "leaky_relu(x, alpha=0.01) -> Tensor: ONNX LeakyRelu.")
      .def(
          "gelu",
          [](const G &g, const PyTensor &x, const std::string &approximate) {
            if (approximate != "none" && approximate != "tanh")
              throw Error("gelu: approximate must be "
                          "'none' or 'tanh'");
            return wrap(g, g->graph.gelu(arg(g, x), approximate == "tanh"));
          },
          py::arg("x"), py::arg("approximate") = "none",
          "gelu(x, approximate='none') -> Tensor: ONNX Gelu, exact (erf) or "
          "'tanh'.")
      .def(
          "clip",
          [](const G &g, const PyTensor &x, std::optional<double> min,
             std::optional<double> max) {
            return wrap(g, g->graph.clip(arg(g, x), min, max));
          },
          py::arg("x"), py::arg("min") = py::none(),
          py::arg("max") = py::none(),
          "clip(x, min=None, max=None) -> Tensor: ONNX Clip with constant "
          "bounds.")
      .def(
          "cast",
          [](const G &g, const PyTensor &x, const py::object &dtype) {
            return wrap(g, g->graph.cast(arg(g, x), dtypeFromPython(dtype)));
          },
          py::arg("x"), py::arg("dtype"),
          "cast(x, dtype) -> Tensor: ONNX Cast to a numpy dtype.")
      .def(
          "conv",
          [](const G &g, const PyTensor &x, const PyTensor &w,
             std::optional<PyTensor> b,
             std::optional<std::vector<int64_t>> strides,
             std::optional<std::vector<int64_t>> pads,
             std::optional<std::vector<int64_t>> dilations, int64_t group) {
            ConvOptions o{
                ints(strides), ints(pads), ints(dilations), group, {}};
            return wrap(g, g->graph.conv(arg(g, x), arg(g, w),
                                         b ? arg(g, *b) : Tensor(), o));
          },
          py::arg("x"), py::arg("weight"), py::arg("bias") = py::none(),
          py::arg("strides") = py::none(), py::arg("pads") = py::none(),
          py::arg("dilations") = py::none(), py::arg("group") = 1,
          "conv(x, weight, bias=None, strides=None, pads=None, dilations=None, "
          "group=1) -> Tensor: ONNX Conv (N-d, grouped); pads are [begin..., "
          "end...].")
      .def(
          "conv_transpose",
          [](const G &g, const PyTensor &x, const PyTensor &w,
             std::optional<PyTensor> b,
             std::optional<std::vector<int64_t>> strides,
             std::optional<std::vector<int64_t>> pads,
             std::optional<std::vector<int64_t>> dilations, int64_t group,
             std::optional<std::vector<int64_t>> outputPadding) {
            ConvOptions o{ints(strides), ints(pads), ints(dilations), group,
                          ints(outputPadding)};
            return wrap(g,
                        g->graph.convTranspose(arg(g, x), arg(g, w),
                                               b ? arg(g, *b) : Tensor(), o));
          },
          py::arg("x"), py::arg("weight"), py::arg("bias") = py::none(),
          py::arg("strides") = py::none(), py::arg("pads") = py::none(),
          py::arg("dilations") = py::none(), py::arg("group") = 1,
          py::arg("output_padding") = py::none(),
          "conv_transpose(x, weight, bias=None, strides=None, pads=None, "
          "dilations=None, group=1, output_padding=None) -> Tensor: ONNX "
          "ConvTranspose.")
      .def(
          "max_pool",
          [](const G &g, const PyTensor &x, const std::vector<int64_t> &kernel,
             std::optional<std::vector<int64_t>> strides,
             std::optional<std::vector<int64_t>> pads,
             std::optional<std::vector<int64_t>> dilations, bool ceilMode) {
            PoolOptions o{kernel,          ints(strides), ints(pads),
                          ints(dilations), ceilMode,      false};
            return wrap(g, g->graph.maxPool(arg(g, x), o));
          },
          py::arg("x"), py::arg("kernel_shape"),
          py::arg("strides") = py::none(), py::arg("pads") = py::none(),
          py::arg("dilations") = py::none(), py::arg("ceil_mode") = false,
          "max_pool(x, kernel_shape, strides=None, pads=None, dilations=None, "
          "ceil_mode=False) -> Tensor: ONNX MaxPool.")
      .def(
          "avg_pool",
          [](const G &g, const PyTensor &x, const std::vector<int64_t> &kernel,
             std::optional<std::vector<int64_t>> strides,
             std::optional<std::vector<int64_t>> pads,
             std::optional<std::vector<int64_t>> dilations, bool ceilMode,
             bool countIncludePad) {
            PoolOptions o{kernel,          ints(strides), ints(pads),
                          ints(dilations), ceilMode,      countIncludePad};
            return wrap(g, g->graph.avgPool(arg(g, x), o));
          },
          py::arg("x"), py::arg("kernel_shape"),
          py::arg("strides") = py::none(), py::arg("pads") = py::none(),
          py::arg("dilations") = py::none(), py::arg("ceil_mode") = false,
          py::arg("count_include_pad") = false,
          "avg_pool(x, kernel_shape, strides=None, pads=None, dilations=None, "
          "ceil_mode=False, count_include_pad=False) -> Tensor: ONNX "
          "AveragePool.")
      .def(
          "batch_norm",
          [](const G &g, const PyTensor &x, const PyTensor &scale,
             const PyTensor &bias, const PyTensor &mean, const PyTensor &var,
             double epsilon) {
            return wrap(g, g->graph.batchNorm(arg(g, x), arg(g, scale),
                                              arg(g, bias), arg(g, mean),
                                              arg(g, var), epsilon));
          },
          py::arg("x"), py::arg("scale"), py::arg("bias"), py::arg("mean"),
          py::arg("var"), py::arg("epsilon") = 1e-5,
          "batch_norm(x, scale, bias, mean, var, epsilon=1e-5) -> Tensor: ONNX "
          "BatchNormalization (inference).")
      .def(
          "layer_norm",
          [](const G &g, const PyTensor &x, const PyTensor &scale,
             std::optional<PyTensor> bias, int64_t axis, double epsilon) {
            return wrap(g, g->graph.layerNorm(arg(g, x), arg(g, scale),
                                              bias ? arg(g, *bias) : Tensor(),
                                              axis, epsilon));
          },
          py::arg("x"), py::arg("scale"), py::arg("bias") = py::none(),
          py::arg("axis") = -1, py::arg("epsilon") = 1e-5,
          "layer_norm(x, scale, bias=None, axis=-1, epsilon=1e-5) -> Tensor: "
          "ONNX LayerNormalization over the dims from axis on.")
      .def(
          "softmax",
          [](const G &g, const PyTensor &x, int64_t axis) {
            return wrap(g, g->graph.softmax(arg(g, x), axis));
          },
          py::arg("x"), py::arg("axis") = -1,
          "softmax(x, axis=-1) -> Tensor: ONNX Softmax (opset 13) along one "
          "axis.")
      .def(
          "log_softmax",
          [](const G &g, const PyTensor &x, int64_t axis) {
            return wrap(g, g->graph.logSoftmax(arg(g, x), axis));
          },
          py::arg("x"), py::arg("axis") = -1,
          "log_softmax(x, axis=-1) -> Tensor: ONNX LogSoftmax along one axis.");

#define REDUCE(py_name, method, onnx)                                          \
  graph.def(                                                                   \
      py_name,                                                                 \
      [](const G &g, const PyTensor &x,                                        \
         std::optional<std::vector<int64_t>> axes, bool keepdims) {            \
        return wrap(g, g->graph.method(arg(g, x), ints(axes), keepdims));      \
      },                                                                       \
      py::arg("x"), py::arg("axes") = py::none(), py::arg("keepdims") = true,  \
      py_name "(x, axes=None, keepdims=True) -> Tensor: ONNX " onnx            \
              " over axes (every axis without them).");
  REDUCE("reduce_sum", reduceSum, "ReduceSum")
  REDUCE("reduce_mean", reduceMean, "ReduceMean")
  REDUCE("reduce_max", reduceMax, "ReduceMax")
  REDUCE("reduce_min", reduceMin, "ReduceMin")
  REDUCE("reduce_prod", reduceProd, "ReduceProd")
#undef REDUCE

  graph
      .def(
          "reshape",
          [](const G &g, const PyTensor &x, const std::vector<int64_t> &shape) {
            return wrap(g, g->graph.reshape(arg(g, x), shape));
          },
          py::arg("x"), py::arg("shape"),
          "reshape(x, shape) -> Tensor: ONNX Reshape (0 copies a dim, -1 is "
          "inferred).")
      .def(
          "transpose",
          [](const G &g, const PyTensor &x,
             std::optional<std::vector<int64_t>> perm) {
            return wrap(g, g->graph.transpose(arg(g, x), ints(perm)));
          },
          py::arg("x"), py::arg("perm") = py::none(),
          "transpose(x, perm=None) -> Tensor: ONNX Transpose (reversed dims "
          "without perm).")
      .def(
          "concat",
          [](const G &g, const std::vector<PyTensor> &inputs, int64_t axis) {
            std::vector<Tensor> tensors;
            for (const PyTensor &t : inputs)
              tensors.push_back(arg(g, t));
            return wrap(g, g->graph.concat(tensors, axis));
          },
          py::arg("inputs"), py::arg("axis"),
          "concat(inputs, axis) -> Tensor: ONNX Concat of a list of Tensors.")
      .def(
          "slice",
          [](const G &g, const PyTensor &x, const std::vector<int64_t> &starts,
             const std::vector<int64_t> &ends,
             std::optional<std::vector<int64_t>> axes,
             std::optional<std::vector<int64_t>> steps) {
            return wrap(g, g->graph.slice(arg(g, x), starts, ends, ints(axes),
                                          ints(steps)));
          },
          py::arg("x"), py::arg("starts"), py::arg("ends"),
          py::arg("axes") = py::none(), py::arg("steps") = py::none(),
          "slice(x, starts, ends, axes=None, steps=None) -> Tensor: ONNX Slice "
          "with constant bounds.")
      .def(
          "gather",
          [](const G &g, const PyTensor &data, const PyTensor &indices,
             int64_t axis) {
            return wrap(g,
                        g->graph.gather(arg(g, data), arg(g, indices), axis));
          },
          py::arg("data"), py::arg("indices"), py::arg("axis") = 0,
          "gather(data, indices, axis=0) -> Tensor: ONNX Gather.")
      .def(
          "pad",
          [](const G &g, const PyTensor &x, const std::vector<int64_t> &pads,
             const std::string &mode, double value) {
            return wrap(g, g->graph.pad(arg(g, x), pads, mode, value));
          },
          py::arg("x"), py::arg("pads"), py::arg("mode") = "constant",
          py::arg("value") = 0.0,
          "pad(x, pads, mode='constant', value=0.0) -> Tensor: ONNX Pad "
          "('constant', 'reflect', 'edge', 'wrap').")
      .def(
          "resize",
          [](const G &g, const PyTensor &x,
             std::optional<std::vector<double>> scales,
             std::optional<std::vector<int64_t>> sizes, const std::string &mode,
             const std::string &coordinate, const std::string &nearest,
             double cubicCoeffA, bool excludeOutside) {
            ResizeOptions o;
            o.scales = scales.value_or(std::vector<double>{});
            o.sizes = ints(sizes);
            o.mode = mode;
            o.coordinateMode = coordinate;
            o.nearestMode = nearest;
            o.cubicCoeffA = cubicCoeffA;
            o.excludeOutside = excludeOutside;
            return wrap(g, g->graph.resize(arg(g, x), o));
          },
          py::arg("x"), py::arg("scales") = py::none(),
          py::arg("sizes") = py::none(), py::arg("mode") = "nearest",
          py::arg("coordinate_transformation_mode") = "half_pixel",
          py::arg("nearest_mode") = "round_prefer_floor",
          py::arg("cubic_coeff_a") = -0.75, py::arg("exclude_outside") = false,
          "resize(x, scales=None, sizes=None, mode='nearest', "
          "coordinate_transformation_mode='half_pixel', "
          "nearest_mode='round_prefer_floor', cubic_coeff_a=-0.75, "
          "exclude_outside=False) -> Tensor: ONNX Resize.")
      .def(
          "expand",
          [](const G &g, const PyTensor &x, const std::vector<int64_t> &shape) {
            return wrap(g, g->graph.expand(arg(g, x), shape));
          },
          py::arg("x"), py::arg("shape"),
          "expand(x, shape) -> Tensor: ONNX Expand (numpy broadcasting to "
          "shape).")
      .def(
          "squeeze",
          [](const G &g, const PyTensor &x,
             std::optional<std::vector<int64_t>> axes) {
            return wrap(g, g->graph.squeeze(arg(g, x), ints(axes)));
          },
          py::arg("x"), py::arg("axes") = py::none(),
          "squeeze(x, axes=None) -> Tensor: ONNX Squeeze (every size-1 dim "
          "without axes).")
      .def(
          "unsqueeze",
          [](const G &g, const PyTensor &x, const std::vector<int64_t> &axes) {
            return wrap(g, g->graph.unsqueeze(arg(g, x), axes));
          },
          py::arg("x"), py::arg("axes"),
          "unsqueeze(x, axes) -> Tensor: ONNX Unsqueeze.")
      .def(
          "flatten",
          [](const G &g, const PyTensor &x, int64_t axis) {
            return wrap(g, g->graph.flatten(arg(g, x), axis));
          },
          py::arg("x"), py::arg("axis") = 1,
          "flatten(x, axis=1) -> Tensor: ONNX Flatten to 2-d.")
      .def(
          "split",
          [](const G &g, const PyTensor &x, int64_t axis,
             const std::vector<int64_t> &sizes) {
            std::vector<Tensor> parts = g->graph.split(arg(g, x), axis, sizes);
            g->check();
            std::vector<PyTensor> result;
            for (Tensor t : parts)
              result.push_back(PyTensor{g, t});
            return result;
          },
          py::arg("x"), py::arg("axis"), py::arg("sizes"),
          "split(x, sizes, axis=0) -> list[Tensor]: ONNX Split into parts of "
          "the given sizes.");

  m.def(
      "load_plugin",
      [](const std::string &path) {
        std::string error;
        if (!tessera::loadPlugin(path, error))
          throw Error(error);
      },
      py::arg("path"),
      "Loads a compiler plugin (a shared library built against "
      "tessera/Plugin/Plugin.h) into this process: its converters, passes "
      "and cost models extend every later import_onnx and compile. Loading "
      "the same file again does nothing; a plugin of another API version "
      "raises tessera.Error.",
      "load_plugin(path): loads a compiler plugin (tessera/Plugin/Plugin.h) "
      "into this process; its converters, passes and cost models extend every "
      "later compilation.");

  m.def(
      "import_onnx",
      [](const std::string &path,
         std::optional<std::map<std::string, std::vector<int64_t>>>
             inputShapes) {
        auto g = std::make_shared<PyGraph>(Graph::importOnnx(
            path, inputShapes.value_or(
                      std::map<std::string, std::vector<int64_t>>{})));
        if (!g->graph.ok())
          throw Error(g->graph.error());
        return g;
      },
      py::arg("path"), py::arg("input_shapes") = py::none(),
      "import_onnx(path, input_shapes=None) -> Graph: imports an ONNX model; "
      "input_shapes maps input names to shapes (required for symbolic dims).");

  py::class_<CompiledModule, std::shared_ptr<CompiledModule>>(m,
                                                              "CompiledModule")
      .def("__call__", &CompiledModule::call,
           "module(*arrays, **named_arrays): runs the model on numpy arrays "
           "(positionally or by input name), checking dtypes and shapes; "
           "returns one array per output (a single array for one output).")
      .def_property_readonly(
          "inputs", [](const CompiledModule &c) { return c.describe(true); })
      .def_property_readonly(
          "outputs", [](const CompiledModule &c) { return c.describe(false); })
      .def_property_readonly(
          "threads", [](const CompiledModule &c) { return c.threads(); })
      .def("profile", &CompiledModule::profile,
           "profile() -> list[dict]: per-kernel times of a module compiled "
           "with profile=True.")
      .def("reset_profile", &CompiledModule::resetProfile,
           "reset_profile(): forgets the times measured so far.")
      .def("write_trace", &CompiledModule::writeTrace,
           "write_trace(path): writes the last runs as Chrome trace JSON.")
      .def_readonly("directory", &CompiledModule::directory,
                    "The directory holding the compiled library.")
      .def_readonly("name", &CompiledModule::name,
                    "The model's C symbol prefix.");

  m.def("_compile", [](const G &g, const std::string &directory,
                       const std::string &name, const std::string &target,
                       const std::string &mcpu, int optLevel, int threads,
                       bool profile, bool timing, const std::string &weights,
                       int cudaDevice) {
    if (cudaDevice < 0)
      throw Error("cuda_device must be 0 or more, got " +
                  std::to_string(cudaDevice));
    CompileOptions options =
        libraryOptions(directory, name, target, mcpu, optLevel, threads,
                       profile, timing, weights);
    CompileResult result;
    {
      py::gil_scoped_release release;
      result = compile(g->graph, options);
    }
    if (!result.ok()) {
      g->graph.clearError(); // the graph itself is still fine
      throw Error(result.error);
    }
    return py::make_tuple(
        std::make_shared<CompiledModule>(directory, name, threads, cudaDevice),
        result.log);
  });
  m.def("_quantize",
        [](const G &g, const std::string &directory, const std::string &name,
           const std::string &mcpu, int optLevel, int threads, bool profile,
           bool timing, const std::string &weights,
           const std::string &calibration, const std::string &method,
           double percentile, int bins, double minSqnr,
           const std::vector<std::string> &keepFloat, const std::string &report,
           const std::string &evaluation) {
          CompileOptions options =
              libraryOptions(directory, name, "", mcpu, optLevel, threads,
                             profile, timing, weights);
          QuantizeRequest request;
          request.calibrationDir = calibration;
          if (!parseCalibrationMethod(method, request.method))
            throw Error(
                "method must be \"minmax\", \"percentile\", \"entropy\" or "
                "\"mse\", got \"" +
                method + "\"");
          request.percentile = percentile;
          request.bins = bins;
          request.minSqnr = minSqnr;
          request.keepFloat = keepFloat;
          request.reportPath = report;
          request.evalDir = evaluation;
          options.inputBuffer = g->graph.toBytecode();
          options.inputPath = g->graph.name();
          if (options.inputBuffer.empty())
            throw Error(g->graph.error().empty() ? "the graph is empty"
                                                 : g->graph.error());
          std::string error, log;
          CompileResult result;
          {
            py::gil_scoped_release release;
            llvm::raw_string_ostream logStream(log);
            if (!quantizeModel(options, request, logStream, error))
              result.error = error;
            else
              result = compile(options);
          }
          if (!result.ok())
            throw Error(result.error);
          return py::make_tuple(
              std::make_shared<CompiledModule>(directory, name, threads),
              log + result.log);
        });
  m.def(
      "_load",
      [](const std::string &directory, const std::string &name, int threads,
         int cudaDevice) {
        if (threads < 0)
          throw Error("threads must be 0 (one per CPU) or more, got " +
                      std::to_string(threads));
        if (cudaDevice < 0)
          throw Error("cuda_device must be 0 or more, got " +
                      std::to_string(cudaDevice));
        return std::make_shared<CompiledModule>(directory, name, threads,
                                                cudaDevice);
      },
      py::arg("directory"), py::arg("name"), py::arg("threads"),
      py::arg("cuda_device") = 0);
}
