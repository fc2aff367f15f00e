// The panels' real widgets on the sample transformer: click Preview/Apply in the
// transformations panel, Undo/Redo and a row in the history panel, edit a property (a refused
// edit changes nothing), the code view's highlight, the report chart, and a background run.
#include <QApplication>
#include <QCheckBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include "gui/panels/code_view.h"
#include "gui/panels/data_movement_report_view.h"
#include "gui/panels/history_panel.h"
#include "gui/panels/properties_panel.h"
#include "gui/panels/run_panel.h"
#include "gui/panels/transformations_panel.h"
#include "ir/analysis/data_movement.h"
#include "ops/expansion.h"

using namespace sluice::gui;

namespace {

const QString kModel = QStringLiteral(SLUICE_SOURCE_DIR "/samples/models/tiny_transformer.onnx");
const QString kProgramFile = QStringLiteral(SLUICE_SOURCE_DIR "/samples/small_layer.sluice.txt");

template <typename T>
T* child(QWidget* parent, const char* name) {
  T* found = parent->findChild<T*>(QString::fromLatin1(name));
  if (found == nullptr) qFatal("no child '%s'", name);
  return found;
}

bool not_blank(const QImage& image) {
  const QRgb first = image.pixel(0, 0);
  for (int y = 0; y < image.height(); y += 3)
    for (int x = 0; x < image.width(); x += 3)
      if (image.pixel(x, y) != first) return true;
  return false;
}

}  // namespace

class PanelsTest : public QObject {
  Q_OBJECT

private slots:
  void init() {
    session_ = std::make_unique<WorkbenchSession>();
    session_->set_recovery_dir(dir_.path() + "/recovery");
    QVERIFY(session_->open(kModel));
  }
  void cleanup() {
    session_->discard_recovery();
    session_.reset();
  }

  void apply_and_undo_through_buttons() {
    TransformationsPanel transformations(session_.get());
    HistoryPanel history(session_.get());
    transformations.show();
    history.show();
    const sluice::ir::Program original = session_->program();
    auto* candidates = child<QTreeWidget>(&transformations, "candidates");
    QVERIFY(candidates->topLevelItemCount() > 0);

    QSignalSpy previews(&transformations, &TransformationsPanel::preview_ready);
    QTest::mouseClick(child<QPushButton>(&transformations, "previewButton"), Qt::LeftButton);
    QCOMPARE(previews.count(), 1);
    QVERIFY(session_->program() == original);

    QTest::mouseClick(child<QPushButton>(&transformations, "applyButton"), Qt::LeftButton);
    QCOMPARE(session_->current_step(), std::size_t{1});
    auto* steps = child<QListWidget>(&history, "steps");
    QCOMPARE(steps->count(), 2);

    QTest::mouseClick(child<QPushButton>(&history, "undoButton"), Qt::LeftButton);
    QCOMPARE(session_->current_step(), std::size_t{0});
    QVERIFY(session_->program() == original);
    QCOMPARE(steps->count(), 2);  // the undone step stays listed, greyed
    QTest::mouseClick(child<QPushButton>(&history, "redoButton"), Qt::LeftButton);
    QCOMPARE(session_->current_step(), std::size_t{1});

    // Click the first row: back to the program as opened.
    const QRect row0 = steps->visualItemRect(steps->item(0));
    QTest::mouseClick(steps->viewport(), Qt::LeftButton, {}, row0.center());
    QCOMPARE(session_->current_step(), std::size_t{0});
    QVERIFY(session_->program() == original);
  }

  void why_not_on_request() {
    TransformationsPanel transformations(session_.get());
    auto* refusals = child<QListWidget>(&transformations, "refusals");
    QVERIFY(!refusals->isVisibleTo(&transformations));
    child<QCheckBox>(&transformations, "whyNot")->setChecked(true);
    QVERIFY(refusals->isVisibleTo(&transformations));
    QVERIFY(refusals->count() > 0);
  }

  void recipe_saved_and_replayed_through_history_panel() {
    TransformationsPanel transformations(session_.get());
    HistoryPanel history(session_.get());
    for (int i = 0; i < 2; ++i)
      QTest::mouseClick(child<QPushButton>(&transformations, "applyButton"), Qt::LeftButton);
    const sluice::ir::Program applied = session_->program();
    const QString recipe = dir_.path() + "/panel.recipe.json";
    QVERIFY(history.save_recipe_to(recipe));
    QVERIFY(session_->go_to_step(0));
    QVERIFY(history.load_recipe_from(recipe));
    // Undone steps are dropped by the first replayed step (a new step clears redo).
    QTest::mouseClick(child<QPushButton>(&history, "replayNextButton"), Qt::LeftButton);
    QCOMPARE(session_->current_step(), std::size_t{1});
    QTest::mouseClick(child<QPushButton>(&history, "replayAllButton"), Qt::LeftButton);
    QVERIFY(session_->program() == applied);
  }

