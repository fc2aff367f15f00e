#include "gui/panels/properties_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace sluice::gui {

PropertiesPanel::PropertiesPanel(WorkbenchSession* session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      title_(new QLabel(tr("Nothing selected"), this)),
      table_(new QTableWidget(0, 2, this)),
      status_(new QLabel(this)) {
  table_->setObjectName("properties");
  table_->setHorizontalHeaderLabels({tr("Property"), tr("Value")});
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->setVisible(false);
  status_->setObjectName("status");
  status_->setWordWrap(true);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(title_);
  layout->addWidget(table_);
  layout->addWidget(status_);

  connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (filling_ || item->column() != 1) return;
    // Queued: the edit rebuilds the table, which must not happen inside its own signal.
    const QString field = table_->item(item->row(), 0)->text();
    const QString value = item->text();
    QMetaObject::invokeMethod(
        this, [this, field, value] { edit(field, value); }, Qt::QueuedConnection);
  });
  connect(session_, &WorkbenchSession::program_changed, this, [this] { refresh(); });
}

void PropertiesPanel::set_target(const PropertyTarget& target) {
  target_ = target;
  status_->clear();
  refresh();
}

void PropertiesPanel::clear_target() {
  target_.reset();
  refresh();
}

void PropertiesPanel::refresh() {
  filling_ = true;
  table_->setRowCount(0);
  std::vector<Property> properties;
  if (target_) {
    try {
      properties = list_properties(session_->program(), *target_);
      title_->setText(QString::fromStdString(target_str(session_->program(), *target_)));
    } catch (const std::exception&) {
      target_.reset();  // undone or removed: nothing to show
    }
  }
  if (!target_) title_->setText(tr("Nothing selected"));
  for (const Property& p : properties) {
    const int row = table_->rowCount();
    table_->insertRow(row);
    auto* name = new QTableWidgetItem(QString::fromStdString(p.name));
    name->setFlags(name->flags() & ~Qt::ItemIsEditable);
    auto* value = new QTableWidgetItem(QString::fromStdString(p.value));
    if (!p.editable) value->setFlags(value->flags() & ~Qt::ItemIsEditable);
    QString choices;
    for (const std::string& c : p.choices)
      choices += (choices.isEmpty() ? "" : ", ") + QString::fromStdString(c);
    if (!choices.isEmpty()) value->setToolTip(tr("one of: %1").arg(choices));
    table_->setItem(row, 0, name);
    table_->setItem(row, 1, value);
  }
  filling_ = false;
}

bool PropertiesPanel::edit(const QString& field, const QString& value) {
  if (!target_) return false;
  QString why;
  const auto connection = connect(session_, &WorkbenchSession::error, this,
                                  [&why](const QString& message) { why = message; });
  const bool ok = session_->edit_property(*target_, field, value);
  disconnect(connection);
  status_->setText(ok ? tr("Set %1").arg(field) : why);
  if (!ok) refresh();  // the old value comes back
  return ok;
}

}  // namespace sluice::gui
