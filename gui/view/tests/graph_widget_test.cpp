// The graph widget on the sample model and on small programs: what it draws, search and
// selection, collapsing a map scope, overlays.

#include "gui/view/graph_widget.h"

#include <QSignalSpy>
#include <QTest>

#include "frontends/onnx/onnx_importer.h"
#include "large_program.h"

using namespace sluice;
using namespace sluice::gui;

namespace {

/// Nodes of a graph as drawn: expanded maps are two boxes (entry, exit) plus their body.
int drawn_nodes(const ir::Graph& graph) {
  int count = 0;
  for (const ir::NodeId id : graph.node_ids()) {
    if (const auto* map = std::get_if<ir::MapNode>(&graph.node(id)))
      count += 2 + drawn_nodes(*map->body);
    else
      ++count;
  }
  return count;
}

bool show(GraphWidget& widget, const ir::Program& program) {
  QSignalSpy done(&widget, &GraphWidget::layout_finished);
  widget.set_program(program);
  return done.wait(20000);
}

ir::Program sample_model() {
  return frontends::import_onnx_file(std::string(qgetenv("SLUICE_SOURCE_DIR")) +
                                     "/samples/models/tiny_transformer.onnx")
      .program;
}

}  // namespace

class GraphWidgetTest : public QObject {
  Q_OBJECT
private slots:
  void shows_the_sample_model() {
    const ir::Program program = sample_model();
    QCOMPARE(program.states.size(), std::size_t{1});
    const ir::Graph& graph = program.states[program.start_state].graph;
    GraphWidget widget;
    widget.resize(1000, 700);
    widget.show();
    QVERIFY(show(widget, program));
    QCOMPARE(widget.node_count(), drawn_nodes(graph));
    QCOMPARE(widget.edge_count(), static_cast<int>(graph.num_edges()));
    QVERIFY(widget.node_count() > 20);
  }

  void selects_by_name() {
    const ir::Program program = sample_model();
    GraphWidget widget;
    widget.resize(1000, 700);
    widget.show();
    QVERIFY(show(widget, program));
    // Every library node of the import is findable by its label.
    const ir::Graph& graph = program.states[program.start_state].graph;
    QString label;
    for (const ir::NodeId id : graph.node_ids())
      if (const auto* library = std::get_if<ir::LibraryNode>(&graph.node(id))) {
        label = QString::fromStdString(library->label);
        break;
      }
    QVERIFY(!label.isEmpty());
    QSignalSpy selected(&widget, &GraphWidget::selection_changed);
    QVERIFY(widget.select_by_name(label));
    QVERIFY(!widget.selected_key().isEmpty());
    QCOMPARE(widget.scene()->node(widget.selected_key())->label(), label);
    QVERIFY(selected.count() >= 1);
    QVERIFY(!widget.select_by_name("no-such-node-anywhere"));
  }

  void data_movement_and_flops_overlays_colour_kernels() {
    GraphWidget widget;
    QVERIFY(show(widget, sample_model()));
    QVERIFY(widget.set_overlay(OverlayKind::DataMovement));
    QVERIFY(widget.set_overlay(OverlayKind::Flops));
    QVERIFY(!widget.set_overlay(OverlayKind::MeasuredTime));  // nothing measured yet
    QVERIFY(!widget.last_message().isEmpty());
    const ir::Program& program = *widget.program();
    const ir::StateId state = program.start_state;
    const ir::NodeId first = program.states[state].graph.node_ids().front();
    widget.set_kernel_times({{state, first, 0.002}});
    QVERIFY(widget.set_overlay(OverlayKind::MeasuredTime));
  }

  void map_scopes_collapse_and_expand() {
    const ir::Program program = testing::large_program(40);  // has maps
    GraphWidget widget;
    QVERIFY(show(widget, program));
    const int expanded = widget.node_count();
    QString map_key;
    const ir::Graph& graph = program.states[program.start_state].graph;
    for (const ir::NodeId id : graph.node_ids())
      if (std::holds_alternative<ir::MapNode>(graph.node(id))) {
        map_key = QString::fromStdString(node_key(program.start_state, id));
        break;
      }
    QVERIFY(!map_key.isEmpty());
    QVERIFY(widget.scene()->node(map_key + "/entry") != nullptr);
    QSignalSpy done(&widget, &GraphWidget::layout_finished);
    widget.toggle_scope(map_key);
    QVERIFY(done.wait(10000));
    QCOMPARE(widget.node_count(), expanded - 4);  // entry, exit, 2 body accesses, tasklet -> 1
    QVERIFY(widget.scene()->node(map_key) != nullptr);
    widget.toggle_scope(map_key);
    QVERIFY(done.wait(10000));
    QCOMPARE(widget.node_count(), expanded);
  }

  void all_states_are_framed() {
    ir::ProgramBuilder b("two_states");
    b.array("A", ir::DType::f32, {4});
    b.array("B", ir::DType::f32, {4});
    b.state("first").mapped_tasklet("copy", "i=0:4", {{"a", "A", "i"}}, "b = a;",
                                    {{"b", "B", "i"}});
    b.state("second").mapped_tasklet("back", "i=0:4", {{"b", "B", "i"}}, "a = b;",
                                     {{"a", "A", "i"}});
    b.transition("first", "second");
    GraphWidget widget;
    QVERIFY(show(widget, b.build()));
    QVERIFY(widget.scene()->node("s0/header") != nullptr);
    QVERIFY(widget.scene()->node("s1/header") != nullptr);
    QVERIFY(widget.select_by_name("back"));
  }
};

QTEST_MAIN(GraphWidgetTest)
#include "graph_widget_test.moc"