  void refused_property_edit_changes_nothing() {
    PropertiesPanel properties(session_.get());
    const sluice::ir::Program before = session_->program();
    const sluice::ir::Graph& g = before.states[before.start_state].graph;
    NodeRef lib;
    for (const auto id : g.node_ids())
      if (std::holds_alternative<sluice::ir::LibraryNode>(g.node(id))) {
        lib = {{before.start_state, {}}, id};
        break;
      }
    properties.set_target(
        {PropertyTarget::Kind::Memlet, lib.scope, g.in_edges(lib.node).front().value});
    QVERIFY(!properties.edit("subset", "0:99999"));
    QVERIFY(session_->program() == before);
    QVERIFY(!child<QLabel>(&properties, "status")->text().isEmpty());

    // A real cell edit of a node's label goes through as a recorded step.
    properties.set_target({PropertyTarget::Kind::Node, lib.scope, lib.node.value});
    auto* table = child<QTableWidget>(&properties, "properties");
    QTableWidgetItem* label = nullptr;
    for (int r = 0; r < table->rowCount(); ++r)
      if (table->item(r, 0)->text() == "label") label = table->item(r, 1);
    QVERIFY(label != nullptr);
    label->setText("renamed_in_panel");
    QTRY_COMPARE(session_->current_step(), std::size_t{1});
  }

  void code_view_highlights_the_selected_kernel() {
    sluice::ir::Program expanded = session_->program();
    sluice::ops::expand_all(expanded, {});
    session_->set_program(expanded);
    CodeView code(session_.get());
    QVERIFY2(code.toPlainText().contains("sl_kernel_"), qPrintable(code.toPlainText().left(400)));
    // The last map of the state: its label is shared with earlier kernels ("add"), so the
    // highlight must count occurrences to find the right one.
    const sluice::ir::Graph& g = expanded.states[expanded.start_state].graph;
    NodeRef last_map;
    for (const auto id : g.node_ids())
      if (std::holds_alternative<sluice::ir::MapNode>(g.node(id)))
        last_map = {{expanded.start_state, {}}, id};
    QVERIFY(code.highlight_node(last_map));
    QVERIFY(code.highlighted().has_value());
    const QStringList lines = code.toPlainText().split('\n');
    const QString label = QString::fromStdString(sluice::ir::node_label(g.node(last_map.node)));
    // One state: the generator numbers kernels in the analysis' order.
    std::size_t position = 0;
    for (const auto& k : sluice::ir::analysis::state_kernels(expanded, expanded.start_state))
      if (k.node == last_map.node) position = k.position;
    QCOMPARE(lines[code.highlighted()->first],
             QStringLiteral("// kernel %1: %2").arg(position).arg(label));
    QVERIFY(lines[code.highlighted()->last] == "}");
  }

  void report_chart_paints_before_and_after() {
    DataMovementReportView report(session_.get());
    TransformationsPanel transformations(session_.get());
    QTest::mouseClick(child<QPushButton>(&transformations, "applyButton"), Qt::LeftButton);
    QVERIFY(report.comparison().error.empty());
    QVERIFY(!report.comparison().kernels.empty());
    QVERIFY(report.comparison().total_before > 0);
    report.resize(report.sizeHint());
    QVERIFY(not_blank(report.grab().toImage()));
  }

  void run_in_the_background_compares_with_unoptimized() {
    TransformationsPanel transformations(session_.get());
    // An exact transformation (mixed-precision, often ranked first, changes the numbers).
    auto* candidates = child<QTreeWidget>(&transformations, "candidates");
    for (int i = 0; i < candidates->topLevelItemCount(); ++i)
      if (candidates->topLevelItem(i)->text(0) == "expand") {
        candidates->setCurrentItem(candidates->topLevelItem(i));
        break;
      }
    QTest::mouseClick(child<QPushButton>(&transformations, "applyButton"), Qt::LeftButton);
    RunPanel run(session_.get());
    QSignalSpy finished(&run, &RunPanel::finished);
    QVERIFY(run.start(1234));
    QVERIFY(run.running());  // the GUI thread is free meanwhile
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 300000);
    QVERIFY2(run.last_report().ok, run.last_report().diagnostic.c_str());
    QVERIFY2(run.last_report().max_error < 1e-3,
             qPrintable(QString::number(run.last_report().max_error)));
    QVERIFY(!run.last_report().kernel_times.empty());
    QVERIFY(child<QTableWidget>(&run, "kernelTimes")->rowCount() > 0);

    // Not an ONNX model: refused with a message, nothing started.
    QVERIFY(session_->open(kProgramFile));
    QVERIFY(!run.start(1));
  }

private:
  QTemporaryDir dir_;
  std::unique_ptr<WorkbenchSession> session_;
};

QTEST_MAIN(PanelsTest)
#include "panels_test.moc"
