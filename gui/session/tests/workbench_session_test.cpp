// WorkbenchSession on the sample transformer: list, preview, apply, undo, redo, the recipe
// saved, reloaded and replayed step by step (equal to the CLI's replay), refused edits, autosave.
#include "gui/session/workbench_session.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "ir/program_io.h"
#include "ir/text_format.h"

using sluice::gui::NodeRef;
using sluice::gui::PropertyTarget;
using sluice::gui::WorkbenchSession;

namespace {

const QString kModel = QStringLiteral(SLUICE_SOURCE_DIR "/samples/models/tiny_transformer.onnx");

/// The first library node of the start state whose op is `op`.
NodeRef first_library(const sluice::ir::Program& program, const std::string& op) {
  const sluice::ir::Graph& g = program.states[program.start_state].graph;
  for (const auto id : g.node_ids())
    if (const auto* lib = std::get_if<sluice::ir::LibraryNode>(&g.node(id)); lib && lib->op == op)
      return {{program.start_state, {}}, id};
  return {};
}

/// Applies the top-ranked candidate for the whole program `n` times.
void apply_top(WorkbenchSession& session, int n) {
  for (int i = 0; i < n; ++i) {
    const auto listing = session.list_transformations();
    QVERIFY(!listing.candidates.empty());
    qInfo("applying %s at %s", listing.candidates.front().match.transformation.c_str(),
          listing.candidates.front().location.c_str());
    QVERIFY(session.apply(listing.candidates.front()));
  }
}

}  // namespace

class WorkbenchSessionTest : public QObject {
  Q_OBJECT

private slots:
  void initTestCase() { QVERIFY(recovery_.isValid()); }

  void list_preview_apply_undo_redo() {
    WorkbenchSession session;
    session.set_recovery_dir(recovery_.path() + "/a");
    QVERIFY(session.open(kModel));
    const sluice::ir::Program original = session.program();
    session.set_selection({first_library(original, "MatMul")});
    const auto listing = session.list_transformations(true);
    QVERIFY(!listing.candidates.empty());
    for (std::size_t i = 1; i < listing.candidates.size(); ++i)
      QVERIFY(listing.candidates[i - 1].bytes_saved.value_or(-1e300) >=
              listing.candidates[i].bytes_saved.value_or(-1e300));
    QVERIFY(!listing.refusals.empty());  // "why not" on request
    for (const auto& r : listing.refusals) QVERIFY(!r.reason.empty());

    const auto preview = session.preview(listing.candidates.front());
    QVERIFY(preview.has_value());
    QVERIFY(!preview->changed.empty());
    QVERIFY(preview->program != original);
    QVERIFY(session.program() == original);  // a preview commits nothing

    QSignalSpy changed(&session, &WorkbenchSession::program_changed);
    QVERIFY(session.apply(listing.candidates.front()));
    QCOMPARE(changed.count(), 1);
    QVERIFY(session.program() == preview->program);
    QCOMPARE(session.current_step(), std::size_t{1});
    QVERIFY(session.undo());
    QVERIFY(session.program() == original);
    QVERIFY(session.redo());
    QVERIFY(session.program() == preview->program);
    QVERIFY(session.go_to_step(0));
    QVERIFY(session.program() == original);
    QCOMPARE(session.all_steps().size(), std::size_t{1});  // the undone step is still offered
  }

  void recipe_replay_equals_cli() {
    WorkbenchSession session;
    session.set_recovery_dir(recovery_.path() + "/b");
    QVERIFY(session.open(kModel));
    apply_top(session, 3);
    const QString recipe = recovery_.path() + "/r.recipe.json";
    QVERIFY(session.save_recipe(recipe));

    WorkbenchSession again;
    again.set_recovery_dir(recovery_.path() + "/c");
    QVERIFY(again.open(kModel));
    QVERIFY(again.load_recipe(recipe));
    QCOMPARE(again.replay_remaining(), std::size_t{3});
    QVERIFY(again.replay_next());  // step by step
    QCOMPARE(again.current_step(), std::size_t{1});
    QVERIFY(again.replay_all());
    QVERIFY(again.program() == session.program());

    const QString out = recovery_.path() + "/cli.sluice.txt";
    QProcess cli;
    cli.start(QStringLiteral(SLUICE_CLI), {"opt", kModel, "--recipe", recipe, "-o", out});
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    const sluice::ir::Program replayed = sluice::ir::load_program(out.toStdString());
    QCOMPARE(QString::fromStdString(sluice::ir::print_text(again.program())),
             QString::fromStdString(sluice::ir::print_text(replayed)));
  }

