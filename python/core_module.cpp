// `sluice._core`: the pybind11 bindings of the IR core.
//
// Programs are values: Python holds a `Program` by value, and the containers, states, nodes and
// edges it hands out are read-only snapshots (plain data), so nothing Python keeps can dangle
// when the program changes.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <nlohmann/json.hpp>

#include "codegen/executable.h"
#include "ir/analysis/report.h"
#include "ir/program_io.h"
#include "ir/text_format.h"
#include "ir/json_format.h"
#include "ir/verifier.h"
#include "pipeline/kernel_timer.h"
#include "python/pipeline_bindings.h"
#include "python/transforms_bindings.h"
#include "samples/sample_programs.h"

namespace py = pybind11;

namespace sluice::python {
namespace {

using namespace sluice::ir;

std::vector<std::string> expr_strings(const std::vector<Expr>& exprs) {
  std::vector<std::string> out;
  out.reserve(exprs.size());
  for (const auto& e : exprs) out.push_back(e.str());
  return out;
}

struct PyContainer {
  int id;
  std::string name;
  std::string kind;
  std::string dtype;
  std::vector<std::string> shape;
  std::vector<std::string> strides;
  std::string offset;
  std::string storage;
  std::string lifetime;
  bool transient;
  std::optional<std::string> view_source;
};

struct PyEdge {
  int id;
  int src;
  std::string src_conn;
  int dst;
  std::string dst_conn;
  std::optional<std::string> data;
  std::string subset;
  std::optional<std::string> other_subset;
  std::string volume;
  std::string wcr;
};

struct PyNode {
  int id;
  std::string kind;
  std::string label;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::optional<std::string> container;  // access
  std::optional<std::string> code;       // tasklet
  std::optional<std::string> op;         // library
  std::optional<std::string> implementation;
  py::dict attributes;
  std::vector<std::pair<std::string, std::string>> params;  // map
  std::optional<std::string> schedule;
  std::vector<PyNode> body_nodes;  // map body
  std::vector<PyEdge> body_edges;
};

struct PyState {
  int id;
  std::string label;
  bool start;
  std::vector<PyNode> nodes;
  std::vector<PyEdge> edges;
};

py::object attribute_to_python(const AttributeValue& value) {
  return std::visit([](const auto& v) -> py::object { return py::cast(v); }, value);
}

PyEdge edge_snapshot(const Program& p, const Graph& g, EdgeId id) {
  const Edge& e = g.edge(id);
  PyEdge out{static_cast<int>(id.value), static_cast<int>(e.src.value), e.src_conn,
             static_cast<int>(e.dst.value), e.dst_conn, std::nullopt, subset_str(e.memlet.subset),
             std::nullopt, e.memlet.volume.str(), std::string(write_conflict_name(e.memlet.wcr))};
  if (!e.memlet.empty() && p.containers.contains(e.memlet.data))
    out.data = p.containers[e.memlet.data].name;
  if (e.memlet.other_subset) out.other_subset = subset_str(*e.memlet.other_subset);
  return out;
}

void graph_snapshot(const Program& p, const Graph& g, std::vector<PyNode>& nodes,
                    std::vector<PyEdge>& edges);

PyNode node_snapshot(const Program& p, const Graph& g, NodeId id) {
  const Node& node = g.node(id);
  PyNode out;
  out.id = static_cast<int>(id.value);
  out.kind = std::string(node_kind_name(node));
  out.label = node_label(node);
  out.inputs = input_connectors(node);
  out.outputs = output_connectors(node);
  if (const auto* a = std::get_if<AccessNode>(&node)) {
    if (p.containers.contains(a->data)) out.container = p.containers[a->data].name;
  } else if (const auto* t = std::get_if<TaskletNode>(&node)) {
    out.code = print_tasklet(t->code);
  } else if (const auto* l = std::get_if<LibraryNode>(&node)) {
    out.op = l->op;
    out.implementation = l->implementation;
    for (const auto& [name, value] : l->attributes) out.attributes[py::str(name)] =
        attribute_to_python(value);
  } else if (const auto* m = std::get_if<MapNode>(&node)) {
    for (const auto& param : m->params)
      out.params.emplace_back(param.name, subset_str({param.range}));
    out.schedule = std::string(schedule_name(m->schedule));
    graph_snapshot(p, *m->body, out.body_nodes, out.body_edges);
  }
  return out;
}

void graph_snapshot(const Program& p, const Graph& g, std::vector<PyNode>& nodes,
                    std::vector<PyEdge>& edges) {
  for (NodeId id : g.node_ids()) nodes.push_back(node_snapshot(p, g, id));
  for (EdgeId id : g.edge_ids()) edges.push_back(edge_snapshot(p, g, id));
}

std::vector<PyContainer> containers(const Program& p) {
  std::vector<PyContainer> out;
  for (ContainerId id : p.containers.ids()) {
    const Container& c = p.containers[id];
    PyContainer pc{static_cast<int>(id.value),
                   c.name,
                   std::string(container_kind_name(c.kind)),
                   std::string(dtype_name(c.dtype)),
                   expr_strings(c.shape),
                   expr_strings(c.strides),
                   c.offset.str(),
                   std::string(storage_name(c.storage)),
                   std::string(lifetime_name(c.lifetime)),
                   c.transient,
                   std::nullopt};
    if (c.view && p.containers.contains(c.view->source))
      pc.view_source = p.containers[c.view->source].name;
    out.push_back(std::move(pc));
  }
  return out;
}

std::vector<PyState> states(const Program& p) {
  std::vector<PyState> out;
  for (StateId id : p.states.ids()) {
    PyState s{static_cast<int>(id.value), p.states[id].label, id == p.start_state, {}, {}};
    graph_snapshot(p, p.states[id].graph, s.nodes, s.edges);
    out.push_back(std::move(s));
  }
  return out;
}

py::object json_to_python(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

Program load_text(const std::string& text, const std::string& format, const std::string& name) {
  if (format == "json") return parse_program(text, ProgramFormat::Json, name);
  if (format == "text") return parse_program(text, ProgramFormat::Text, name);
  throw UserError("format", "unknown program format '" + format + "' (expected 'json' or 'text')");
}

}  // namespace
}  // namespace sluice::python

PYBIND11_MODULE(_core, m) {
  using namespace sluice::python;
  using sluice::Diagnostic;
  using sluice::ir::Program;
  m.doc() = "Sluice IR core (pybind11). Use the `sluice` package, which re-exports this.";
  // Before torch (or anything else) loads libgomp or OpenBLAS.
  sluice::codegen::set_runtime_defaults();
  // layout-select{measure=true} compiles and times candidate layouts through it.
  sluice::pipeline::install_kernel_timer();

  static py::exception<sluice::UserError> error(m, "Error");
  // pybind11 takes a plain `void (*)(std::exception_ptr)`: the by-value parameter is its API.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const sluice::UserError& e) {
      py::list diagnostics;
      for (const auto& d : e.diagnostics()) diagnostics.append(py::cast(d));
      // An instance carrying the structured diagnostics next to the message.
      py::object instance = py::handle(error.ptr())(e.what());
      instance.attr("diagnostics") = diagnostics;
      PyErr_SetObject(error.ptr(), instance.ptr());
    }
  });

  py::class_<Diagnostic>(m, "Diagnostic")
      .def_property_readonly("severity",
                             [](const Diagnostic& d) {
                               return d.severity == sluice::Severity::Error     ? "error"
                                      : d.severity == sluice::Severity::Warning ? "warning"
                                                                                : "note";
                             })
      .def_readonly("location", &Diagnostic::location)
      .def_readonly("message", &Diagnostic::message)
      .def_readonly("notes", &Diagnostic::notes)
      .def("__str__", &Diagnostic::str)
      .def("__repr__", [](const Diagnostic& d) { return "<Diagnostic " + d.str() + ">"; });

  py::class_<PyContainer>(m, "Container")
      .def_readonly("id", &PyContainer::id)
      .def_readonly("name", &PyContainer::name)
      .def_readonly("kind", &PyContainer::kind)
      .def_readonly("dtype", &PyContainer::dtype)
      .def_readonly("shape", &PyContainer::shape)
      .def_readonly("strides", &PyContainer::strides)
      .def_readonly("offset", &PyContainer::offset)
      .def_readonly("storage", &PyContainer::storage)
      .def_readonly("lifetime", &PyContainer::lifetime)
      .def_readonly("transient", &PyContainer::transient)
      .def_readonly("view_source", &PyContainer::view_source)
      .def("__repr__", [](const PyContainer& c) {
        std::string shape;
        for (const auto& d : c.shape) shape += (shape.empty() ? "" : ", ") + d;
        return "<Container " + c.name + ": " + c.dtype + "[" + shape + "]>";
      });

  py::class_<PyEdge>(m, "Edge")
      .def_readonly("id", &PyEdge::id)
      .def_readonly("src", &PyEdge::src)
      .def_readonly("src_conn", &PyEdge::src_conn)
      .def_readonly("dst", &PyEdge::dst)
      .def_readonly("dst_conn", &PyEdge::dst_conn)
      .def_readonly("data", &PyEdge::data)
      .def_readonly("subset", &PyEdge::subset)
      .def_readonly("other_subset", &PyEdge::other_subset)
      .def_readonly("volume", &PyEdge::volume)
      .def_readonly("wcr", &PyEdge::wcr)
      .def("__repr__", [](const PyEdge& e) {
        return "<Edge " + std::to_string(e.id) + ": " + std::to_string(e.src) + " -> " +
               std::to_string(e.dst) + " " + e.data.value_or("") + "[" + e.subset + "]>";
      });

  py::class_<PyNode>(m, "Node")
      .def_readonly("id", &PyNode::id)
      .def_readonly("kind", &PyNode::kind)
      .def_readonly("label", &PyNode::label)
      .def_readonly("inputs", &PyNode::inputs)
      .def_readonly("outputs", &PyNode::outputs)
      .def_readonly("container", &PyNode::container)
      .def_readonly("code", &PyNode::code)
      .def_readonly("op", &PyNode::op)
      .def_readonly("implementation", &PyNode::implementation)
      .def_readonly("attributes", &PyNode::attributes)
      .def_readonly("params", &PyNode::params)
      .def_readonly("schedule", &PyNode::schedule)
      .def_readonly("body_nodes", &PyNode::body_nodes)
      .def_readonly("body_edges", &PyNode::body_edges)
      .def("__repr__", [](const PyNode& n) {
        return "<Node " + std::to_string(n.id) + " " + n.kind + " '" +
               (n.container ? *n.container : n.label) + "'>";
      });

  py::class_<PyState>(m, "State")
      .def_readonly("id", &PyState::id)
      .def_readonly("label", &PyState::label)
      .def_readonly("start", &PyState::start)
      .def_readonly("nodes", &PyState::nodes)
      .def_readonly("edges", &PyState::edges)
      .def("__repr__", [](const PyState& s) {
        return "<State " + std::to_string(s.id) + " '" + s.label + "' (" +
               std::to_string(s.nodes.size()) + " nodes)>";
      });

  py::class_<Program>(m, "Program")
      .def_readonly("name", &Program::name)
      .def_property_readonly("symbols",
                             [](const Program& p) {
                               std::map<std::string, std::string> out;
                               for (const auto& [name, dtype] : p.symbols)
                                 out[name] = std::string(sluice::ir::dtype_name(dtype));
                               return out;
                             })
      .def_property_readonly("containers", &containers)
      .def_property_readonly("states", &states)
      .def("verify", &sluice::ir::verify,
           "Every invariant violation as a Diagnostic; an empty list means the program is valid.")
      .def(
          "report",
          [](const Program& p, const std::map<std::string, std::int64_t>& symbols) {
            return json_to_python(sluice::ir::analysis::build_report(p, symbols).to_json());
          },
          py::arg("symbols") = std::map<std::string, std::int64_t>{},
          "Data movement, FLOPs and memory per kernel and in total, as a dict.")
      .def("to_text", &sluice::ir::print_text)
      .def("to_json", &sluice::ir::write_json)
      .def("save", &sluice::ir::save_program, py::arg("path"),
           "Write the program; the extension (.json or .txt) picks the format.")
      .def("copy", [](const Program& p) { return Program(p); })
      .def("__eq__", [](const Program& a, const Program& b) { return a == b; })
      .def("__repr__", [](const Program& p) {
        return "<Program '" + p.name + "': " + std::to_string(p.containers.size()) +
               " containers, " + std::to_string(p.states.size()) + " states>";
      });

  m.def("load", &sluice::ir::load_program, py::arg("path"),
        "Load a program from a *.sluice.json or *.sluice.txt file.");
  m.def("loads", &load_text, py::arg("text"), py::arg("format") = "json",
        py::arg("name") = "<string>", "Parse a program from a string ('json' or 'text').");
  m.def(
      "sample_names",
      [] {
        std::vector<std::string> names;
        for (const auto& s : sluice::samples::all_samples()) names.push_back(s.name);
        return names;
      },
      "Names of the embedded sample programs.");
  m.def(
      "sample",
      [](const std::string& name) {
        for (const auto& s : sluice::samples::all_samples())
          if (s.name == name) return s.make();
        throw sluice::UserError("sample", "no sample named '" + name + "'");
      },
      py::arg("name"), "Build an embedded sample program by name.");

  sluice::python::bind_pipeline(m);
  sluice::python::bind_transforms(m);
}
