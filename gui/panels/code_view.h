#pragma once
/// The code view: the C++ the CPU generator writes for the current program, with the kernel of
/// the selected node highlighted and scrolled to. A program the generator refuses shows its
/// message instead.

#include <QPlainTextEdit>
#include <optional>

#include "gui/session/generated_code.h"
#include "gui/session/workbench_session.h"

namespace sluice::gui {

class CodeView : public QPlainTextEdit {
  Q_OBJECT

public:
  explicit CodeView(WorkbenchSession* session, QWidget* parent = nullptr);

  void refresh();
  /// Highlights the kernel of `node` (its label, the n-th kernel of that label in its state);
  /// false when the code has no kernel of that name (an expanded library node: its maps are).
  bool highlight_node(const NodeRef& node);
  [[nodiscard]] std::optional<LineRange> highlighted() const { return highlighted_; }

private:
  WorkbenchSession* session_;
  std::optional<LineRange> highlighted_;
};

}  // namespace sluice::gui
