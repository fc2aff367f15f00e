#pragma once
/// The workbench window: the graph view in the middle, the editing session's panels in docks
/// around it, and the File menu (open a model, a program or a model with a recipe; save the
/// program; recent files; drag and drop).
///
/// Everything goes through one WorkbenchSession (gui/session/): opening a document starts its
/// history; a changed program is laid out again; a node selected in the graph is the session's
/// selection (listed for, shown in Properties, highlighted in Code); a preview outlines the
/// nodes it would change; a run's kernel times feed the graph's `time` overlay. At startup an
/// autosaved session that did not close cleanly is offered for restore (`offer_recovery`).

#include <QMainWindow>
#include <cstdint>
#include <map>

#include "gui/session/workbench_session.h"
#include "gui/view/graph_widget.h"
#include "ir/program.h"

class QDockWidget;
class QMenu;

namespace sluice::gui {

class CodeView;
class DataMovementReportView;
class HistoryPanel;
class PropertiesPanel;
class RunPanel;
class TransformationsPanel;

/// What to do at startup with an autosaved session that did not close cleanly.
enum class RecoveryChoice : std::uint8_t { Ask, Restore, Discard };

class MainWindow : public QMainWindow {
  Q_OBJECT
public:
  /// The docks, by object name, each holding the panel of that name.
  static const QStringList& dock_names();

  /// `recovery_dir` empty: the session's default folder (QStandardPaths); the autosave is
  /// off when `autosave` is false (headless screenshots).
  explicit MainWindow(QWidget* parent = nullptr, const QString& recovery_dir = {},
                      bool autosave = true);
  ~MainWindow() override;

  /// When the recovery folder holds an unsaved session: restore it (after asking, for `Ask`)
  /// or discard it. True when a session was restored.
  bool offer_recovery(RecoveryChoice choice = RecoveryChoice::Ask);

  /// Opens `path` (a model or a program), replaying `recipe` when given. On failure the current
  /// document stays, the error is shown (a dialog unless `set_quiet`) and false is returned.
  bool open_file(const QString& path, const QString& recipe = {});
  /// Writes the current program (*.sluice.json or *.sluice.txt). False, with the error shown,
  /// on failure.
  bool save_program(const QString& path);

  [[nodiscard]] GraphWidget* graph() const { return graph_; }
  [[nodiscard]] WorkbenchSession* session() const { return session_; }
  [[nodiscard]] TransformationsPanel* transformations_panel() const { return transformations_; }
  [[nodiscard]] HistoryPanel* history_panel() const { return history_; }
  [[nodiscard]] PropertiesPanel* properties_panel() const { return properties_; }
  [[nodiscard]] CodeView* code_view() const { return code_; }
  [[nodiscard]] DataMovementReportView* report_view() const { return report_; }
  [[nodiscard]] RunPanel* run_panel() const { return run_; }
  [[nodiscard]] QDockWidget* dock(const QString& name) const;
  /// Replaces a dock's content (the panel for that dock); the dock owns the widget.
  void set_dock_widget(const QString& name, QWidget* widget);
  [[nodiscard]] QString last_error() const { return last_error_; }
  [[nodiscard]] QString current_file() const { return current_file_; }
  /// Errors go to `error_shown` and stderr only, never to a dialog (headless runs, tests).
  void set_quiet(bool quiet) { quiet_ = quiet; }

signals:
  /// A document was opened; `program` is what it holds (after the recipe, if any).
  void document_opened(const QString& path, const sluice::ir::Program& program);
  void error_shown(const QString& message);

protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  /// A clean close: the autosave files go.
  void closeEvent(QCloseEvent* event) override;

private:
  void build_menus();
  void build_docks();
  void connect_session();
  void show_program();
  void select_in_session(const QString& key);
  void refresh_recent_menu();
  void show_error(const QString& title, const QString& message);
  void choose_and_open();
  void choose_model_and_recipe();
  void choose_and_save();

  GraphWidget* graph_;
  WorkbenchSession* session_;
  TransformationsPanel* transformations_;
  HistoryPanel* history_;
  PropertiesPanel* properties_;
  CodeView* code_;
  DataMovementReportView* report_;
  RunPanel* run_;
  std::map<QString, QDockWidget*> docks_;
  QMenu* recent_menu_ = nullptr;
  QString current_file_;
  QString last_error_;
  bool quiet_ = false;
};

}  // namespace sluice::gui
