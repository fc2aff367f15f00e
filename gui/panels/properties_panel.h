#pragma once
/// The properties panel: the fields of one node, memlet or container; editing a value sends it
/// to the session as a verified, recorded edit. A refused edit shows why and the old value
/// comes back.

#include <QWidget>
#include <optional>

#include "gui/session/workbench_session.h"

class QLabel;
class QTableWidget;

namespace sluice::gui {

class PropertiesPanel : public QWidget {
  Q_OBJECT

public:
  explicit PropertiesPanel(WorkbenchSession* session, QWidget* parent = nullptr);

  void set_target(const PropertyTarget& target);
  void clear_target();
  void refresh();
  /// What editing a cell does (tests call it with the cell's new text).
  bool edit(const QString& field, const QString& value);

private:
  WorkbenchSession* session_;
  std::optional<PropertyTarget> target_;
  QLabel* title_;
  QTableWidget* table_;
  QLabel* status_;
  bool filling_ = false;  // cell changes made by refresh() are not edits
};

}  // namespace sluice::gui
