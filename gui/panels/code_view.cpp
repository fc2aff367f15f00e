#include "gui/panels/code_view.h"

#include <QFontDatabase>
#include <QTextBlock>

#include "gui/session/generated_code.h"
#include "ir/analysis/data_movement.h"

namespace sluice::gui {

namespace {

/// Which kernel named like `node` it is, counting kernels of the same label before it in its
/// state (the generator emits them in the same order).
int occurrence_of(const ir::Program& program, const NodeRef& node, const std::string& label) {
  int seen = 0;
  for (const auto& k : ir::analysis::state_kernels(program, node.scope.state)) {
    if (k.node == node.node && k.kind != ir::analysis::KernelKind::Copy) return seen;
    if (ir::analysis::kernel_label(program, k) == label) ++seen;
  }
  return 0;
}

}  // namespace

CodeView::CodeView(WorkbenchSession* session, QWidget* parent)
    : QPlainTextEdit(parent), session_(session) {
  setObjectName("codeView");
  setReadOnly(true);
  setLineWrapMode(QPlainTextEdit::NoWrap);
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  connect(session_, &WorkbenchSession::program_changed, this, [this] { refresh(); });
  refresh();
}

void CodeView::refresh() {
  const GeneratedCode generated = generate_code(session_->program());
  setPlainText(generated.code.empty() ? tr("// The CPU generator cannot emit this program:\n// %1")
                                            .arg(QString::fromStdString(generated.error))
                                      : QString::fromStdString(generated.code));
  highlighted_.reset();
  setExtraSelections({});
}

bool CodeView::highlight_node(const NodeRef& node) {
  const ir::Program& program = session_->program();
  const ir::Graph* graph = transforms::resolve(program, node.scope);
  if (graph == nullptr || !graph->has_node(node.node)) return false;
  const std::string label = ir::node_label(graph->node(node.node));
  const auto range =
      kernel_lines(toPlainText().toStdString(), label,
                   node.scope.maps.empty() ? occurrence_of(program, node, label) : 0);
  setExtraSelections({});
  highlighted_ = range;
  if (!range) return false;
  QList<QTextEdit::ExtraSelection> selections;
  for (int line = range->first; line <= range->last; ++line) {
    QTextEdit::ExtraSelection s;
    s.format.setBackground(QColor(255, 240, 170));
    s.format.setProperty(QTextFormat::FullWidthSelection, true);
    s.cursor = QTextCursor(document()->findBlockByNumber(line));
    selections.push_back(s);
  }
  setExtraSelections(selections);
  QTextCursor cursor(document()->findBlockByNumber(range->first));
  setTextCursor(cursor);
  centerCursor();
  return true;
}

}  // namespace sluice::gui
