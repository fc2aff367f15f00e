#pragma once
/// The workbench window: the graph view in the middle, docks for the session's panels around
/// it, and the File menu (open a model, a program or a model with a recipe; save the program;
/// recent files; drag and drop).
///
/// The editing session drives it through `set_program` (after a transformation, an undo, ...)
/// and fills the docks with `set_dock_widget`; it learns about newly opened documents from
/// `document_opened` and about the selection from `graph()->selection_changed`.

#include <QMainWindow>
#include <map>

#include "gui/view/graph_widget.h"
#include "ir/program.h"

class QDockWidget;
class QMenu;

namespace sluice::gui {

class MainWindow : public QMainWindow {
  Q_OBJECT
public:
  /// The docks, by object name; each starts with a placeholder.
  static const QStringList& dock_names();

  explicit MainWindow(QWidget* parent = nullptr);

  /// Opens `path` (a model or a program), replaying `recipe` when given. On failure the current
  /// document stays, the error is shown (a dialog unless `set_quiet`) and false is returned.
  bool open_file(const QString& path, const QString& recipe = {});
  /// Writes the current program (*.sluice.json or *.sluice.txt). False, with the error shown,
  /// on failure.
  bool save_program(const QString& path);

  [[nodiscard]] GraphWidget* graph() const { return graph_; }
  [[nodiscard]] QDockWidget* dock(const QString& name) const;
  /// Replaces a dock's content (the panel for that dock); the dock owns the widget.
  void set_dock_widget(const QString& name, QWidget* widget);
  [[nodiscard]] QString last_error() const { return last_error_; }
  [[nodiscard]] QString current_file() const { return current_file_; }
  /// Errors go to `error_shown` and stderr only, never to a dialog (headless runs, tests).
  void set_quiet(bool quiet) { quiet_ = quiet; }

public slots:
  /// Shows `program` (the session's current program) in the graph view.
  void set_program(const sluice::ir::Program& program);

signals:
  /// A document was opened; `program` is what it holds (after the recipe, if any).
  void document_opened(const QString& path, const sluice::ir::Program& program);
  void error_shown(const QString& message);

protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

private:
  void build_menus();
  void build_docks();
  void refresh_recent_menu();
  void show_error(const QString& title, const QString& message);
  void choose_and_open();
  void choose_model_and_recipe();
  void choose_and_save();

  GraphWidget* graph_;
  std::map<QString, QDockWidget*> docks_;
  QMenu* recent_menu_ = nullptr;
  QString current_file_;
  QString last_error_;
  bool quiet_ = false;
};

}  // namespace sluice::gui
