// The main window: opening the sample model, a program file, bad input (an error message, not a
// crash, and the current document stays), saving the program, the docks for the session.

#include "gui/app/main_window.h"

#include <QDockWidget>
#include <QMessageBox>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "gui/app/document_loader.h"
#include "ir/program_io.h"
#include "transforms/pipeline.h"
#include "transforms/recipe.h"
#include "transforms/registry.h"

using namespace sluice::gui;

namespace {

QString source(const QString& relative) {
  return qEnvironmentVariable("SLUICE_SOURCE_DIR") + "/" + relative;
}

bool open_and_lay_out(MainWindow& window, const QString& path) {
  QSignalSpy done(window.graph(), &GraphWidget::layout_finished);
  return window.open_file(path) && done.wait(20000);
}

}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT
private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // the session's autosave stays out of $HOME
    QCoreApplication::setOrganizationName("SluiceTest");  // keep the user's recent files alone
    QCoreApplication::setApplicationName("sluice-gui-test");
  }

  void opens_the_sample_model() {
    MainWindow window;
    window.show();
    QSignalSpy opened(&window, &MainWindow::document_opened);
    QVERIFY(open_and_lay_out(window, source("samples/models/tiny_transformer.onnx")));
    QCOMPARE(opened.count(), 1);
    QVERIFY(window.graph()->node_count() > 20);
    QVERIFY(window.windowTitle().contains("tiny_transformer.onnx"));
  }

  void opens_a_program_file() {
    MainWindow window;
    QVERIFY(open_and_lay_out(window, source("samples/matmul.sluice.json")));
    QVERIFY(window.graph()->node_count() > 0);
  }

  void opens_a_model_with_a_recipe() {
    // The recipe of `expand` on the sample model, as `sluice opt --record` would write it.
    const QString model = source("samples/models/tiny_transformer.onnx");
    sluice::ir::Program expected = load_document(model.toStdString());
    const auto& registry = sluice::transforms::Registry::global();
    const sluice::transforms::Recipe recipe = sluice::transforms::run_pipeline(
        expected, sluice::transforms::parse_pipeline("expand", registry), registry);
    QVERIFY(!recipe.steps.empty());
    QTemporaryDir dir;
    const QString recipe_path = dir.filePath("expand.recipe.json");
    sluice::transforms::save_recipe(recipe, recipe_path.toStdString());

    MainWindow window;
    QSignalSpy done(window.graph(), &GraphWidget::layout_finished);
    QVERIFY(window.open_file(model, recipe_path));
    QVERIFY(done.wait(30000));
    QVERIFY(*window.graph()->program() == expected);

    window.set_quiet(true);
    QVERIFY(!window.open_file(model, dir.filePath("missing.recipe.json")));
    QVERIFY2(window.last_error().contains("missing.recipe.json"), qPrintable(window.last_error()));
  }

  void a_missing_file_shows_an_error_and_keeps_the_document() {
    MainWindow window;
    window.show();
    QVERIFY(open_and_lay_out(window, source("samples/matmul.sluice.json")));
    const int before = window.graph()->node_count();
    QSignalSpy errors(&window, &MainWindow::error_shown);
    QVERIFY(!window.open_file("/no/such/model.onnx"));
    QCOMPARE(errors.count(), 1);
    QVERIFY2(window.last_error().contains("no such file"), qPrintable(window.last_error()));
    auto* dialog = window.findChild<QMessageBox*>("errorDialog");
    QVERIFY(dialog != nullptr);
    QTRY_VERIFY(dialog->isVisible());
    QCOMPARE(window.graph()->node_count(), before);
    QCOMPARE(window.current_file(), source("samples/matmul.sluice.json"));
  }

  void a_malformed_file_shows_an_error() {
    QTemporaryDir dir;
    const QString bad_program = dir.filePath("bad.sluice.json");
    const QString bad_model = dir.filePath("bad.onnx");
    for (const QString& path : {bad_program, bad_model}) {
      QFile file(path);
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write("{ this is not what it claims to be");
    }
    MainWindow window;
    window.set_quiet(true);
    QVERIFY(!window.open_file(bad_program));
    QVERIFY(window.last_error().contains("bad.sluice.json"));
    QVERIFY(!window.open_file(bad_model));
    QVERIFY(window.last_error().contains("bad.onnx"));
    QVERIFY(window.findChild<QMessageBox*>() == nullptr);  // quiet: no dialog
  }

  void saves_the_program() {
    QTemporaryDir dir;
    MainWindow window;
    QVERIFY(open_and_lay_out(window, source("samples/matmul.sluice.json")));
    const QString out = dir.filePath("saved.sluice.json");
    QVERIFY(window.save_program(out));
    QVERIFY(sluice::ir::load_program(out.toStdString()) == *window.graph()->program());
    window.set_quiet(true);
    QVERIFY(!window.save_program(dir.filePath("missing/folder/x.sluice.json")));
  }

  void has_a_dock_for_each_session_panel() {
    MainWindow window;
    for (const QString& name : MainWindow::dock_names()) QVERIFY(window.dock(name) != nullptr);
    auto* panel = new QWidget;
    window.set_dock_widget("History", panel);
    QCOMPARE(window.dock("History")->widget(), panel);
  }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
