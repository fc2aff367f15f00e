// Bindings of the transformation framework. Programs stay values: the functions that change one
// return a new Program, and only `History` holds state (the Python `Session`). A transformation
// written in Python subclasses `Transformation` (the trampoline `PyTransformation`): the
// framework calls its `match(program, params)` with a copy of the program and its
// `apply(rewriter, match, params)` with a `Rewriter` that is valid only during that call.
#include "python/transforms_bindings.h"

#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/program.h"
#include "ir/tasklet.h"
#include "transforms/apply.h"
#include "transforms/cost_model.h"
#include "transforms/history.h"
#include "transforms/pipeline.h"
#include "transforms/plugin_api.h"
#include "transforms/plugin_loader.h"
#include "transforms/recipe.h"
#include "transforms/registry.h"
#include "transforms/rewriter.h"
#include "transforms/scope.h"

namespace sluice::python {
namespace {

namespace tr = sluice::transforms;
using tr::Match;
using tr::MatchResult;
using tr::ParamValues;
using tr::Transformation;

constexpr const char* kPythonOrigin = "python";

template <typename IdT>
IdT to_id(std::int64_t value, const char* what) {
  if (value < 0 || value >= IdT::kInvalid)
    throw UserError(what, std::to_string(value) + " is not a valid id");
  return IdT(static_cast<std::uint32_t>(value));
}

std::vector<std::int64_t> from_ids(const std::vector<ir::NodeId>& ids) {
  std::vector<std::int64_t> out;
  out.reserve(ids.size());
  for (const auto id : ids) out.push_back(id.value);
  return out;
}

std::vector<ir::NodeId> to_ids(const std::vector<std::int64_t>& values) {
  std::vector<ir::NodeId> out;
  out.reserve(values.size());
  for (const auto v : values) out.push_back(to_id<ir::NodeId>(v, "node"));
  return out;
}

tr::Scope make_scope(std::int64_t state, const std::vector<std::int64_t>& maps) {
  return {to_id<ir::StateId>(state, "state"), to_ids(maps)};
}

std::string ids_repr(const std::vector<ir::NodeId>& ids);

std::string scope_repr(const tr::Scope& s) {
  return "Scope(state=" + std::to_string(s.state.value) + ", maps=" + ids_repr(s.maps) + ")";
}

std::string ids_repr(const std::vector<ir::NodeId>& ids) {
  std::string out(1, '[');
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(ids[i].value);
  }
  out += ']';
  return out;
}

/// The Rewriter as Python holds it: it refuses to be used once its `apply` call has returned.
class RewriterHandle {
public:
  explicit RewriterHandle(tr::Rewriter* rewriter) : rewriter_(rewriter) {}
  void invalidate() { rewriter_ = nullptr; }

  tr::Rewriter& get() const {
    if (rewriter_ == nullptr)
      throw UserError("Rewriter",
                      "a Rewriter is valid only during the apply() call it was passed to");
    return *rewriter_;
  }
  /// The graph of `scope`, with `node` in it (a UserError names what is missing).
  const ir::Graph& graph(const tr::Scope& scope) const {
    const ir::Graph* g = tr::resolve(get().program(), scope);
    if (g == nullptr) throw UserError(scope_repr(scope), "the scope does not exist");
    return *g;
  }
  ir::NodeId node(const tr::Scope& scope, std::int64_t id) const {
    const auto n = to_id<ir::NodeId>(id, "node");
    if (!graph(scope).has_node(n))
      throw UserError(scope_repr(scope), "there is no node " + std::to_string(id));
    return n;
  }
  ir::EdgeId edge(const tr::Scope& scope, std::int64_t id) const {
    const auto e = to_id<ir::EdgeId>(id, "edge");
    if (!graph(scope).has_edge(e))
      throw UserError(scope_repr(scope), "there is no edge " + std::to_string(id));
    return e;
  }
  ir::ContainerId container(const std::string& name) const {
    const auto c = get().program().find_container(name);
    if (!c) throw UserError("container '" + name + "'", "the program has no such container");
    return *c;
  }
  /// Changes one node through `change`, which gets a copy (a replace_node edit).
  template <typename F>
  void change_node(const tr::Scope& scope, std::int64_t id, F&& change) const {
    const ir::NodeId n = node(scope, id);
    ir::Node value = graph(scope).node(n);
    change(value);
    get().replace_node(scope, n, std::move(value));
  }

private:
  tr::Rewriter* rewriter_;
};

/// A transformation whose `match` and `apply` are Python methods. Name, tier, description and
/// parameters are fixed at construction (they must not change while registered).
class PyTransformation final : public Transformation {
public:
  PyTransformation(std::string name, int tier, std::string description,
                   std::vector<tr::ParamSpec> params, bool repeat_to_fixpoint)
      : name_(std::move(name)),
        tier_(tier),
        description_(std::move(description)),
        params_(std::move(params)),
        repeat_(repeat_to_fixpoint) {}

