#include "gui/panels/data_movement_report_view.h"

#include <QPainter>
#include <algorithm>

#include "gui/panels/byte_text.h"

namespace sluice::gui {

namespace {

constexpr int kRow = 22;     // pixels per kernel: two bars
constexpr int kHeader = 46;  // totals and legend
constexpr int kLabelWidth = 170;
const QColor kBefore(150, 150, 150);
const QColor kAfter(40, 110, 200);

}  // namespace

DataMovementReportView::DataMovementReportView(WorkbenchSession* session, QWidget* parent)
    : QWidget(parent), session_(session) {
  setObjectName("dataMovementReport");
  setAutoFillBackground(true);
  connect(session_, &WorkbenchSession::program_changed, this, [this] { refresh(); });
  refresh();
}

void DataMovementReportView::refresh() {
  comparison_ = compare_movement(session_->original_program(), session_->program(),
                                 session_->symbol_values());
  updateGeometry();
  update();
}

QSize DataMovementReportView::sizeHint() const {
  return {640, kHeader + kRow * static_cast<int>(comparison_.kernels.size()) + 8};
}

void DataMovementReportView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  p.setPen(palette().text().color());
  if (!comparison_.error.empty()) {
    p.drawText(rect().adjusted(8, 8, -8, -8), Qt::TextWordWrap,
               tr("No report: %1").arg(QString::fromStdString(comparison_.error)));
    return;
  }
  const double change =
      comparison_.total_before > 0
          ? 100.0 * (comparison_.total_after - comparison_.total_before) / comparison_.total_before
          : 0.0;
  p.drawText(8, 16,
             tr("Total: %1 before, %2 after (%3%4%)")
                 .arg(byte_text(comparison_.total_before), byte_text(comparison_.total_after))
                 .arg(change >= 0 ? "+" : "")
                 .arg(change, 0, 'f', 1));
  p.fillRect(8, 26, 12, 10, kBefore);
  p.drawText(24, 36, tr("before"));
  p.fillRect(84, 26, 12, 10, kAfter);
  p.drawText(100, 36, tr("after"));

  double largest = 1.0;
  for (const KernelBytes& k : comparison_.kernels) largest = std::max({largest, k.before, k.after});
  const int bar_width = std::max(40, width() - kLabelWidth - 100);
  int y = kHeader;
  for (const KernelBytes& k : comparison_.kernels) {
    p.setPen(palette().text().color());
    p.drawText(QRect(4, y, kLabelWidth - 8, kRow - 2), Qt::AlignVCenter | Qt::AlignRight,
               p.fontMetrics().elidedText(QString::fromStdString(k.label), Qt::ElideRight,
                                          kLabelWidth - 8));
    const auto length = [&](double bytes) { return static_cast<int>(bar_width * bytes / largest); };
    p.fillRect(kLabelWidth, y + 2, length(k.before), 8, kBefore);
    p.fillRect(kLabelWidth, y + 11, length(k.after), 8, kAfter);
    p.drawText(kLabelWidth + std::max(length(k.before), length(k.after)) + 6, y + 16,
               byte_text(k.after));
    y += kRow;
  }
}

}  // namespace sluice::gui
