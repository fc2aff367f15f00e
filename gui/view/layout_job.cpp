#include "gui/view/layout_job.h"

#include <QtConcurrent/QtConcurrentRun>

namespace sluice::gui {

LayoutJob::LayoutJob(QObject* parent) : QObject(parent) {}

// Outstanding workers hold their input by value and their watcher is a child of this object:
// destroying the job waits for none of them, and a late result finds no receiver.
LayoutJob::~LayoutJob() = default;

void LayoutJob::start(GraphDescription description) {
  const int generation = ++generation_;
  ++pending_;
  auto* watcher = new QFutureWatcher<std::shared_ptr<const LaidOutGraph>>(this);
  connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation] {
    --pending_;
    deliver(generation, watcher->result());
    watcher->deleteLater();
  });
  watcher->setFuture(QtConcurrent::run([input = std::move(description)]() mutable {
    auto graph = std::make_shared<LaidOutGraph>();
    graph->layout = layout_graph(input);
    graph->description = std::move(input);
    return std::shared_ptr<const LaidOutGraph>(std::move(graph));
  }));
}

void LayoutJob::deliver(int generation, std::shared_ptr<const LaidOutGraph> graph) {
  if (generation == generation_) emit finished(std::move(graph));
}

}  // namespace sluice::gui
