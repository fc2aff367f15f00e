// The whole workbench through the real main window: open the sample model, select a node in
// the graph view (the session, Transformations and Properties follow), preview (the graph
// outlines the changed nodes), apply, undo, redo, save the recipe, replay it in a new window
// and compare with the CLI's replay; run times feed the time overlay; a crashed session is
// restored at startup.

#include <QDockWidget>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include "gui/app/main_window.h"
#include "gui/app/node_keys.h"
#include "gui/panels/code_view.h"
#include "gui/panels/data_movement_report_view.h"
#include "gui/panels/history_panel.h"
#include "gui/panels/properties_panel.h"
#include "gui/panels/run_panel.h"
#include "gui/panels/transformations_panel.h"
#include "ir/program_io.h"
#include "ir/text_format.h"

using namespace sluice::gui;

namespace {

const QString kModel = QStringLiteral(SLUICE_SOURCE_DIR "/samples/models/tiny_transformer.onnx");
constexpr int kLayoutMs = 30000;

template <typename T>
T* child(QWidget* parent, const char* name) {
  T* found = parent->findChild<T*>(QString::fromLatin1(name));
  if (found == nullptr) qFatal("no child '%s'", name);
  return found;
}

/// Runs `action` and waits for the graph view's re-layout it causes.
template <typename Action>
bool relaid_out(MainWindow& window, Action action) {
  QSignalSpy done(window.graph(), &GraphWidget::layout_finished);
  action();
  return done.count() > 0 || done.wait(kLayoutMs);
}

/// The first library node of the start state whose op is `op`.
NodeRef first_library(const sluice::ir::Program& program, const std::string& op) {
  const sluice::ir::Graph& g = program.states[program.start_state].graph;
  for (const auto id : g.node_ids())
    if (const auto* lib = std::get_if<sluice::ir::LibraryNode>(&g.node(id)); lib && lib->op == op)
      return {{program.start_state, {}}, id};
  return {};
}

bool shows_session_program(const MainWindow& window) {
  return window.graph()->program() != nullptr &&
         *window.graph()->program() == window.session()->program();
}

}  // namespace

