#pragma once
/// The recently opened files, newest first, kept in QSettings ("recentFiles") across sessions.

#include <QStringList>

namespace sluice::gui {

class RecentFiles {
public:
  static constexpr int kMaxEntries = 10;

  [[nodiscard]] static QStringList list();
  /// Moves `path` (made absolute) to the front, dropping the oldest beyond kMaxEntries.
  static void add(const QString& path);
  static void remove(const QString& path);
};

}  // namespace sluice::gui