  [[nodiscard]] std::string_view name() const override { return name_; }
  [[nodiscard]] int tier() const override { return tier_; }
  [[nodiscard]] std::string_view description() const override { return description_; }
  [[nodiscard]] std::vector<tr::ParamSpec> params() const override { return params_; }
  [[nodiscard]] bool repeat_to_fixpoint() const override { return repeat_; }

  [[nodiscard]] MatchResult match(const ir::Program& program,
                                  const ParamValues& params) const override {
    py::gil_scoped_acquire gil;
    const py::function f = python_method("match");
    try {
      return to_match_result(f(program, params));
    } catch (py::error_already_set& e) {
      throw UserError(name_, std::string("match() raised ") + e.what());
    }
  }

  void apply(tr::Rewriter& rewriter, const Match& match, const ParamValues& params) const override {
    py::gil_scoped_acquire gil;
    const py::function f = python_method("apply");
    const auto handle = std::make_shared<RewriterHandle>(&rewriter);
    try {
      f(handle, match, params);
    } catch (py::error_already_set& e) {
      handle->invalidate();
      throw UserError(name_, std::string("apply() raised ") + e.what());
    }
    handle->invalidate();
  }

  /// Matches, as returned by Python: a MatchResult, or a list of Match and Rejection objects.
  [[nodiscard]] MatchResult to_match_result(const py::object& result) const {
    if (result.is_none()) return {};
    if (py::isinstance<MatchResult>(result)) return result.cast<MatchResult>();
    MatchResult out;
    try {
      for (const py::handle item : result) {
        if (py::isinstance<Match>(item)) out.matches.push_back(item.cast<Match>());
        else if (py::isinstance<tr::Rejection>(item))
          out.rejected.push_back(item.cast<tr::Rejection>());
        else throw py::type_error("");
      }
    } catch (const py::error_already_set&) {
      throw UserError(name_, "match() must return a MatchResult or a list of Match and "
                             "Rejection objects");
    } catch (const py::type_error&) {
      throw UserError(name_, "match() must return a MatchResult or a list of Match and "
                             "Rejection objects");
    }
    for (const Match& m : out.matches)
      if (m.transformation != name_)
        throw UserError(name_, "match() returned a match of '" + m.transformation +
                                   "' (make matches with self.make_match)");
    return out;
  }

  /// `make_match` is protected in C++; Python subclasses reach it through this.
  [[nodiscard]] Match new_match(tr::Scope scope, std::vector<ir::NodeId> nodes,
                                std::string description) const {
    return make_match(std::move(scope), std::move(nodes), std::move(description));
  }

private:
  [[nodiscard]] py::function python_method(const char* method) const {
    py::function f = py::get_override(static_cast<const Transformation*>(this), method);
    if (!f)
      throw UserError(name_, std::string("the Python class does not define ") + method + "()");
    return f;
  }