class WorkbenchTest : public QObject {
  Q_OBJECT

private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // recent files and autosave stay out of $HOME
    QCoreApplication::setOrganizationName("SluiceTest");
    QCoreApplication::setApplicationName("sluice-gui-workbench-test");
    QVERIFY(dir_.isValid());
  }

  void the_docks_hold_the_panels() {
    MainWindow window(nullptr, dir_.path() + "/docks");
    QCOMPARE(window.dock("Transformations")->widget(),
             static_cast<QWidget*>(window.transformations_panel()));
    QCOMPARE(window.dock("History")->widget(), static_cast<QWidget*>(window.history_panel()));
    QCOMPARE(window.dock("Properties")->widget(), static_cast<QWidget*>(window.properties_panel()));
    QCOMPARE(window.dock("Code")->widget(), static_cast<QWidget*>(window.code_view()));
    QCOMPARE(window.dock("Report")->widget(), static_cast<QWidget*>(window.report_view()));
    QCOMPARE(window.dock("Run")->widget(), static_cast<QWidget*>(window.run_panel()));
  }

  void node_keys_round_trip() {
    const NodeRef nested{{sluice::ir::StateId(2), {sluice::ir::NodeId(3)}}, sluice::ir::NodeId(5)};
    QCOMPARE(key_of(nested), QString("s2/n3/n5"));
    QVERIFY(node_ref_from_key("s2/n3/n5") == nested);
    const auto map = node_ref_from_key("s0/n3/entry");
    QVERIFY(map && map->node == sluice::ir::NodeId(3) && map->scope.maps.empty());
    QVERIFY(!node_ref_from_key("s0/header"));
    QVERIFY(!node_ref_from_key("s0"));
    QVERIFY(!node_ref_from_key("s0/e7"));
  }

  void edit_session_through_the_window_and_replay_like_the_cli() {
    MainWindow window(nullptr, dir_.path() + "/edit");
    window.set_quiet(true);
    window.resize(1400, 900);
    window.show();
    QVERIFY(relaid_out(window, [&] { QVERIFY(window.open_file(kModel)); }));
    WorkbenchSession& session = *window.session();
    QCOMPARE(session.source_path(), kModel);
    QVERIFY(shows_session_program(window));
    const sluice::ir::Program original = session.program();

    // Select a node in the graph view: the session, the listing and Properties follow.
    const NodeRef matmul = first_library(original, "MatMul");
    QVERIFY(matmul.node.valid());
    // A real click on the node's box, as the user would.
    NodeItem* box = window.graph()->scene()->node(key_of(matmul));
    QVERIFY(box != nullptr);
    GraphView* view = window.graph()->view();
    view->centerOn(box);
    const QPoint at = view->mapFromScene(box->sceneBoundingRect().center());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(window.graph()->selected_key(), key_of(matmul));
    QVERIFY(!window.graph()->select_key("s0/n999999"));  // not drawn: the selection stays
    QCOMPARE(session.selection().size(), std::size_t{1});
    QVERIFY(session.selection().front() == matmul);
    TransformationsPanel& transformations = *window.transformations_panel();
    QVERIFY(!transformations.listing().candidates.empty());
    auto* properties = child<QTableWidget>(window.properties_panel(), "properties");
    QVERIFY(properties->rowCount() > 0);
    QVERIFY(!window.code_view()->toPlainText().isEmpty());

    // Preview: the changed nodes are outlined in the graph; nothing is committed.
    QSignalSpy previews(&transformations, &TransformationsPanel::preview_ready);
    QTest::mouseClick(child<QPushButton>(&transformations, "previewButton"), Qt::LeftButton);
    QCOMPARE(previews.count(), 1);
    const auto preview = previews.at(0).at(0).value<Preview>();
    QVERIFY(!preview.changed.empty());
    QCOMPARE(window.graph()->highlighted_keys(), keys_of(preview.changed));
    QVERIFY(window.graph()->highlighted_drawn() > 0);
    QVERIFY(session.program() == original);

    // Apply: the graph shows the new program (and the highlight is gone).
    QVERIFY(relaid_out(window, [&] {
      QTest::mouseClick(child<QPushButton>(&transformations, "applyButton"), Qt::LeftButton);
    }));
    QCOMPARE(session.current_step(), std::size_t{1});
    QVERIFY(session.program() == preview.program);
    QVERIFY(shows_session_program(window));
    QVERIFY(window.graph()->highlighted_keys().isEmpty());
    const sluice::ir::Program applied = session.program();
    const auto& comparison = window.report_view()->comparison();
    QVERIFY(comparison.error.empty());
    QVERIFY(comparison.total_before > 0);

    // Undo and redo through the History panel.
    HistoryPanel& history = *window.history_panel();
    QVERIFY(relaid_out(window, [&] {
      QTest::mouseClick(child<QPushButton>(&history, "undoButton"), Qt::LeftButton);
    }));
    QVERIFY(session.program() == original);
    QVERIFY(shows_session_program(window));
    QVERIFY(relaid_out(window, [&] {
      QTest::mouseClick(child<QPushButton>(&history, "redoButton"), Qt::LeftButton);
    }));
    QVERIFY(session.program() == applied);
    QVERIFY(shows_session_program(window));

    // A second step on the whole program, so the recipe has more than one.
    window.graph()->scene()->clearSelection();
    QVERIFY(session.selection().empty());
    QVERIFY(!transformations.listing().candidates.empty());
    QVERIFY(relaid_out(window, [&] {
      QTest::mouseClick(child<QPushButton>(&transformations, "applyButton"), Qt::LeftButton);
    }));
    QCOMPARE(session.current_step(), std::size_t{2});
    const QString recipe = dir_.path() + "/edit.recipe.json";
    QVERIFY(history.save_recipe_to(recipe));

    // Reload the model in a new window and replay the recipe from the History panel.
    MainWindow again(nullptr, dir_.path() + "/again");
    again.set_quiet(true);
    again.show();
    QVERIFY(relaid_out(again, [&] { QVERIFY(again.open_file(kModel)); }));
    QVERIFY(again.history_panel()->load_recipe_from(recipe));
    QCOMPARE(again.session()->replay_remaining(), std::size_t{2});
    QVERIFY(relaid_out(again, [&] {
      QTest::mouseClick(child<QPushButton>(again.history_panel(), "replayAllButton"),
                        Qt::LeftButton);
    }));
    QCOMPARE(again.session()->current_step(), std::size_t{2});
    QVERIFY(again.session()->program() == session.program());
    QVERIFY(shows_session_program(again));

    // The CLI replays the same recipe to the same program.
    const QString out = dir_.path() + "/cli.sluice.txt";
    QProcess cli;
    cli.start(QStringLiteral(SLUICE_CLI), {"opt", kModel, "--recipe", recipe, "-o", out});
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    const sluice::ir::Program replayed = sluice::ir::load_program(out.toStdString());
    QCOMPARE(QString::fromStdString(sluice::ir::print_text(again.session()->program())),
             QString::fromStdString(sluice::ir::print_text(replayed)));

    // Opening the model with the recipe gives the same program, with undoable steps.
    MainWindow with_recipe(nullptr, dir_.path() + "/with-recipe");
    with_recipe.set_quiet(true);
    QVERIFY(with_recipe.open_file(kModel, recipe));
    QVERIFY(with_recipe.session()->program() == session.program());
    QCOMPARE(with_recipe.session()->current_step(), std::size_t{2});
    QVERIFY(with_recipe.session()->original_program() == original);
  }

  void run_times_feed_the_time_overlay() {
    MainWindow window(nullptr, dir_.path() + "/run");
    window.set_quiet(true);
    QVERIFY(relaid_out(window, [&] { QVERIFY(window.open_file(kModel)); }));
    const sluice::ir::Program& program = window.session()->program();
    const NodeRef matmul = first_library(program, "MatMul");
    const auto& graph = program.states[matmul.scope.state].graph;
    RunReport report;
    report.ok = true;
    report.kernel_times = {{sluice::ir::node_label(graph.node(matmul.node)), 0.25}};
    emit window.run_panel()->finished(report);
    QVERIFY(!window.graph()->kernel_times().empty());
    QVERIFY(window.graph()->set_overlay(OverlayKind::MeasuredTime));
  }

  void a_crashed_session_is_restored_at_startup() {
    const QString recovery = dir_.path() + "/crash";
    sluice::ir::Program saved;
    {
      MainWindow crashed(nullptr, recovery);
      crashed.set_quiet(true);
      QVERIFY(crashed.open_file(kModel));
      const auto listing = crashed.session()->list_transformations();
      QVERIFY(!listing.candidates.empty());
      QVERIFY(crashed.session()->apply(listing.candidates.front()));
      saved = crashed.session()->program();
    }  // destroyed without a clean close: the autosave stays, as after a crash

    MainWindow restarted(nullptr, recovery);
    restarted.set_quiet(true);
    QVERIFY(restarted.session()->has_recovery());
    QVERIFY(
        relaid_out(restarted, [&] { QVERIFY(restarted.offer_recovery(RecoveryChoice::Restore)); }));
    QVERIFY(restarted.session()->program() == saved);
    QCOMPARE(restarted.session()->current_step(), std::size_t{1});
    QCOMPARE(restarted.current_file(), kModel);
    QVERIFY(shows_session_program(restarted));

    restarted.show();
    restarted.close();  // a clean close removes the autosave
    MainWindow clean(nullptr, recovery);
    QVERIFY(!clean.session()->has_recovery());
    QVERIFY(!clean.offer_recovery(RecoveryChoice::Restore));
  }

private:
  QTemporaryDir dir_;
};

QTEST_MAIN(WorkbenchTest)
#include "workbench_test.moc"
