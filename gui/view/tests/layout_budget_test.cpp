// The layout of a 5,000-node program finishes within its budget, off the GUI thread: the GUI
// thread keeps handling events (a timer ticks) while Graphviz works.

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <chrono>

#include "gui/view/graph_description.h"
#include "gui/view/layout_job.h"
#include "large_program.h"

using namespace sluice::gui;

class LayoutBudgetTest : public QObject {
  Q_OBJECT
private slots:
  void describes_every_node() {
    const sluice::ir::Program program = testing::large_program(5000);
    const GraphDescription d = describe_program(program, {});
    QVERIFY2(d.nodes.size() >= 5000, qPrintable(QString::number(d.nodes.size())));
    QVERIFY(!d.scopes.empty());  // the maps are clusters
  }

  void five_thousand_nodes_lay_out_in_budget_without_blocking() {
    const sluice::ir::Program program = testing::large_program(5000);
    GraphDescription description = describe_program(program, {});
    const std::size_t node_count = description.nodes.size();

    LayoutJob job;
    QSignalSpy done(&job, &LayoutJob::finished);
    int ticks = 0;
    QTimer ticker;
    ticker.setInterval(20);
    QObject::connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
    ticker.start();

    QElapsedTimer clock;
    clock.start();
    job.start(std::move(description));
    QVERIFY(job.running());
    QVERIFY(done.wait(10000));
    const qint64 elapsed = clock.elapsed();
    qInfo("layout of %zu nodes: %lld ms, %d timer ticks meanwhile", node_count, elapsed, ticks);
    QVERIFY2(elapsed < 3000, qPrintable(QString("layout took %1 ms").arg(elapsed)));
    // The GUI thread ran its event loop during the layout: at least a few ticks per 100 ms.
    QVERIFY2(ticks >= static_cast<int>(elapsed / 100), qPrintable(QString("%1 ticks").arg(ticks)));

    const auto graph = done.takeFirst().at(0).value<std::shared_ptr<const LaidOutGraph>>();
    QVERIFY(graph);
    QVERIFY(graph->layout.error.empty());
    QCOMPARE(graph->layout.nodes.size(), node_count);
    QVERIFY(graph->layout.width > 0 && graph->layout.height > 0);
  }

  void many_maps_lay_out_fast_with_midpoint_labels() {
    // Labels placed by dot inside many clusters cost seconds (608 nodes, 60 maps: 13 s).
    const GraphDescription many_maps = describe_program(testing::large_program(600), {});
    QVERIFY(!dot_places_labels(many_maps));
    QVERIFY(dot_places_labels(describe_program(testing::large_program(40), {})));
    QElapsedTimer clock;
    clock.start();
    const GraphLayout layout = layout_graph(many_maps);
    QVERIFY(layout.error.empty());
    QVERIFY2(clock.elapsed() < 3000, qPrintable(QString("layout took %1 ms").arg(clock.elapsed())));
  }

  void a_newer_request_supersedes_an_older_one() {
    const sluice::ir::Program small = testing::large_program(30);
    const sluice::ir::Program larger = testing::large_program(60);
    LayoutJob job;
    QSignalSpy done(&job, &LayoutJob::finished);
    job.start(describe_program(small, {}));
    job.start(describe_program(larger, {}));
    QTRY_VERIFY_WITH_TIMEOUT(!job.running(), 10000);
    QCOMPARE(done.count(), 1);
    const auto graph = done.takeFirst().at(0).value<std::shared_ptr<const LaidOutGraph>>();
    QCOMPARE(graph->description.nodes.size(), describe_program(larger, {}).nodes.size());
  }
};

QTEST_MAIN(LayoutBudgetTest)
#include "layout_budget_test.moc"
