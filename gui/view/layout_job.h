#pragma once
/// Runs `layout_graph` on a worker thread (QtConcurrent) so the window never freezes, and hands
/// the result back to the GUI thread by a signal. A newer request supersedes an older one: only
/// the latest request's result is delivered.

#include <QFutureWatcher>
#include <QObject>
#include <memory>

#include "gui/view/graph_description.h"
#include "gui/view/graph_layout.h"

namespace sluice::gui {

/// A description with its layout, shared between the worker and the scene.
struct LaidOutGraph {
  GraphDescription description;
  GraphLayout layout;
};

class LayoutJob : public QObject {
  Q_OBJECT
public:
  explicit LayoutJob(QObject* parent = nullptr);
  ~LayoutJob() override;

  /// Starts laying out `description`; a request still running is left to finish unseen.
  void start(GraphDescription description);
  [[nodiscard]] bool running() const { return pending_ > 0; }

signals:
  /// On the GUI thread, for the latest request only.
  void finished(std::shared_ptr<const sluice::gui::LaidOutGraph> graph);

private:
  void deliver(int generation, std::shared_ptr<const LaidOutGraph> graph);

  int generation_ = 0;
  int pending_ = 0;
};

}  // namespace sluice::gui

Q_DECLARE_METATYPE(std::shared_ptr<const sluice::gui::LaidOutGraph>)
