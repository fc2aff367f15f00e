#include "gui/app/recent_files.h"

#include <QFileInfo>
#include <QSettings>

namespace sluice::gui {

namespace {
const char* const kKey = "recentFiles";
}  // namespace

QStringList RecentFiles::list() { return QSettings().value(kKey).toStringList(); }

void RecentFiles::add(const QString& path) {
  QStringList files = list();
  const QString absolute = QFileInfo(path).absoluteFilePath();
  files.removeAll(absolute);
  files.prepend(absolute);
  while (files.size() > kMaxEntries) files.removeLast();
  QSettings().setValue(kKey, files);
}

void RecentFiles::remove(const QString& path) {
  QStringList files = list();
  files.removeAll(QFileInfo(path).absoluteFilePath());
  QSettings().setValue(kKey, files);
}

}  // namespace sluice::gui
