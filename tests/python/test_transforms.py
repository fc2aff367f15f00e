"""sluice.transforms: listing, matching with reasons and predicted savings, applying, undo/redo,
recipes, pipelines, transformations written in Python, and C++ plugins."""

import os
import pathlib
import re

import pytest

import sluice
from sluice import transforms as T

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
GELU_ONNX = ROOT / "tests" / "data" / "cli" / "linear_gelu.onnx"
# CTest sets SLUICE_PLUGIN_DIR; from a build tree, the plugins sit next to python/.
PLUGINS = pathlib.Path(os.environ.get(
    "SLUICE_PLUGIN_DIR", pathlib.Path(sluice.__file__).resolve().parents[2] / "plugins"))

# X -> [dead: T = 2x] (T unused);  X -> [live: Y = x + 1]; plus two Access nodes nothing touches
# (of the transient U and of the argument X).
DEAD_MAP = """program p {
  symbol N: i64
  array X: f32[N]
  array T: f32[N] transient
  array Y: f32[N]
  array U: f32[N] transient
  state 0 "main" start {
    node 0 = map "dead" [i = 0:N] (X) -> (T) {
      node 0 = tasklet "dead" (x) -> (t) { t = x * 2.0; }
      node 1 = access X
      node 2 = access T
      edge 0: node 1 -> node 0.x X[i]
      edge 1: node 0.t -> node 2 T[i]
    }
    node 1 = access X
    node 2 = access T
    node 3 = map "live" [i = 0:N] (X) -> (Y) {
      node 0 = tasklet "live" (x) -> (y) { y = x + 1.0; }
      node 1 = access X
      node 2 = access Y
      edge 0: node 1 -> node 0.x X[i]
      edge 1: node 0.y -> node 2 Y[i]
    }
    node 4 = access X
    node 5 = access Y
    node 6 = access U
    node 7 = access X
    edge 0: node 1 -> node 0.X X[0:N]
    edge 1: node 0.T -> node 2 T[0:N]
    edge 2: node 4 -> node 3.X X[0:N]
    edge 3: node 3.Y -> node 5 Y[0:N]
  }
}
"""


def dead_map():
    return sluice.loads(DEAD_MAP, "text")


def container_names(program):
    return {c.name for c in program.containers}


def main_nodes(program):
    return {n.id: n for n in program.states[0].nodes}


# --- built-ins ------------------------------------------------------------------------------------

def test_list_has_builtins_with_tier_params_and_origin():
    by_name = {t.name: t for t in T.transformations()}
    expand = by_name["expand"]
    assert expand.tier == 1 and expand.origin == "built-in"
    assert "library node" in expand.description
    impl, op = expand.params
    assert (impl.name, impl.type, impl.default, impl.choices) == (
        "impl", "string", "auto", ["auto", "pure", "blas"])
    assert (op.name, op.type, op.default) == ("op", "string", "")
    dde = by_name["dead-dataflow-elimination"]
    assert dde.tier == 4 and dde.params == [] and dde.repeat_to_fixpoint
    tiers = [t.tier for t in T.transformations()]
    assert tiers == sorted(tiers)
    assert T.get("expand").name == "expand"
    with pytest.raises(sluice.Error, match="unknown transformation 'nope'"):
        T.get("nope")


def test_find_gives_matches_rejections_and_predicted_savings():
    p = dead_map()
    found = T.find(p, "dead-dataflow-elimination", symbols={"N": 100})
    # The dead map with T's Access node, and the lone Access node of U.
    assert sorted(s.match.nodes for s in found.matches) == [[0, 2], [6]]
    best = found.matches[0]
    assert best.match.nodes == [0, 2]  # ranked first: it saves the most
    assert best.prediction.bytes_before == "16*N"
    assert best.prediction.bytes_after == "8*N"
    assert best.bytes_saved == 800.0  # reads X and writes T: 2 * 4 bytes * 100
    assert best.prediction.seconds_saved > 0
    assert found.matches[1].bytes_saved == 0.0
    reasons = {r.candidate.nodes[0]: r.reason for r in found.rejected}
    assert reasons[3] == "it writes the program argument 'Y'"
    # Without symbol values the saving stays symbolic.
    assert T.find(p, "dead-dataflow-elimination").matches[0].bytes_saved is None
    # A selection keeps what touches the chosen nodes.
    picked = T.find(p, "dead-dataflow-elimination", selection=[(T.Scope(0), 6)])
    assert [s.match.nodes for s in picked.matches] == [[6]] and picked.rejected == []


