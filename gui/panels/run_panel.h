#pragma once
/// The run panel: compiles the opened model unoptimized and with the session's recipe in the
/// background (QtConcurrent; the window stays live, a progress bar follows the stages), runs
/// both on the same random inputs, and shows per-kernel times and the largest output
/// difference. A failed compile or run shows the diagnostic.

#include <QFutureWatcher>
#include <QWidget>

#include "gui/session/model_runner.h"
#include "gui/session/workbench_session.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace sluice::gui {

class RunPanel : public QWidget {
  Q_OBJECT

public:
  explicit RunPanel(WorkbenchSession* session, QWidget* parent = nullptr);
  ~RunPanel() override;

  /// Starts a compile and run; false (and a message) when one is running or nothing to run.
  bool start(std::uint64_t seed = 0);
  [[nodiscard]] bool running() const { return watcher_.isRunning(); }
  [[nodiscard]] const RunReport& last_report() const { return report_; }

signals:
  /// A run ended (ok or not); the graph view's time overlay reads `report.kernel_times`.
  void finished(const sluice::gui::RunReport& report);

private:
  void show_progress(int step, int steps, const QString& what);
  void show_report();

  WorkbenchSession* session_;
  QFutureWatcher<RunReport> watcher_;
  RunReport report_;
  QPushButton* run_;
  QProgressBar* progress_;
  QLabel* status_;
  QTableWidget* times_;
};

}  // namespace sluice::gui
