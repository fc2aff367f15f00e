#pragma once
/// `sluice-gui --screenshot OUT.png [--select NODE] [--overlay KIND] MODEL`: opens the
/// document in the real window, waits for its layout, applies the selection and the overlay,
/// and writes the window to a PNG. Used for docs/ and by the tests; runs headless under
/// QT_QPA_PLATFORM=offscreen.

#include <QString>
#include <QStringList>

namespace sluice::gui {

class MainWindow;

struct ScreenshotRequest {
  QString output;
  QString document;
  QString recipe;
  QString select;       ///< A node name; empty: no selection.
  QString overlay;      ///< "data-movement", "flops"; empty: none.
  QStringList symbols;  ///< `N=64`: values of free symbols for the overlays.
  int width = 1600;
  int height = 1000;
};

/// Returns the process exit code: 0 written, 1 bad input (the message on stderr).
int take_screenshot(MainWindow& window, const ScreenshotRequest& request);

}  // namespace sluice::gui
