"""Transformations from Python: list them, find where they apply (with the reasons for the places
they refuse and the bytes each match would save), apply, undo and redo, record and replay recipes,
run pipelines, load C++ plugins, and write new transformations as subclasses.

    import sluice
    from sluice import transforms as T

    p = sluice.load("samples/producer_consumer.sluice.txt")
    for t in T.transformations():
        print(t.tier, t.name, [spec.name for spec in t.params])
    found = T.find(p, symbols={"N": 1024})          # every transformation, best saving first
    s = T.Session(p)
    s.apply(found.matches[0].match)
    s.undo(); s.redo()
    s.recipe().save("r.json")
    assert T.replay(p, T.Recipe.load("r.json")) == s.program

Programs are values: `apply`, `run_pipeline` and `replay` return a new program and leave their
argument as it was; a `Session` holds the program being edited, with its history.
"""

import builtins

from . import _core

_t = _core.transforms

ParamSpec = _t.ParamSpec
Scope = _t.Scope
Match = _t.Match
Rejection = _t.Rejection
MatchResult = _t.MatchResult
Prediction = _t.Prediction
Recipe = _t.Recipe
RecipeStep = _t.RecipeStep
Rewriter = _t.Rewriter
LoadedPlugin = _t.LoadedPlugin
PLUGIN_API_VERSION = _t.PLUGIN_API_VERSION


class Transformation(_t.Transformation):
    """A transformation written in Python. Set the class attributes, define ``match`` and
    ``apply``, and register an instance::

        class RemoveIsolatedAccess(sluice.transforms.Transformation):
            name = "remove-isolated-access"      # kebab-case, unique
            tier = 4                             # 1 local, 2 layout, 3 fusion, 4 global
            description = "Remove Access nodes that no edge touches."
            params = [ParamSpec("keep_arguments", "bool", True, "leave arguments' nodes")]

            def match(self, program, params):    # a copy of the program; never edits it
                return [self.make_match(scope, [node.id], "...") for ...]   # or a MatchResult

            def apply(self, rewriter, match, params):   # every edit through the rewriter
                rewriter.remove_node(match.scope, match.nodes[0])

        sluice.transforms.register(RemoveIsolatedAccess())

    ``params`` reach ``match`` and ``apply`` complete (defaults filled in) as a dict. An
    exception in ``match`` or ``apply`` becomes a ``sluice.Error`` naming the transformation,
    and the program is left as it was (the framework applies on a copy and verifies it).
    """

    # Attributes a subclass leaves out read through to the values given to the C++ base, so
    # `description` falls back to the class docstring and `params` to none.
    def __init__(self):
        cls = type(self)
        name, tier = getattr(cls, "name", None), getattr(cls, "tier", None)
        if not isinstance(name, str) or not isinstance(tier, int):
            raise TypeError(f"{cls.__name__} must set the class attributes 'name' (a str) and "
                            "'tier' (an int from 1 to 4)")
        description = getattr(cls, "description", None)
        if not isinstance(description, str) or not description:
            description = (cls.__doc__ or "").strip()
        params = getattr(cls, "params", None)
        params = builtins.list(params) if isinstance(params, (builtins.list, tuple)) else []
        repeat = getattr(cls, "repeat_to_fixpoint", None)
        _t.Transformation.__init__(self, name, tier, description, params,
                                   repeat if isinstance(repeat, bool) else False)


def transformations():
    """Every registered transformation (built-in, from plugins, from Python), by tier, then
    name. Each has ``name``, ``tier``, ``description``, ``params`` (``ParamSpec``: ``name``,
    ``type``, ``default``, ``description``, ``choices``) and ``origin``."""
    return _t.list()


def get(name):
    """The registered transformation called ``name``."""
    return _t.get(name)


def register(transformation, replace=False):
    """Registers a ``Transformation`` written in Python (origin ``"python"``). Takes an
    instance, or a class (then usable as a decorator, returning the class). ``replace`` first
    removes an earlier Python transformation of the same name (re-running a notebook cell)."""
    if isinstance(transformation, type):
        _t.register(transformation(), replace)
        return transformation
    _t.register(transformation, replace)
    return transformation


def unregister(name):
    """Removes a transformation from the registry; False when there was none of that name."""
    return _t.unregister(name)


def load_plugin(path):
    """Loads a C++ plugin (a shared library exporting ``sluice_plugin_entry``) and registers its
    transformations. A plugin built for another API version is refused (``sluice.Error``)."""
    return _t.load_plugin(str(path))


def parse_pipeline(text):
    """Checks a pipeline (``expand{impl=pure},dead-dataflow-elimination``) against the registry;
    returns its canonical spelling. Errors name the column."""
    return _t.parse_pipeline(text)


def scopes(program):
    """Every ``Scope`` of the program: each state's graph, then the bodies of its maps."""
    return _t.scopes(program)


def graph(program, scope):
    """The ``(nodes, edges)`` of a scope, as the ``Node``/``Edge`` snapshots ``Program.states``
    holds (a map body's are its ``body_nodes``/``body_edges``)."""
    state = next((s for s in program.states if s.id == scope.state), None)
    if state is None:
        raise _core.Error(f"{scope!r}: the program has no state {scope.state}")
    nodes, edges = state.nodes, state.edges
    for map_id in scope.maps:
        node = next((n for n in nodes if n.id == map_id and n.kind == "map"), None)
        if node is None:
            raise _core.Error(f"{scope!r}: there is no map {map_id}")
        nodes, edges = node.body_nodes, node.body_edges
    return nodes, edges