def test_find_over_all_transformations_includes_each():
    found = T.find(dead_map(), symbols={"N": 8})
    names = {s.transformation for s in found.matches}
    assert "dead-dataflow-elimination" in names
    saved = [s.bytes_saved for s in found.matches if s.bytes_saved is not None]
    assert saved == sorted(saved, reverse=True)


def test_apply_returns_a_new_program_and_leaves_the_argument():
    p = dead_map()
    (match,) = [s.match for s in T.find(p, "dead-dataflow-elimination").matches
                if s.match.nodes == [0, 2]]
    q = T.apply(p, match)
    assert "T" not in container_names(q) and "T" in container_names(p)
    assert {0, 2} & set(main_nodes(q)) == set()
    assert q.verify() == []
    assert T.program_cost(q, {"N": 10})["bytes_value"] == 80.0
    # The same match again no longer holds, and says why.
    with pytest.raises(sluice.Error, match="does not apply to nodes 0, 2 in state 'main'"):
        T.apply(q, match)


def test_session_undo_redo_preview_and_recipe_replay(tmp_path):
    p = dead_map()
    s = T.Session(p)
    assert not s.can_undo and not s.undo()
    first = T.find(p, "dead-dataflow-elimination").matches[0]
    preview = s.preview(first)
    assert s.program == p and len(s) == 0
    edits = s.apply(first)
    assert edits == ["remove edge 0 in state 'main'", "remove edge 1 in state 'main'",
                     "remove node 0 in state 'main'", "remove node 2 in state 'main'",
                     "remove node 1 in state 'main'", "remove container 1"]
    assert s.program == preview and len(s) == 1
    assert s.undo() and s.program == p and s.can_redo
    assert s.redo() and s.program == preview and not s.can_redo
    s.run("dead-dataflow-elimination")  # removes U's lone Access node too
    assert len(s) == 2 and 6 not in main_nodes(s.program)

    recipe = s.recipe()
    assert [step.transformation for step in recipe.steps] == ["dead-dataflow-elimination"] * 2
    assert recipe.steps[0].nodes == [0, 2] and recipe.steps[1].nodes == [6]
    path = tmp_path / "r.json"
    recipe.save(str(path))
    loaded = T.Recipe.load(str(path))
    assert loaded == recipe and T.Recipe.from_json(recipe.to_json()) == recipe
    replayed = T.replay(p, path)
    assert replayed == s.program
    assert replayed.to_json() == s.program.to_json()  # bit for bit
    s2 = T.Session(p)
    s2.replay(recipe)
    assert len(s2) == 2 and s2.program == s.program


def test_run_pipeline_records_a_recipe_that_replays():
    p = dead_map()
    q, recipe = T.run_pipeline(p, "dead-dataflow-elimination", verify_each=True)
    assert len(recipe) == 2
    assert container_names(q) == {"X", "Y"}
    assert T.replay(p, recipe).to_text() == q.to_text()
    assert T.parse_pipeline("expand{op=MatMul, impl=blas}") == "expand{impl=blas,op=MatMul}"


def test_pipeline_and_recipe_errors_name_the_column_and_the_step():
    p = dead_map()
    with pytest.raises(sluice.Error, match=r"pipeline:1:27: unknown transformation 'map-fuse'"):
        T.run_pipeline(p, "dead-dataflow-elimination,map-fuse")
    with pytest.raises(sluice.Error, match=r"pipeline:1:13: parameter 'impl' of 'expand' is "
                                           r"'bogus'; choose one of: auto, pure, blas"):
        T.parse_pipeline("expand{impl=bogus}")
    _, recipe = T.run_pipeline(p, "dead-dataflow-elimination")
    other = sluice.load(str(SAMPLES / "producer_consumer.sluice.txt"))
    with pytest.raises(sluice.Error) as info:
        T.replay(other, recipe)
    message = str(info.value)
    assert ("recipe step 1 of 2 (dead-dataflow-elimination on nodes 0, 2 in state 'main'): "
            "no longer applies") in message
    assert "'T' is read" in message
    with pytest.raises(sluice.Error, match=r"step 1: missing \"nodes\""):
        T.Recipe.from_json('{"sluice_recipe": 1, "steps": [{"transformation": "x", "state": 0}]}')


# --- transformations written in Python -------------------------------------------------------

