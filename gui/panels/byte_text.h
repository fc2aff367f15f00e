#pragma once
/// `1.5 KiB`, `-64 B`: byte counts as the panels print them.

#include <QString>

namespace sluice::gui {

QString byte_text(double bytes);

}  // namespace sluice::gui