  std::string name_;
  int tier_;
  std::string description_;
  std::vector<tr::ParamSpec> params_;
  bool repeat_;
};

/// A transformation given by name (from the registry) or as an object.
std::shared_ptr<const Transformation> resolve(const py::handle& t) {
  if (py::isinstance<py::str>(t)) return tr::Registry::global().share(t.cast<std::string>());
  return t.cast<std::shared_ptr<Transformation>>();
}

void register_python(const py::object& object, bool replace) {
  auto* t = object.cast<Transformation*>();
  if (dynamic_cast<PyTransformation*>(t) == nullptr)
    throw UserError("register", "only transformations defined in Python register here; C++ "
                                "ones come built in or from plugins (load_plugin)");
  auto& registry = tr::Registry::global();
  const std::string name(t->name());
  if (replace && registry.find(name) != nullptr && registry.origin(name) == kPythonOrigin)
    registry.remove(name);
  // The registry's reference keeps the Python object (which owns `t`) alive.
  PyObject* owner = object.inc_ref().ptr();
  const std::shared_ptr<const Transformation> shared(t, [owner](const Transformation*) {
    const py::gil_scoped_acquire gil;
    Py_DECREF(owner);
  });
  registry.add(shared, kPythonOrigin);
}

py::object optional_number(const std::optional<double>& v) {
  return v ? py::cast(*v) : py::none();
}

void bind_values(py::module_& m) {
  py::class_<tr::ParamSpec>(m, "ParamSpec")
      .def(py::init([](std::string name, const std::string& type, tr::ParamValue default_value,
                       std::string description, std::vector<std::string> choices) {
             tr::ParamSpec spec;
             spec.name = std::move(name);
             bool known = false;
             for (const auto t : {tr::ParamType::Bool, tr::ParamType::Int, tr::ParamType::Float,
                                  tr::ParamType::String})
               if (tr::param_type_name(t) == type) {
                 spec.type = t;
                 known = true;
               }
             if (!known)
               throw UserError("ParamSpec '" + spec.name + "'",
                               "type '" + type + "' is not bool, int, float or string");
             if (spec.type == tr::ParamType::Float && std::holds_alternative<std::int64_t>(default_value))
               default_value = static_cast<double>(std::get<std::int64_t>(default_value));
             if (static_cast<int>(default_value.index()) != static_cast<int>(spec.type))
               throw UserError("ParamSpec '" + spec.name + "'",
                               "the default " + tr::param_value_str(default_value) + " is not a " +
                                   type);
             spec.default_value = std::move(default_value);
             spec.description = std::move(description);
             spec.choices = std::move(choices);
             return spec;
           }),
           py::arg("name"), py::arg("type"), py::arg("default"), py::arg("description") = "",
           py::arg("choices") = std::vector<std::string>{})
      .def_readonly("name", &tr::ParamSpec::name)
      .def_property_readonly("type",
                             [](const tr::ParamSpec& p) { return tr::param_type_name(p.type); })
      .def_readonly("default", &tr::ParamSpec::default_value)
      .def_readonly("description", &tr::ParamSpec::description)
      .def_readonly("choices", &tr::ParamSpec::choices)
      .def("__repr__", [](const tr::ParamSpec& p) {
        return "<ParamSpec " + p.name + ": " + std::string(tr::param_type_name(p.type)) + " = " +
               tr::param_value_str(p.default_value) + ">";
      });

  py::class_<tr::Scope>(m, "Scope")
      .def(py::init(&make_scope), py::arg("state"), py::arg("maps") = std::vector<std::int64_t>{})
      .def_property_readonly("state", [](const tr::Scope& s) { return s.state.value; })
      .def_property_readonly("maps", [](const tr::Scope& s) { return from_ids(s.maps); })
      .def("__eq__", [](const tr::Scope& a, const tr::Scope& b) { return a == b; })
      .def("__hash__",
           [](const tr::Scope& s) {
             return py::hash(py::make_tuple(s.state.value, py::tuple(py::cast(from_ids(s.maps)))));
           })
      .def("__repr__", &scope_repr);

  py::class_<Match>(m, "Match")
      .def(py::init([](std::string transformation, tr::Scope scope,
                       const std::vector<std::int64_t>& nodes, std::string description) {
             return Match{std::move(transformation), std::move(scope), to_ids(nodes),
                          std::move(description)};
           }),
           py::arg("transformation"), py::arg("scope"), py::arg("nodes"),
           py::arg("description") = "")
      .def_readonly("transformation", &Match::transformation)
      .def_readonly("scope", &Match::scope)
      .def_property_readonly("nodes", [](const Match& mt) { return from_ids(mt.nodes); })
      .def_readonly("description", &Match::description)
      .def("__eq__", [](const Match& a, const Match& b) { return a == b; })
      .def("__repr__", [](const Match& mt) {
        return "<Match " + mt.transformation + " " + scope_repr(mt.scope) + " nodes " +
               ids_repr(mt.nodes) + (mt.description.empty() ? "" : ": " + mt.description) + ">";
      });

  py::class_<tr::Rejection>(m, "Rejection")
      .def(py::init<Match, std::string>(), py::arg("candidate"), py::arg("reason"))
      .def_readonly("candidate", &tr::Rejection::candidate)
      .def_readonly("reason", &tr::Rejection::reason)
      .def("__repr__", [](const tr::Rejection& r) {
        return "<Rejection " + r.candidate.transformation + " nodes " +
               ids_repr(r.candidate.nodes) + ": " + r.reason + ">";
      });

  py::class_<MatchResult>(m, "MatchResult")
      .def(py::init([](std::vector<Match> matches, std::vector<tr::Rejection> rejected) {
             return MatchResult{std::move(matches), std::move(rejected)};
           }),
           py::arg("matches") = std::vector<Match>{},
           py::arg("rejected") = std::vector<tr::Rejection>{})
      .def_readonly("matches", &MatchResult::matches)
      .def_readonly("rejected", &MatchResult::rejected);

  py::class_<tr::Prediction>(m, "Prediction")
      .def_property_readonly("bytes_before",
                             [](const tr::Prediction& p) { return p.bytes_before.str(); })
      .def_property_readonly("bytes_after",
                             [](const tr::Prediction& p) { return p.bytes_after.str(); })
      .def_property_readonly("bytes_saved",
                             [](const tr::Prediction& p) { return optional_number(p.bytes_saved); })
      .def_property_readonly(
          "seconds_saved", [](const tr::Prediction& p) { return optional_number(p.seconds_saved); })
      .def("__repr__", [](const tr::Prediction& p) {
        return "<Prediction bytes " + p.bytes_before.str() + " -> " + p.bytes_after.str() + ">";
      });

  py::class_<tr::RecipeStep>(m, "RecipeStep")
      .def_readonly("transformation", &tr::RecipeStep::transformation)
      .def_readonly("params", &tr::RecipeStep::params)
      .def_readonly("scope", &tr::RecipeStep::scope)
      .def_property_readonly("nodes", [](const tr::RecipeStep& s) { return from_ids(s.nodes); })
      .def("__eq__", [](const tr::RecipeStep& a, const tr::RecipeStep& b) { return a == b; })
      .def("__repr__", [](const tr::RecipeStep& s) {
        return "<RecipeStep " + s.transformation + " " + scope_repr(s.scope) + " nodes " +
               ids_repr(s.nodes) + ">";
      });

  py::class_<tr::Recipe>(m, "Recipe")
      .def(py::init<>())
      .def_readonly("steps", &tr::Recipe::steps)
      .def("to_json", &tr::recipe_to_json)
      .def_static("from_json", &tr::recipe_from_json, py::arg("text"),
                  py::arg("source") = "<string>")
      .def_static("load", [](const std::string& path) { return tr::load_recipe(path); },
                  py::arg("path"))
      .def("save", [](const tr::Recipe& r, const std::string& path) { tr::save_recipe(r, path); },
           py::arg("path"))
      .def("__len__", [](const tr::Recipe& r) { return r.steps.size(); })
      .def("__eq__", [](const tr::Recipe& a, const tr::Recipe& b) { return a == b; })
      .def("__repr__", [](const tr::Recipe& r) {
        return "<Recipe of " + std::to_string(r.steps.size()) + " steps>";
      });

  py::class_<tr::LoadedPlugin>(m, "LoadedPlugin")
      .def_readonly("path", &tr::LoadedPlugin::path)
      .def_readonly("name", &tr::LoadedPlugin::name)
      .def_readonly("api_version", &tr::LoadedPlugin::api_version)
      .def_readonly("transformations", &tr::LoadedPlugin::transformations)
      .def("__repr__", [](const tr::LoadedPlugin& p) {
        return "<LoadedPlugin '" + p.name + "' from " + p.path + ">";
      });
}

void bind_rewriter(py::module_& m) {
  using H = RewriterHandle;
  py::class_<H, std::shared_ptr<H>>(
      m, "Rewriter",
      "Edits a program inside a transformation's apply(), logging each edit. Nodes and edges are "
      "named by id within a Scope; containers by name.")
      .def_property_readonly("program", [](const H& h) { return h.get().program(); },
                             "A copy of the program as edited so far.")
      .def_property_readonly("edits",
                             [](const H& h) {
                               std::vector<std::string> out;
                               for (const auto& e : h.get().edits())
                                 out.push_back(tr::edit_str(h.get().program(), e));
                               return out;
                             })
      .def(
          "remove_node",
          [](const H& h, const tr::Scope& s, std::int64_t node) {
            h.get().remove_node(s, h.node(s, node));
          },
          py::arg("scope"), py::arg("node"), "Removes a node and every edge touching it.")
      .def(
          "remove_edge",
          [](const H& h, const tr::Scope& s, std::int64_t edge) {
            h.get().remove_edge(s, h.edge(s, edge));
          },
          py::arg("scope"), py::arg("edge"))
      .def(
          "add_access",
          [](const H& h, const tr::Scope& s, const std::string& container) {
            (void)h.graph(s);
            return h.get().add_node(s, ir::AccessNode{h.container(container)}).value;
          },
          py::arg("scope"), py::arg("container"), "Adds an Access node; returns its id.")
      .def(
          "add_tasklet",
          [](const H& h, const tr::Scope& s, std::string label, std::vector<std::string> inputs,
             std::vector<std::string> outputs, const std::string& code) {
            (void)h.graph(s);
            return h.get()
                .add_node(s, ir::TaskletNode{std::move(label), std::move(inputs),
                                             std::move(outputs), ir::parse_tasklet(code)})
                .value;
          },
          py::arg("scope"), py::arg("label"), py::arg("inputs"), py::arg("outputs"),
          py::arg("code"), "Adds a tasklet (code in the tasklet language); returns its id.")
      .def(
          "add_edge",
          [](const H& h, const tr::Scope& s, std::int64_t src, std::string src_conn,
             std::int64_t dst, std::string dst_conn, const std::optional<std::string>& container,
             const std::string& subset) {
            ir::Memlet memlet;
            if (container) {
              memlet.data = h.container(*container);
              memlet.subset = ir::parse_subset(subset);
              memlet.volume = ir::subset_size(memlet.subset);
            }
            return h.get()
                .add_edge(s, ir::Edge{h.node(s, src), std::move(src_conn), h.node(s, dst),
                                      std::move(dst_conn), std::move(memlet)})
                .value;
          },
          py::arg("scope"), py::arg("src"), py::arg("src_conn"), py::arg("dst"),
          py::arg("dst_conn"), py::arg("container") = py::none(), py::arg("subset") = "",
          "Adds an edge moving `subset` of `container` (no container: an ordering edge).")
      .def(
          "set_tasklet_code",
          [](const H& h, const tr::Scope& s, std::int64_t node, const std::string& code) {
            h.change_node(s, node, [&](ir::Node& n) {
              auto* t = std::get_if<ir::TaskletNode>(&n);
              if (t == nullptr) throw UserError("set_tasklet_code", "the node is not a tasklet");
              t->code = ir::parse_tasklet(code);
            });
          },
          py::arg("scope"), py::arg("node"), py::arg("code"))
      .def(
          "set_label",
          [](const H& h, const tr::Scope& s, std::int64_t node, const std::string& label) {
            h.change_node(s, node, [&](ir::Node& n) {
              std::visit(
                  [&](auto& value) {
                    if constexpr (requires { value.label; }) value.label = label;
                    else throw UserError("set_label", "an Access node has no label");
                  },
                  n);
            });
          },
          py::arg("scope"), py::arg("node"), py::arg("label"))
      .def(
          "set_schedule",
          [](const H& h, const tr::Scope& s, std::int64_t node, const std::string& schedule) {
            const auto parsed = ir::parse_schedule(schedule);
            if (!parsed) throw UserError("set_schedule", "unknown schedule '" + schedule + "'");
            h.change_node(s, node, [&](ir::Node& n) {
              auto* map = std::get_if<ir::MapNode>(&n);
              if (map == nullptr) throw UserError("set_schedule", "the node is not a map");
              map->schedule = *parsed;
            });
          },
          py::arg("scope"), py::arg("node"), py::arg("schedule"))
      .def(
          "set_implementation",
          [](const H& h, const tr::Scope& s, std::int64_t node, const std::string& impl) {
            h.change_node(s, node, [&](ir::Node& n) {
              auto* lib = std::get_if<ir::LibraryNode>(&n);
              if (lib == nullptr)
                throw UserError("set_implementation", "the node is not a library node");
              lib->implementation = impl;
            });
          },
          py::arg("scope"), py::arg("node"), py::arg("implementation"))
      .def(
          "remove_container",
          [](const H& h, const std::string& name) { h.get().remove_container(h.container(name)); },
          py::arg("name"), "Removes a container (nothing may refer to it any more).");
}

void bind_transformation(py::module_& m) {
  py::class_<Transformation, PyTransformation, std::shared_ptr<Transformation>>(
      m, "Transformation",
      "A named, tiered rewrite. Subclass it in Python: pass name, tier, description and params "
      "to __init__, and define match(self, program, params) and "
      "apply(self, rewriter, match, params).")
      .def(py::init_alias<std::string, int, std::string, std::vector<tr::ParamSpec>, bool>(),
           py::arg("name"), py::arg("tier"), py::arg("description"),
           py::arg("params") = std::vector<tr::ParamSpec>{},
           py::arg("repeat_to_fixpoint") = false)
      .def_property_readonly("name", [](const Transformation& t) { return std::string(t.name()); })
      .def_property_readonly("tier", &Transformation::tier)
      .def_property_readonly("description",
                             [](const Transformation& t) { return std::string(t.description()); })
      .def_property_readonly("params", &Transformation::params)
      .def_property_readonly("repeat_to_fixpoint", &Transformation::repeat_to_fixpoint)
      .def_property_readonly(
          "origin", [](const Transformation& t) { return tr::Registry::global().origin(t.name()); },
          "Where the registered transformation of this name came from ('' if none is).")
      .def(
          "make_match",
          [](const Transformation& t, tr::Scope scope, const std::vector<std::int64_t>& nodes,
             std::string description) {
            return Match{std::string(t.name()), std::move(scope), to_ids(nodes),
                         std::move(description)};
          },
          py::arg("scope"), py::arg("nodes"), py::arg("description") = "",
          "A match of this transformation: nodes by id in `scope`, in the pattern's order.")
      .def(
          "match",
          [](const Transformation& t, const ir::Program& p, const ParamValues& params) {
            return t.match(p, tr::complete_params(t, params));
          },
          py::arg("program"), py::arg("params") = ParamValues{},
          "Every match in `program` and the candidates turned down, with reasons.")
      .def("__repr__", [](const Transformation& t) {
        return "<Transformation " + std::string(t.name()) + " (tier " +
               std::to_string(t.tier()) + ")>";
      });
}

void bind_functions(py::module_& m) {
  m.def(
      "list",
      [] {
        std::vector<std::shared_ptr<Transformation>> out;
        const auto& registry = tr::Registry::global();
        for (const auto* t : registry.list())
          out.push_back(std::const_pointer_cast<Transformation>(registry.share(t->name())));
        return out;
      },
      "Every registered transformation, by tier, then name.");
  m.def(
      "get",
      [](const std::string& name) {
        return std::const_pointer_cast<Transformation>(tr::Registry::global().share(name));
      },
      py::arg("name"));
  m.def("register", &register_python, py::arg("transformation"), py::arg("replace") = false,
        "Registers a Python-defined transformation (origin 'python'); `replace` first removes "
        "a Python one of the same name.");
  m.def(
      "unregister", [](const std::string& name) { return tr::Registry::global().remove(name); },
      py::arg("name"));
  m.def(
      "load_plugin", [](const std::string& path) { return tr::load_plugin(path); },
      py::arg("path"), "Loads a C++ plugin (a shared library) and registers its transformations.");
  m.def(
      "scopes",
      [](const ir::Program& p) {
        std::vector<tr::Scope> out;
        tr::for_each_scope(p, [&](const tr::Scope& s, const ir::Graph&) { out.push_back(s); });
        return out;
      },
      py::arg("program"), "Every scope: each state's graph, then the map bodies inside it.");
  m.def(
      "find_matches",
      [](const ir::Program& p, const py::handle& t, const ParamValues& params,
         const std::optional<std::vector<std::pair<tr::Scope, std::int64_t>>>& selection) {
        const auto transformation = resolve(t);
        if (!selection) return tr::find_matches(p, *transformation, params);
        tr::Selection chosen;
        for (const auto& [scope, node] : *selection)
          chosen.nodes.emplace_back(scope, to_id<ir::NodeId>(node, "node"));
        return tr::find_matches(p, *transformation, params, &chosen);
      },
      py::arg("program"), py::arg("transformation"), py::arg("params") = ParamValues{},
      py::arg("selection") = py::none());
  m.def(
      "predict",
      [](const ir::Program& p, const py::handle& t, const Match& match, const ParamValues& params,
         const ir::analysis::SymbolValues& symbols) {
        return tr::predict(p, *resolve(t), match, params, symbols);
      },
      py::arg("program"), py::arg("transformation"), py::arg("match"),
      py::arg("params") = ParamValues{}, py::arg("symbols") = ir::analysis::SymbolValues{});
  m.def(
      "rank_matches",
      [](const ir::Program& p, const py::handle& t, const std::vector<Match>& matches,
         const ParamValues& params, const ir::analysis::SymbolValues& symbols) {
        std::vector<std::pair<Match, tr::Prediction>> out;
        for (auto& r : tr::rank_matches(p, *resolve(t), matches, params, symbols))
          out.emplace_back(std::move(r.match), r.prediction);
        return out;
      },
      py::arg("program"), py::arg("transformation"), py::arg("matches"),
      py::arg("params") = ParamValues{}, py::arg("symbols") = ir::analysis::SymbolValues{});
  m.def(
      "apply",
      [](const ir::Program& p, const py::handle& t, const Match& match, const ParamValues& params,
         bool verify) {
        ir::Program out = p;
        const auto result = tr::apply_match(out, *resolve(t), match, params, {.verify = verify});
        std::vector<std::string> edits;
        edits.reserve(result.edits.size());
        for (const auto& e : result.edits) edits.push_back(tr::edit_str(out, e));
        return std::pair{std::move(out), std::move(edits)};
      },
      py::arg("program"), py::arg("transformation"), py::arg("match"),
      py::arg("params") = ParamValues{}, py::arg("verify") = true,
      "The program with the match applied, and the edits (the argument is unchanged).");
  m.def(
      "parse_pipeline",
      [](const std::string& text) {
        return tr::pipeline_str(tr::parse_pipeline(text, tr::Registry::global()));
      },
      py::arg("text"), "Checks a pipeline; returns its canonical spelling.");
  m.def(
      "run_pipeline",
      [](const ir::Program& p, const std::string& text, bool verify_each) {
        ir::Program out = p;
        const auto steps = tr::parse_pipeline(text, tr::Registry::global());
        tr::PipelineOptions options;
        options.verify_each = verify_each;
        tr::Recipe recipe = tr::run_pipeline(out, steps, tr::Registry::global(), options);
        return std::pair{std::move(out), std::move(recipe)};
      },
      py::arg("program"), py::arg("pipeline"), py::arg("verify_each") = false,
      "The program after the pipeline, and what was applied as a recipe.");
  m.def(
      "replay",
      [](const ir::Program& p, const tr::Recipe& recipe, bool verify_each) {
        ir::Program out = p;
        tr::replay(out, recipe, tr::Registry::global(), {.verify_each = verify_each, .progress = {}});
        return out;
      },
      py::arg("program"), py::arg("recipe"), py::arg("verify_each") = true);
  m.def(
      "program_cost",
      [](const ir::Program& p, const ir::analysis::SymbolValues& symbols) {
        const tr::ProgramCost c = tr::program_cost(p, symbols);
        py::dict out;
        out["bytes"] = c.bytes.str();
        out["bytes_value"] = optional_number(c.bytes_value);
        out["seconds"] = optional_number(c.seconds);
        return out;
      },
      py::arg("program"), py::arg("symbols") = ir::analysis::SymbolValues{},
      "Bytes read + written (symbolic, and evaluated) and the cost model's roofline seconds.");
}

void bind_history(py::module_& m) {
  using tr::History;
  py::class_<History>(m, "History",
                      "An editing session: the program, its applied steps, undo and redo.")
      .def(py::init<ir::Program>(), py::arg("program"))
      .def_property_readonly("program", [](const History& h) { return h.program(); })
      .def(
          "apply",
          [](History& h, const py::handle& t, const Match& match, const ParamValues& params) {
            const auto result = h.apply(*resolve(t), match, params);
            std::vector<std::string> edits;
            edits.reserve(result.edits.size());
            for (const auto& e : result.edits) edits.push_back(tr::edit_str(h.program(), e));
            return edits;
          },
          py::arg("transformation"), py::arg("match"), py::arg("params") = ParamValues{})
      .def(
          "apply_pipeline",
          [](History& h, const std::string& text) {
            return h.apply_pipeline(tr::parse_pipeline(text, tr::Registry::global()),
                                    tr::Registry::global());
          },
          py::arg("pipeline"))
      .def(
          "replay", [](History& h, const tr::Recipe& r) { h.replay(r, tr::Registry::global()); },
          py::arg("recipe"))
      .def(
          "preview",
          [](const History& h, const py::handle& t, const Match& match, const ParamValues& params) {
            return h.preview(*resolve(t), match, params);
          },
          py::arg("transformation"), py::arg("match"), py::arg("params") = ParamValues{})
      .def("undo", &History::undo)
      .def("redo", &History::redo)
      .def_property_readonly("can_undo", &History::can_undo)
      .def_property_readonly("can_redo", &History::can_redo)
      .def("recipe", &History::recipe)
      .def("__len__", &History::size);
}

}  // namespace

void bind_transforms(py::module_& m) {
  py::module_ t = m.def_submodule("transforms", "The transformation framework (transforms/).");
  t.attr("PLUGIN_API_VERSION") = tr::kPluginApiVersion;
  bind_values(t);
  bind_rewriter(t);
  bind_transformation(t);
  bind_functions(t);
  bind_history(t);
}

}  // namespace sluice::python
