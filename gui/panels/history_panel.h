#pragma once
/// The history panel is the recipe: the program as opened, then every step (the undone ones
/// greyed until they are redone or replaced); click a row to go to that point. Undo, redo,
/// save and load a recipe, replay a loaded recipe step by step or all at once.

#include <QWidget>

#include "gui/session/workbench_session.h"

class QLabel;
class QListWidget;
class QPushButton;

namespace sluice::gui {

class HistoryPanel : public QWidget {
  Q_OBJECT

public:
  explicit HistoryPanel(WorkbenchSession* session, QWidget* parent = nullptr);

  void refresh();
  /// What the Save / Load buttons do after asking for a file (tests call these directly).
  bool save_recipe_to(const QString& path);
  bool load_recipe_from(const QString& path);

private:
  WorkbenchSession* session_;
  QListWidget* steps_;
  QPushButton* undo_;
  QPushButton* redo_;
  QPushButton* save_;
  QPushButton* load_;
  QPushButton* replay_next_;
  QPushButton* replay_all_;
  QLabel* status_;
};

}  // namespace sluice::gui