class RemoveIsolatedAccess(T.Transformation):
    name = "remove-isolated-access"
    tier = 4
    description = "Remove top-level Access nodes that no edge touches."
    params = [T.ParamSpec("keep_arguments", "bool", True, "leave the program arguments' nodes")]

    def match(self, program, params):
        transient = {c.name: c.transient for c in program.containers}
        found = T.MatchResult()
        matches, rejected = [], []
        for state in program.states:
            touched = {e.src for e in state.edges} | {e.dst for e in state.edges}
            for node in state.nodes:
                if node.kind != "access" or node.id in touched:
                    continue
                m = self.make_match(T.Scope(state.id), [node.id], f"lone '{node.container}'")
                if params["keep_arguments"] and not transient[node.container]:
                    rejected.append(T.Rejection(m, f"'{node.container}' is a program argument"))
                else:
                    matches.append(m)
        found = T.MatchResult(matches, rejected)
        return found

    def apply(self, rewriter, match, params):
        rewriter.remove_node(match.scope, match.nodes[0])


class RenameMaps(T.Transformation):
    """Prefix the label of every map (in every scope)."""
    name = "rename-maps"
    tier = 1
    params = [T.ParamSpec("prefix", "string", "fast_", "what to put in front")]

    def match(self, program, params):
        out = []
        for scope in T.scopes(program):
            nodes, _ = T.graph(program, scope)
            for node in nodes:
                if node.kind != "map":
                    continue
                m = self.make_match(scope, [node.id], node.label)
                if node.label.startswith(params["prefix"]):
                    out.append(T.Rejection(m, f"already named '{node.label}'"))
                else:
                    out.append(m)
        return out

    def apply(self, rewriter, match, params):
        nodes, _ = T.graph(rewriter.program, match.scope)
        (node,) = [n for n in nodes if n.id == match.nodes[0]]
        rewriter.set_label(match.scope, node.id, params["prefix"] + node.label)


@pytest.fixture
def python_transformations():
    registered = [T.register(RemoveIsolatedAccess()), T.register(RenameMaps)]
    yield registered
    for name in ("remove-isolated-access", "rename-maps", "breaks-things", "raises"):
        T.unregister(name)


def test_python_transformation_is_listed_matched_and_applied(python_transformations):
    by_name = {t.name: t for t in T.transformations()}
    t = by_name["remove-isolated-access"]
    assert t.origin == "python" and t.tier == 4
    assert [(s.name, s.type, s.default) for s in t.params] == [("keep_arguments", "bool", True)]
    assert by_name["rename-maps"].description == "Prefix the label of every map (in every scope)."

    p = dead_map()
    found = T.find(p, "remove-isolated-access")
    assert [s.match.nodes for s in found.matches] == [[6]]
    assert [(r.candidate.nodes, r.reason) for r in found.rejected] == [
        ([7], "'X' is a program argument")]
    both = T.find(p, "remove-isolated-access", params={"keep_arguments": False})
    assert [s.match.nodes for s in both.matches] == [[6], [7]]

    s = T.Session(p)
    edits = s.apply(found.matches[0])
    assert edits == ["remove node 6 in state 'main'"]
    assert 6 not in main_nodes(s.program) and 7 in main_nodes(s.program)
    assert s.undo() and s.program == p


def test_python_transformations_in_pipelines_and_recipes(python_transformations):
    p = dead_map()
    q, recipe = T.run_pipeline(
        p, "remove-isolated-access{keep_arguments=false},rename-maps{prefix=x_}")
    assert {6, 7} & set(main_nodes(q)) == set()
    labels = sorted(n.label for n in q.states[0].nodes if n.kind == "map")
    assert labels == ["x_dead", "x_live"]
    assert [st.transformation for st in recipe.steps] == (
        ["remove-isolated-access"] * 2 + ["rename-maps"] * 2)
    assert recipe.steps[2].params == {"prefix": "x_"}
    assert T.replay(p, recipe).to_json() == q.to_json()
    again = T.find(q, "rename-maps", params={"prefix": "x_"})
    assert again.matches == [] and {r.reason for r in again.rejected} == {
        "already named 'x_dead'", "already named 'x_live'"}


