// sluice-gui: the desktop workbench (docs/gui.md).
//   sluice-gui [--recipe R.json] [--restore] [--recovery-dir DIR] [MODEL_OR_PROGRAM]
//   sluice-gui --screenshot OUT.png [--select NODE] [--overlay data-movement|flops] MODEL

#include <QApplication>
#include <QCommandLineParser>
#include <iostream>
#include <string_view>

#include "gui/app/main_window.h"
#include "gui/app/screenshot.h"

namespace {

/// A screenshot (or the help text) needs no display: choose the offscreen platform unless the
/// caller chose one.
void prefer_offscreen_when_headless(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--screenshot" || arg.starts_with("--screenshot=") || arg == "--help" ||
        arg == "-h") {
      if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
      return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  prefer_offscreen_when_headless(argc, argv);
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Sluice");
  QApplication::setApplicationName("sluice-gui");

  QCommandLineParser parser;
  parser.setApplicationDescription("Sluice workbench: see and optimize where the bytes move.");
  parser.addHelpOption();
  const QCommandLineOption screenshot("screenshot", "Render the window to OUT.png and exit.",
                                      "OUT.png");
  const QCommandLineOption select("select", "Select (and centre) the node named NODE.", "NODE");
  const QCommandLineOption overlay("overlay", "Overlay: data-movement, flops, time or none.",
                                   "KIND");
  const QCommandLineOption recipe("recipe", "Replay this recipe on the opened model.", "R.json");
  const QCommandLineOption symbol("symbol", "A free symbol's value for the overlays (repeatable).",
                                  "NAME=VALUE");
  const QCommandLineOption restore(
      "restore",
      "Restore an unsaved session left by a crash without asking (also SLUICE_GUI_RESTORE=1).");
  const QCommandLineOption recovery_dir(
      "recovery-dir", "Where the session is autosaved (default: the user's app data folder).",
      "DIR");
  parser.addOptions({screenshot, select, overlay, recipe, symbol, restore, recovery_dir});
  parser.addPositionalArgument("document", "An ONNX model or a *.sluice.json program.", "[MODEL]");
  parser.process(app);
  const QStringList documents = parser.positionalArguments();

  // A headless screenshot must neither autosave nor touch the user's recovery files.
  sluice::gui::MainWindow window(nullptr, parser.value(recovery_dir), !parser.isSet(screenshot));
  if (parser.isSet(screenshot)) {
    if (documents.size() != 1) {
      std::cerr << "sluice-gui: error: --screenshot needs exactly one MODEL or program to show\n";
      return 1;
    }
    return sluice::gui::take_screenshot(
        window, {parser.value(screenshot), documents.first(), parser.value(recipe),
                 parser.value(select), parser.value(overlay), parser.values(symbol)});
  }
  window.resize(1400, 900);
  window.show();
  const bool restore_quietly =
      parser.isSet(restore) || qEnvironmentVariable("SLUICE_GUI_RESTORE") == "1";
  const bool restored = window.offer_recovery(restore_quietly ? sluice::gui::RecoveryChoice::Restore
                                                              : sluice::gui::RecoveryChoice::Ask);
  if (!restored && !documents.isEmpty()) {
    window.open_file(documents.first(), parser.value(recipe));
    if (parser.isSet(overlay)) {
      sluice::gui::OverlayKind kind{};
      if (sluice::gui::parse_overlay_kind(parser.value(overlay).toStdString(), kind))
        window.graph()->set_overlay(kind);
    }
  }
  return QApplication::exec();
}
