#include "gui/panels/byte_text.h"

#include <cmath>

namespace sluice::gui {

QString byte_text(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = bytes;
  int unit = 0;
  while (std::fabs(value) >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  return unit == 0 ? QStringLiteral("%1 B").arg(static_cast<long long>(value))
                   : QStringLiteral("%1 %2").arg(value, 0, 'f', 1).arg(units[unit]);
}

}  // namespace sluice::gui