def test_python_transformation_failures_change_nothing(python_transformations):
    kept = []

    class BreaksThings(T.Transformation):
        name = "breaks-things"
        tier = 4

        def match(self, program, params):
            return [self.make_match(T.Scope(0), [1], "X feeding 'dead'")]

        def apply(self, rewriter, match, params):
            kept.append(rewriter)
            rewriter.remove_node(match.scope, 1)  # the map's input: a dangling connector

    class Raises(T.Transformation):
        name = "raises"
        tier = 4

        def match(self, program, params):
            return [self.make_match(T.Scope(0), [0])]

        def apply(self, rewriter, match, params):
            raise ValueError("boom")

    T.register(BreaksThings())
    T.register(Raises())
    p = dead_map()
    s = T.Session(p)
    with pytest.raises(sluice.Error, match="gave an invalid program; nothing was changed"):
        s.apply(T.find(p, "breaks-things").matches[0])
    with pytest.raises(sluice.Error, match=r"raises: apply\(\) raised ValueError: boom"):
        s.apply(T.find(p, "raises").matches[0])
    assert s.program == p and len(s) == 0
    with pytest.raises(sluice.Error, match="valid only during the apply"):
        kept[0].remove_node(T.Scope(0), 0)
    with pytest.raises(sluice.Error, match="already registered"):
        T.register(Raises())
    T.register(Raises(), replace=True)

    class NotKebab(T.Transformation):
        name = "Not_Kebab"
        tier = 1
    with pytest.raises(sluice.Error, match="not kebab-case"):
        T.register(NotKebab())
    with pytest.raises(TypeError, match="must set the class attributes"):
        type("NoName", (T.Transformation,), {})()


def test_rewriter_refuses_unknown_nodes(python_transformations):
    class Bad(T.Transformation):
        name = "bad-ids"
        tier = 4

        def match(self, program, params):
            return [self.make_match(T.Scope(0), [0])]

        def apply(self, rewriter, match, params):
            rewriter.remove_node(match.scope, 99)

    bad = Bad()
    with pytest.raises(sluice.Error, match="there is no node 99"):
        T.apply(dead_map(), T.find(dead_map(), bad).matches[0], transformation=bad)


# --- C++ plugins ------------------------------------------------------------------------------

GELU_NODE = """program g {
  array x: f32[2, 3]
  array b: f32[3]
  array s: f32[2, 3] transient
  array y: f32[2, 3]
  array z: f32[2, 3]
  state 0 "main" start {
    node 0 = library "bias" Add (in0, in1) -> (out0)
    node 1 = access x
    node 2 = access b
    node 3 = access s
    node 4 = library "gelu" Gelu (in0) -> (out0) {approximate="tanh"}
    node 5 = access y
    edge 0: node 1 -> node 0.in0 x[0:2, 0:3]
    edge 1: node 2 -> node 0.in1 b[0:3]
    edge 2: node 0.out0 -> node 3 s[0:2, 0:3]
    edge 3: node 3 -> node 4.in0 s[0:2, 0:3]
    edge 4: node 4.out0 -> node 5 y[0:2, 0:3]
  }
}
"""


@pytest.fixture(scope="module")
def plugin():
    return T.load_plugin(PLUGINS / "bias_gelu_plugin.so")


def test_plugin_registers_its_transformation(plugin):
    assert plugin.name == "bias-gelu"
    assert plugin.transformations == ["bias-gelu-fusion"]
    assert plugin.api_version == T.PLUGIN_API_VERSION
    fusion = T.get("bias-gelu-fusion")
    assert fusion.tier == 3
    assert fusion.origin == f"plugin 'bias-gelu' ({plugin.path})"
    # Loading the same file again returns the first load's result.
    assert T.load_plugin(PLUGINS / "bias_gelu_plugin.so").transformations == ["bias-gelu-fusion"]


def test_plugin_fuses_the_torch_gelu_chain(plugin):
    p = sluice.compile_onnx(str(GELU_ONNX)).imported_program
    found = T.find(p, "bias-gelu-fusion", symbols={})
    (suggestion,) = found.matches
    assert [main_nodes(p)[n].op for n in suggestion.match.nodes] == [
        "Add", "Div", "Erf", "Add", "Mul", "Mul"]
    q = T.apply(p, suggestion.match)
    assert q.verify() == []
    (fused,) = [n for n in q.states[0].nodes if n.kind == "map"]
    assert fused.label == "bias_gelu"
    (tasklet,) = [n for n in fused.body_nodes if n.kind == "tasklet"]
    assert re.search(r"y = t \* \(erf\(t / k0\) \+ k1\) \* k2;", tasklet.code)
    assert not {"s", "d", "e", "p", "m"} & container_names(q)
    before = T.program_cost(p)["bytes_value"]
    after = T.program_cost(q)["bytes_value"]
    assert (before, after) == (6892.0, 2668.0)  # as `sluice opt` reports: -61.3%
    assert suggestion.bytes_saved == before - after


