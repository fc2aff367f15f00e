#pragma once
/// The transformations panel: what applies to the selection (or the whole program), ranked by
/// the cost model's predicted saving, with each one's parameters; on request, what does not
/// apply and why; Preview (highlight what would change, commit nothing) and Apply.

#include <QWidget>

#include "gui/session/workbench_session.h"

class QCheckBox;
class QFormLayout;
class QLabel;
class QListWidget;
class QPushButton;
class QTreeWidget;

namespace sluice::gui {

class TransformationsPanel : public QWidget {
  Q_OBJECT

public:
  explicit TransformationsPanel(WorkbenchSession* session, QWidget* parent = nullptr);

  /// Lists again (the session's program or selection changed).
  void refresh();
  [[nodiscard]] const Listing& listing() const { return listing_; }
  /// The row picked in the list, if any.
  [[nodiscard]] const Candidate* current() const;

signals:
  /// A preview to show: the graph view highlights `preview.changed`.
  void preview_ready(const sluice::gui::Preview& preview);

private:
  void show_parameters();
  [[nodiscard]] transforms::ParamValues edited_params() const;
  void preview_current();
  void apply_current();

  WorkbenchSession* session_;
  Listing listing_;
  QTreeWidget* candidates_;
  QFormLayout* params_;
  QWidget* params_box_;
  QCheckBox* why_not_;
  QListWidget* refusals_;
  QPushButton* preview_;
  QPushButton* apply_;
  QLabel* status_;
};

}  // namespace sluice::gui
