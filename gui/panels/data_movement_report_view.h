#pragma once
/// The data-movement report: bytes read + written per kernel before (the program as opened)
/// and after (the current program), as paired horizontal bars painted with QPainter, with the
/// totals on top. The numbers are the analysis' (movement_comparison.h), as `sluice opt` prints.

#include <QWidget>

#include "gui/session/movement_comparison.h"
#include "gui/session/workbench_session.h"

namespace sluice::gui {

class DataMovementReportView : public QWidget {
  Q_OBJECT

public:
  explicit DataMovementReportView(WorkbenchSession* session, QWidget* parent = nullptr);

  void refresh();
  [[nodiscard]] const MovementComparison& comparison() const { return comparison_; }
  [[nodiscard]] QSize sizeHint() const override;

protected:
  void paintEvent(QPaintEvent* event) override;

private:
  WorkbenchSession* session_;
  MovementComparison comparison_;
};

}  // namespace sluice::gui
