#include "gui/app/screenshot.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QTimer>
#include <iostream>

#include "gui/app/main_window.h"

namespace sluice::gui {

namespace {

constexpr int kLayoutTimeoutMs = 120000;

int fail(QString message) {
  if (message.startsWith("error: ")) message.remove(0, 7);  // UserError's own prefix
  std::cerr << "sluice-gui: error: " << message.toStdString() << "\n";
  return 1;
}

/// Runs the event loop until the graph's layout is in place (or the time limit).
bool wait_for_layout(GraphWidget& graph) {
  QEventLoop loop;
  QObject::connect(&graph, &GraphWidget::layout_finished, &loop, &QEventLoop::quit);
  QTimer::singleShot(kLayoutTimeoutMs, &loop, &QEventLoop::quit);
  if (graph.layout_running()) loop.exec();
  return !graph.layout_running();
}

}  // namespace

int take_screenshot(MainWindow& window, const ScreenshotRequest& request) {
  if (!request.output.endsWith(".png", Qt::CaseInsensitive))
    return fail(QString("--screenshot %1: the screenshot is written as PNG: name it *.png")
                    .arg(request.output));
  const QFileInfo target(request.output);
  if (!target.absoluteDir().exists())
    return fail(QString("--screenshot %1: the folder '%2' is missing")
                    .arg(request.output, target.absolutePath()));
  OverlayKind overlay = OverlayKind::None;
  if (!request.overlay.isEmpty() && !parse_overlay_kind(request.overlay.toStdString(), overlay))
    return fail(QString("--overlay %1: unknown overlay (data-movement, flops, time, none)")
                    .arg(request.overlay));

  ir::analysis::SymbolValues symbols;
  for (const QString& assignment : request.symbols) {
    const QString name = assignment.section('=', 0, 0).trimmed();
    bool is_number = false;
    const qlonglong value = assignment.section('=', 1).trimmed().toLongLong(&is_number);
    if (name.isEmpty() || !assignment.contains('=') || !is_number)
      return fail(QString("--symbol %1: write NAME=INTEGER, e.g. N=64").arg(assignment));
    symbols[name.toStdString()] = value;
  }
  window.graph()->set_symbol_values(symbols);
  window.set_quiet(true);
  window.resize(request.width, request.height);
  window.show();
  if (!window.open_file(request.document, request.recipe)) return fail(window.last_error());
  if (!wait_for_layout(*window.graph())) return fail("the layout did not finish in time");
  if (overlay != OverlayKind::None && !window.graph()->set_overlay(overlay))
    return fail(QString("--overlay %1: %2").arg(request.overlay, window.graph()->last_message()));
  if (!request.select.isEmpty() && !window.graph()->select_by_name(request.select))
    return fail(
        QString("--select %1: no node of that name in %2").arg(request.select, request.document));
  QCoreApplication::processEvents();
  if (!window.grab().save(request.output, "PNG"))
    return fail(QString("--screenshot %1: cannot write the file").arg(request.output));
  std::cout << "wrote " << request.output.toStdString() << " (" << window.graph()->node_count()
            << " nodes)\n";
  return 0;
}

}  // namespace sluice::gui
