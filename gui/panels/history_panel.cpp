#include "gui/panels/history_panel.h"

#include <QFileDialog>
#include <QGridLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

#include "transforms/transformation.h"

namespace sluice::gui {

namespace {

QString step_text(std::size_t index, const transforms::RecipeStep& step) {
  std::string params;
  for (const auto& [name, value] : step.params)
    params += (params.empty() ? "" : ",") + name + "=" + transforms::param_value_str(value);
  std::string nodes;
  for (const ir::NodeId n : step.nodes)
    nodes += (nodes.empty() ? "" : ", ") + std::to_string(n.value);
  return QStringLiteral("%1. %2{%3} on nodes %4")
      .arg(index + 1)
      .arg(QString::fromStdString(step.transformation), QString::fromStdString(params),
           QString::fromStdString(nodes.empty() ? "-" : nodes));
}

}  // namespace

HistoryPanel::HistoryPanel(WorkbenchSession* session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      steps_(new QListWidget(this)),
      undo_(new QPushButton(tr("Undo"), this)),
      redo_(new QPushButton(tr("Redo"), this)),
      save_(new QPushButton(tr("Save recipe..."), this)),
      load_(new QPushButton(tr("Load recipe..."), this)),
      replay_next_(new QPushButton(tr("Replay next step"), this)),
      replay_all_(new QPushButton(tr("Replay all"), this)),
      status_(new QLabel(this)) {
  steps_->setObjectName("steps");
  undo_->setObjectName("undoButton");
  redo_->setObjectName("redoButton");
  save_->setObjectName("saveButton");
  load_->setObjectName("loadButton");
  replay_next_->setObjectName("replayNextButton");
  replay_all_->setObjectName("replayAllButton");
  status_->setObjectName("status");
  status_->setWordWrap(true);

  auto* buttons = new QGridLayout;
  buttons->addWidget(undo_, 0, 0);
  buttons->addWidget(redo_, 0, 1);
  buttons->addWidget(save_, 1, 0);
  buttons->addWidget(load_, 1, 1);
  buttons->addWidget(replay_next_, 2, 0);
  buttons->addWidget(replay_all_, 2, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(steps_);
  layout->addLayout(buttons);
  layout->addWidget(status_);

  connect(steps_, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
    session_->go_to_step(static_cast<std::size_t>(steps_->row(item)));
  });
  connect(undo_, &QPushButton::clicked, session_, &WorkbenchSession::undo);
  connect(redo_, &QPushButton::clicked, session_, &WorkbenchSession::redo);
  connect(replay_next_, &QPushButton::clicked, session_, &WorkbenchSession::replay_next);
  connect(replay_all_, &QPushButton::clicked, session_, &WorkbenchSession::replay_all);
  connect(save_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save recipe"), {},
                                                      tr("Recipes (*.recipe.json *.json)"));
    if (!path.isEmpty()) save_recipe_to(path);
  });
  connect(load_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load recipe"), {},
                                                      tr("Recipes (*.recipe.json *.json)"));
    if (!path.isEmpty()) load_recipe_from(path);
  });
  connect(session_, &WorkbenchSession::history_changed, this, [this] { refresh(); });
  connect(session_, &WorkbenchSession::error, status_, &QLabel::setText);
  refresh();
}

void HistoryPanel::refresh() {
  steps_->clear();
  steps_->addItem(tr("0. the program as opened"));
  const auto steps = session_->all_steps();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    auto* item = new QListWidgetItem(step_text(i, steps[i]), steps_);
    if (i >= session_->current_step()) item->setForeground(Qt::gray);  // undone: redo brings it
  }
  steps_->setCurrentRow(static_cast<int>(session_->current_step()));
  undo_->setEnabled(session_->current_step() > 0);
  redo_->setEnabled(steps.size() > session_->current_step());
  replay_next_->setEnabled(session_->replay_remaining() > 0);
  replay_all_->setEnabled(session_->replay_remaining() > 0);
  if (session_->replay_remaining() > 0)
    status_->setText(tr("%1 recipe steps to replay").arg(session_->replay_remaining()));
}

bool HistoryPanel::save_recipe_to(const QString& path) {
  const bool ok = session_->save_recipe(path);
  if (ok) status_->setText(tr("Saved %1").arg(path));
  return ok;
}

bool HistoryPanel::load_recipe_from(const QString& path) { return session_->load_recipe(path); }

}  // namespace sluice::gui
