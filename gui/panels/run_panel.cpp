#include "gui/panels/run_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <random>

#include <QtConcurrent/QtConcurrentRun>

namespace sluice::gui {

RunPanel::RunPanel(WorkbenchSession* session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      run_(new QPushButton(tr("Compile and run"), this)),
      progress_(new QProgressBar(this)),
      status_(new QLabel(this)),
      times_(new QTableWidget(0, 2, this)) {
  run_->setObjectName("runButton");
  progress_->setObjectName("progress");
  status_->setObjectName("status");
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  times_->setObjectName("kernelTimes");
  times_->setHorizontalHeaderLabels({tr("Kernel"), tr("Time")});
  times_->horizontalHeader()->setStretchLastSection(true);
  times_->verticalHeader()->setVisible(false);
  times_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  progress_->setRange(0, 4);
  progress_->setValue(0);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(run_);
  layout->addWidget(progress_);
  layout->addWidget(status_);
  layout->addWidget(times_);
  connect(run_, &QPushButton::clicked, this, [this] { start(std::random_device{}()); });
  connect(&watcher_, &QFutureWatcher<RunReport>::finished, this, [this] { show_report(); });
}

RunPanel::~RunPanel() { watcher_.waitForFinished(); }  // the worker reports to this object

bool RunPanel::start(std::uint64_t seed) {
  if (running()) return false;
  const std::string path = session_->source_path().toStdString();
  if (!path.ends_with(".onnx")) {
    status_->setText(tr("Running needs a model opened from an ONNX file."));
    return false;
  }
  RunRequest request{path, session_->recipe(), seed, 3};
  run_->setEnabled(false);
  progress_->setValue(0);
  status_->setText(tr("Starting (seed %1)").arg(seed));
  QPointer<RunPanel> self(this);
  watcher_.setFuture(QtConcurrent::run([request, self] {
    return compile_and_compare(request, [self](int step, int steps, const std::string& what) {
      const QString text = QString::fromStdString(what);
      if (self)
        QMetaObject::invokeMethod(
            self,
            [self, step, steps, text] {
              if (self) self->show_progress(step, steps, text);
            },
            Qt::QueuedConnection);
    });
  }));
  return true;
}

void RunPanel::show_progress(int step, int steps, const QString& what) {
  progress_->setRange(0, steps);
  progress_->setValue(step);
  status_->setText(what);
}

void RunPanel::show_report() {
  report_ = watcher_.result();
  run_->setEnabled(true);
  progress_->setValue(progress_->maximum());
  times_->setRowCount(0);
  if (!report_.ok) {
    status_->setText(tr("Failed:\n%1").arg(QString::fromStdString(report_.diagnostic)));
    emit finished(report_);
    return;
  }
  status_->setText(tr("Max error vs the unoptimized program: %1 (seed %2; compiled in %3 s)")
                       .arg(report_.max_error, 0, 'g', 3)
                       .arg(report_.seed)
                       .arg(report_.compile_seconds, 0, 'f', 2));
  for (const KernelSeconds& k : report_.kernel_times) {
    const int row = times_->rowCount();
    times_->insertRow(row);
    times_->setItem(row, 0, new QTableWidgetItem(QString::fromStdString(k.kernel)));
    times_->setItem(row, 1,
                    new QTableWidgetItem(QStringLiteral("%1 us").arg(k.seconds * 1e6, 0, 'f', 1)));
  }
  emit finished(report_);
}

}  // namespace sluice::gui