def test_plugin_fusion_compiles_and_computes_the_same(plugin):
    import numpy as np

    data = ROOT / "tests" / "data" / "cli"
    x = np.load(data / "gelu_inputs.npz")["x"]
    want = np.load(data / "gelu_expected.npz")["y"]
    fused = sluice.compile_onnx(str(GELU_ONNX), pipeline="bias-gelu-fusion")
    assert [n.label for n in fused.program.states[0].nodes if n.kind == "map"] == ["bias_gelu"]
    unfused = sluice.compile_onnx(str(GELU_ONNX), pipeline="")
    got, base = fused.run({"x": x})["y"], unfused.run({"x": x})["y"]
    assert np.array_equal(got, base)  # the same operations in the same order
    assert np.max(np.abs(got - want)) < 1e-4


def test_plugin_fuses_a_gelu_node_and_refuses_a_shared_sum(plugin):
    p = sluice.loads(GELU_NODE, "text")
    (suggestion,) = T.find(p, "bias-gelu-fusion").matches
    q = T.apply(p, suggestion.match)
    (fused,) = [n for n in q.states[0].nodes if n.kind == "map"]
    (tasklet,) = [n for n in fused.body_nodes if n.kind == "tasklet"]
    assert "tanh(" in tasklet.code and "let t: f32 = a + b;" in tasklet.code
    # `s` also read by a second node: the fusion must keep it, so it refuses.
    shared = GELU_NODE.replace(
        '    edge 4: node 4.out0 -> node 5 y[0:2, 0:3]\n',
        '    edge 4: node 4.out0 -> node 5 y[0:2, 0:3]\n'
        '    edge 5: node 3 -> node 6.in0 s[0:2, 0:3]\n'
        '    edge 6: node 6.out0 -> node 7 z[0:2, 0:3]\n').replace(
        '    node 5 = access y\n',
        '    node 5 = access y\n    node 6 = library "relu" Relu (in0) -> (out0)\n'
        '    node 7 = access z\n')
    found = T.find(sluice.loads(shared, "text"), "bias-gelu-fusion")
    assert found.matches == []
    assert [r.reason for r in found.rejected] == ["'s' is also read outside the GeLU"]


def test_plugins_of_another_api_version_or_none_are_refused():
    with pytest.raises(sluice.Error, match=r"built for plugin API version 0, but this Sluice "
                                           r"loads version 1"):
        T.load_plugin(PLUGINS / "old_api_plugin.so")
    assert "old-api" not in {t.name for t in T.transformations()}
    with pytest.raises(sluice.Error, match="exports no 'sluice_plugin_entry'"):
        T.load_plugin(sluice._core.__file__)
    with pytest.raises(sluice.Error, match="cannot load the plugin: no such file"):
        T.load_plugin(PLUGINS / "absent.so")


def golden_case(name, number):
    """The input program of the `number`-th case (from 0) of tests/golden/<name>.txt."""
    text = (ROOT / "tests" / "golden" / f"{name}.txt").read_text()
    case = text.split("// -----")[number]
    body = "\n".join(line for line in case.split("// expect")[0].splitlines()
                     if not line.startswith(("//", "#")))
    return sluice.loads(body, "text")


def test_recompute_activation_from_python_with_reasons_undo_and_replay():
    p = golden_case("recompute-activation", 0)
    found = T.find(p, "recompute-activation")
    assert [s.match.description for s in found.matches] == [
        "recompute 'A' (map 'act') for 'grad'"]
    assert any("'A' is read after 'out' by 'grad'" in r.reason for r in found.rejected)
    s = T.Session(p)
    s.apply(found.matches[0])
    assert "A_recomputed" in container_names(s.program) and s.program.verify() == []
    assert T.replay(p, s.recipe()) == s.program
    assert s.undo() and s.program == p


def test_epilogue_fusion_runs_from_python_and_computes_the_same():
    import numpy as np
    fused = sluice.compile_onnx(GELU_ONNX, pipeline="expand,map-fusion,epilogue-fusion")
    plain = sluice.compile_onnx(GELU_ONNX, pipeline="")
    rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little"))
    feed = {i.name: rng.standard_normal([int(d) for d in i.shape]).astype(np.float32)
            for i in plain.inputs}
    want, got = plain.run(feed), fused.run(feed)
    for name, value in want.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-5, atol=1e-6)
    assert "epilogue" in fused.program.to_text()