class Suggestion:
    """A match and what applying it would change (``prediction`` is None when the cost model
    could not apply it)."""

    __slots__ = ("match", "prediction")

    def __init__(self, match, prediction):
        self.match = match
        self.prediction = prediction

    @property
    def transformation(self):
        return self.match.transformation

    @property
    def bytes_saved(self):
        return None if self.prediction is None else self.prediction.bytes_saved

    def __repr__(self):
        saved = self.bytes_saved
        return (f"<Suggestion {self.match.transformation} nodes {self.match.nodes}: "
                f"{'?' if saved is None else int(saved)} bytes saved>")


class Found:
    """What ``find`` returns: ``matches`` (``Suggestion``s, the largest predicted saving first)
    and ``rejected`` (``Rejection``s: the candidates turned down, each with its reason)."""

    __slots__ = ("matches", "rejected")

    def __init__(self, matches, rejected):
        self.matches = matches
        self.rejected = rejected

    def __repr__(self):
        return f"<Found {len(self.matches)} matches, {len(self.rejected)} rejected>"


def _names(transformation):
    if transformation is None:
        return [t.name for t in _t.list()]
    if isinstance(transformation, (builtins.list, tuple)):
        return builtins.list(transformation)
    return [transformation]


def find(program, transformation=None, params=None, selection=None, symbols=None):
    """Where ``transformation`` applies (a name, a ``Transformation``, a list of them, or None
    for all registered ones), ranked by the cost model: each match with its predicted change in
    data movement for ``symbols`` ({"N": 1024}), the largest saving first. ``selection``, a list
    of ``(Scope, node id)`` pairs, keeps the matches and rejections that touch those nodes."""
    params = (params or {}) if transformation is not None else {}
    symbols = symbols or {}
    matches, rejected = [], []
    for t in _names(transformation):
        result = _t.find_matches(program, t, params, selection)
        rejected.extend(result.rejected)
        for m in result.matches:
            try:
                prediction = _t.predict(program, t, m, params, symbols)
            except _core.Error:
                prediction = None
            matches.append(Suggestion(m, prediction))
    ranked = sorted(matches, key=lambda s: (s.bytes_saved is None, -(s.bytes_saved or 0)))
    return Found(ranked, rejected)


def _as_match(match):
    return match.match if isinstance(match, Suggestion) else match


def apply(program, match, params=None, transformation=None, verify=True):
    """The program with ``match`` (a ``Match`` or a ``Suggestion``) applied (``program`` itself is unchanged). The transformation
    is the match's own unless given. A match that no longer holds, a failing transformation or
    an invalid result raises ``sluice.Error`` with the reason."""
    match = _as_match(match)
    new, _edits = _t.apply(program, transformation or match.transformation, match, params or {},
                           verify)
    return new


def run_pipeline(program, pipeline, verify_each=False):
    """Runs a textual pipeline; returns ``(new program, recipe of what was applied)``."""
    return _t.run_pipeline(program, pipeline, verify_each)


def replay(program, recipe, verify_each=True):
    """Replays a recipe (a ``Recipe``, or a path to its JSON); returns the new program. The same
    input gives the same program, bit for bit; a step that no longer applies raises
    ``sluice.Error`` naming the step and the reason."""
    if not isinstance(recipe, Recipe):
        recipe = Recipe.load(str(recipe))
    return _t.replay(program, recipe, verify_each)


def program_cost(program, symbols=None):
    """{"bytes": symbolic reads + writes, "bytes_value": evaluated or None, "seconds": the cost
    model's roofline time or None}."""
    return _t.program_cost(program, symbols or {})


class Session:
    """An editing session over one program: apply matches and pipelines, undo and redo, preview,
    and the recipe of what was done (the GUI's history is the same thing)."""

    def __init__(self, program):
        self._history = _t.History(program)

    @property
    def program(self):
        """The current program (a copy)."""
        return self._history.program

    def find(self, transformation=None, params=None, selection=None, symbols=None):
        """``find`` on the current program."""
        return find(self.program, transformation, params, selection, symbols)

    def apply(self, match, params=None, transformation=None):
        """Applies a match (a ``Match`` or a ``Suggestion``); returns the edits it made."""
        match = _as_match(match)
        return self._history.apply(transformation or match.transformation, match, params or {})

    def run(self, pipeline):
        """Runs a pipeline, one undoable step per application; returns its recipe."""
        return self._history.apply_pipeline(pipeline)

    def replay(self, recipe):
        """Replays a recipe (all or nothing), one undoable step per recipe step."""
        if not isinstance(recipe, Recipe):
            recipe = Recipe.load(str(recipe))
        self._history.replay(recipe)

    def preview(self, match, params=None, transformation=None):
        """The program ``match`` would give, leaving the session as it is."""
        match = _as_match(match)
        return self._history.preview(transformation or match.transformation, match, params or {})

    def undo(self):
        """Undoes the last step; False when there is none."""
        return self._history.undo()

    def redo(self):
        """Redoes the last undone step; False when there is none."""
        return self._history.redo()

    @property
    def can_undo(self):
        return self._history.can_undo

    @property
    def can_redo(self):
        return self._history.can_redo

    def recipe(self):
        """The steps that made the current program from the first one, as a ``Recipe``."""
        return self._history.recipe()

    def __len__(self):
        return len(self._history)
