#include "gui/panels/transformations_panel.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "gui/panels/byte_text.h"

namespace sluice::gui {

TransformationsPanel::TransformationsPanel(WorkbenchSession* session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      candidates_(new QTreeWidget(this)),
      params_(new QFormLayout),
      params_box_(new QWidget(this)),
      why_not_(new QCheckBox(tr("Show why the others do not apply"), this)),
      refusals_(new QListWidget(this)),
      preview_(new QPushButton(tr("Preview"), this)),
      apply_(new QPushButton(tr("Apply"), this)),
      status_(new QLabel(this)) {
  candidates_->setObjectName("candidates");
  candidates_->setHeaderLabels({tr("Transformation"), tr("Where"), tr("Saves"), tr("Origin")});
  candidates_->setRootIsDecorated(false);
  candidates_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  refusals_->setObjectName("refusals");
  refusals_->setVisible(false);
  why_not_->setObjectName("whyNot");
  preview_->setObjectName("previewButton");
  apply_->setObjectName("applyButton");
  status_->setObjectName("status");
  status_->setWordWrap(true);
  params_box_->setLayout(params_);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(preview_);
  buttons->addWidget(apply_);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(candidates_, 3);
  layout->addWidget(params_box_);
  layout->addLayout(buttons);
  layout->addWidget(status_);
  layout->addWidget(why_not_);
  layout->addWidget(refusals_, 2);

  connect(candidates_, &QTreeWidget::currentItemChanged, this, [this] { show_parameters(); });
  connect(why_not_, &QCheckBox::toggled, this, [this] { refresh(); });
  connect(preview_, &QPushButton::clicked, this, [this] { preview_current(); });
  connect(apply_, &QPushButton::clicked, this, [this] { apply_current(); });
  connect(session_, &WorkbenchSession::program_changed, this, [this] { refresh(); });
  connect(session_, &WorkbenchSession::selection_changed, this, [this] { refresh(); });
  connect(session_, &WorkbenchSession::error, status_, &QLabel::setText);
  refresh();
}

void TransformationsPanel::refresh() {
  listing_ = session_->list_transformations(why_not_->isChecked());
  candidates_->clear();
  for (const Candidate& c : listing_.candidates) {
    auto* item = new QTreeWidgetItem(candidates_);
    item->setText(0, QString::fromStdString(c.match.transformation));
    item->setText(1, QString::fromStdString(c.location));
    item->setText(2, c.bytes_saved ? byte_text(*c.bytes_saved) : tr("?"));
    item->setText(3, QString::fromStdString(c.origin));
    item->setToolTip(1, QString::fromStdString(c.match.description));
  }
  if (!listing_.candidates.empty()) candidates_->setCurrentItem(candidates_->topLevelItem(0));
  refusals_->clear();
  for (const Refusal& r : listing_.refusals)
    refusals_->addItem(
        QString::fromStdString(r.transformation + " at " + r.location + ": " + r.reason));
  refusals_->setVisible(why_not_->isChecked());
  preview_->setEnabled(!listing_.candidates.empty());
  apply_->setEnabled(!listing_.candidates.empty());
  show_parameters();
}

const Candidate* TransformationsPanel::current() const {
  const int row = candidates_->indexOfTopLevelItem(candidates_->currentItem());
  if (row < 0 || row >= static_cast<int>(listing_.candidates.size())) return nullptr;
  return &listing_.candidates[static_cast<std::size_t>(row)];
}

void TransformationsPanel::show_parameters() {
  while (params_->rowCount() > 0) params_->removeRow(0);
  const Candidate* c = current();
  if (c == nullptr) return;
  const auto* t = session_->registry().find(c->match.transformation);
  if (t == nullptr) return;
  for (const transforms::ParamSpec& spec : t->params()) {
    auto* edit =
        new QLineEdit(QString::fromStdString(transforms::param_value_str(c->params.at(spec.name))));
    edit->setObjectName(QString::fromStdString("param:" + spec.name));
    edit->setToolTip(QString::fromStdString(spec.description));
    params_->addRow(QString::fromStdString(spec.name), edit);
  }
}

transforms::ParamValues TransformationsPanel::edited_params() const {
  const Candidate* c = current();
  const auto* t = c ? session_->registry().find(c->match.transformation) : nullptr;
  if (t == nullptr) return {};
  transforms::ParamValues params;
  for (const transforms::ParamSpec& spec : t->params()) {
    const auto* edit =
        params_box_->findChild<QLineEdit*>(QString::fromStdString("param:" + spec.name));
    if (edit == nullptr) continue;
    params[spec.name] = transforms::parse_param_value(edit->text().toStdString(), spec.type,
                                                      c->match.transformation + "." + spec.name);
  }
  return params;
}

void TransformationsPanel::preview_current() {
  const Candidate* c = current();
  if (c == nullptr) return;
  try {
    const auto preview = session_->preview(*c, edited_params());
    if (!preview) return;
    status_->setText(tr("Preview of %1: %2 nodes change")
                         .arg(QString::fromStdString(c->match.transformation))
                         .arg(preview->changed.size()));
    emit preview_ready(*preview);
  } catch (const std::exception& e) {
    status_->setText(QString::fromStdString(e.what()));
  }
}

void TransformationsPanel::apply_current() {
  const Candidate* c = current();
  if (c == nullptr) return;
  try {
    const Candidate chosen = *c;  // the list is rebuilt when the program changes
    if (session_->apply(chosen, edited_params()))
      status_->setText(tr("Applied %1").arg(QString::fromStdString(chosen.match.transformation)));
  } catch (const std::exception& e) {
    status_->setText(QString::fromStdString(e.what()));
  }
}

}  // namespace sluice::gui