  void refused_edit_leaves_program_unchanged() {
    WorkbenchSession session;
    session.set_recovery_dir(recovery_.path() + "/d");
    QVERIFY(session.open(kModel));
    const sluice::ir::Program before = session.program();
    const NodeRef matmul = first_library(before, "MatMul");
    const auto& graph = before.states[matmul.scope.state].graph;
    const PropertyTarget memlet{PropertyTarget::Kind::Memlet, matmul.scope,
                                graph.in_edges(matmul.node).front().value};
    QSignalSpy errors(&session, &WorkbenchSession::error);
    QVERIFY(!session.edit_property(memlet, "subset", "0:100000, 0:100000, 0:100000"));
    QVERIFY(!session.edit_property(memlet, "wcr", "xor"));
    QCOMPARE(errors.count(), 2);
    qInfo("refused: %s", qPrintable(errors.at(0).at(0).toString()));
    qInfo("refused: %s", qPrintable(errors.at(1).at(0).toString()));
    QVERIFY(session.program() == before);
    QCOMPARE(session.current_step(), std::size_t{0});

    const PropertyTarget node{PropertyTarget::Kind::Node, matmul.scope, matmul.node.value};
    QVERIFY(session.edit_property(node, "label", "renamed_matmul"));
    QCOMPARE(session.current_step(), std::size_t{1});
    QCOMPARE(session.recipe().steps.front().transformation, std::string("edit-property"));
    QVERIFY(session.undo());
    QVERIFY(session.program() == before);
  }

  void autosave_and_restore() {
    const QString dir = recovery_.path() + "/e";
    sluice::ir::Program saved;
    {
      WorkbenchSession crashed;
      crashed.set_recovery_dir(dir);
      QVERIFY(crashed.open(kModel));
      apply_top(crashed, 2);
      const NodeRef add = first_library(crashed.program(), "Add");
      if (add.node.valid())
        QVERIFY(crashed.edit_property({PropertyTarget::Kind::Node, add.scope, add.node.value},
                                      "label", "edited_add"));
      saved = crashed.program();
    }  // no discard_recovery: as if it crashed
    WorkbenchSession restored;
    restored.set_recovery_dir(dir);
    QVERIFY(restored.has_recovery());
    QVERIFY(restored.restore_recovery());
    QVERIFY(restored.program() == saved);
    QCOMPARE(restored.source_path(), kModel);
    QVERIFY(restored.undo());  // the history came back too
    restored.discard_recovery();
    QVERIFY(!restored.has_recovery());
  }

  void plugin_appears_like_a_built_in() {
    WorkbenchSession session;
    session.set_recovery_dir(recovery_.path() + "/f");
    QVERIFY(session.open(kModel));
    QSignalSpy errors(&session, &WorkbenchSession::error);
    QVERIFY(!session.load_plugin(SLUICE_PLUGIN_DIR "/old_api_plugin.so"));  // refused, named
    QCOMPARE(errors.count(), 1);
    QVERIFY(session.load_plugin(SLUICE_PLUGIN_DIR "/bias_gelu_plugin.so"));
    QVERIFY(session.registry().origin("bias-gelu-fusion").starts_with("plugin"));
    const auto listing = session.list_transformations(true);
    bool listed = false;
    for (const auto& c : listing.candidates) listed |= c.match.transformation == "bias-gelu-fusion";
    for (const auto& r : listing.refusals) listed |= r.transformation == "bias-gelu-fusion";
    QVERIFY(listed);
  }

private:
  QTemporaryDir recovery_;
};

QTEST_GUILESS_MAIN(WorkbenchSessionTest)
#include "workbench_session_test.moc"
