// The `sluice-gui` command line: --screenshot writes a PNG that is not blank; bad input exits
// non-zero with a message naming the problem.

#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Result {
  int exit_code = -1;
  QString out;
  QString err;
};

Result run_gui(const QStringList& arguments) {
  QProcess process;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.remove("QT_QPA_PLATFORM");  // --screenshot must choose offscreen by itself
  env.insert("XDG_CONFIG_HOME", QDir::tempPath() + "/sluice-gui-cli-test");
  process.setProcessEnvironment(env);
  process.start(SLUICE_GUI_EXECUTABLE, arguments);
  if (!process.waitForFinished(120000)) return {};
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          QString::fromUtf8(process.readAllStandardOutput()),
          QString::fromUtf8(process.readAllStandardError())};
}

QString model() {
  return qEnvironmentVariable("SLUICE_SOURCE_DIR") + "/samples/models/tiny_transformer.onnx";
}

/// Distinct colours in a sample of the image: a blank or single-colour window has very few.
int distinct_colours(const QImage& image) {
  QSet<QRgb> colours;
  for (int y = 0; y < image.height(); y += 7)
    for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
  return static_cast<int>(colours.size());
}

}  // namespace

class CliTest : public QObject {
  Q_OBJECT
private slots:
  void screenshot_is_written_and_not_blank() {
    QTemporaryDir dir;
    const QString out = dir.filePath("shot.png");
    const Result result = run_gui({"--screenshot", out, "--overlay", "data-movement", model()});
    QVERIFY2(result.exit_code == 0, qPrintable(result.err));
    QImage image(out);
    QVERIFY(!image.isNull());
    QCOMPARE(image.width(), 1600);
    QVERIFY2(distinct_colours(image) > 20, qPrintable(QString::number(distinct_colours(image))));
  }

  void screenshot_with_a_selection() {
    QTemporaryDir dir;
    const QString out = dir.filePath("selected.png");
    const Result result =
        run_gui({"--screenshot", out, "--select", "MatMul", "--overlay", "flops", model()});
    QVERIFY2(result.exit_code == 0, qPrintable(result.err));
    QVERIFY(!QImage(out).isNull());
  }

  void symbols_give_a_symbolic_program_its_overlay() {
    QTemporaryDir dir;
    const QString program =
        qEnvironmentVariable("SLUICE_SOURCE_DIR") + "/samples/softmax.sluice.json";
    Result result =
        run_gui({"--screenshot", dir.filePath("a.png"), "--overlay", "data-movement", program});
    QCOMPARE(result.exit_code, 1);
    QVERIFY2(result.err.contains("unbound symbol 'N'"), qPrintable(result.err));
    result = run_gui({"--screenshot", dir.filePath("b.png"), "--overlay", "data-movement",
                      "--symbol", "N=64", "--symbol", "M=32", program});
    QVERIFY2(result.exit_code == 0, qPrintable(result.err));
    result = run_gui({"--screenshot", dir.filePath("c.png"), "--symbol", "N", program});
    QCOMPARE(result.exit_code, 1);
    QVERIFY2(result.err.contains("--symbol N: write NAME=INTEGER"), qPrintable(result.err));
  }

  void a_missing_model_exits_non_zero_with_a_message() {
    QTemporaryDir dir;
    const QString out = dir.filePath("never.png");
    const Result result = run_gui({"--screenshot", out, "/no/such/model.onnx"});
    QCOMPARE(result.exit_code, 1);
    QVERIFY2(result.err.contains("/no/such/model.onnx") && result.err.contains("no such file"),
             qPrintable(result.err));
    QVERIFY(!QFile::exists(out));
  }

  void a_malformed_model_exits_non_zero() {
    QTemporaryDir dir;
    const QString bad = dir.filePath("bad.onnx");
    QFile file(bad);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("not a protobuf");
    file.close();
    const Result result = run_gui({"--screenshot", dir.filePath("x.png"), bad});
    QCOMPARE(result.exit_code, 1);
    QVERIFY2(result.err.contains("bad.onnx"), qPrintable(result.err));
  }

  void unknown_node_and_overlay_are_refused() {
    QTemporaryDir dir;
    Result result =
        run_gui({"--screenshot", dir.filePath("x.png"), "--select", "nope-nothing", model()});
    QCOMPARE(result.exit_code, 1);
    QVERIFY2(result.err.contains("--select nope-nothing"), qPrintable(result.err));
    result = run_gui({"--screenshot", dir.filePath("x.png"), "--overlay", "heat", model()});
    QCOMPARE(result.exit_code, 1);
    QVERIFY2(result.err.contains("--overlay heat"), qPrintable(result.err));
  }
};

QTEST_MAIN(CliTest)
#include "cli_test.moc"
