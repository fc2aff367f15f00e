#include "gui/view/graph_widget.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>
#include <QVBoxLayout>

#include "ir/diagnostic.h"

namespace sluice::gui {

namespace {
constexpr int kMinimapSize = 180;
}  // namespace

GraphWidget::GraphWidget(QWidget* parent)
    : QWidget(parent),
      job_(new LayoutJob(this)),
      scene_(new GraphScene(this)),
      view_(new GraphView(this)),
      minimap_(new Minimap(view_, view_)),
      states_(new QComboBox(this)),
      overlays_(new QComboBox(this)),
      search_(new QLineEdit(this)),
      status_(new QLabel(this)) {
  view_->setScene(scene_);
  minimap_->setScene(scene_);
  minimap_->resize(kMinimapSize, kMinimapSize * 3 / 4);

  search_->setPlaceholderText(tr("Find node by name (Enter)"));
  search_->setClearButtonEnabled(true);
  for (const auto kind : {OverlayKind::None, OverlayKind::DataMovement, OverlayKind::Flops,
                          OverlayKind::MeasuredTime})
    overlays_->addItem(QString::fromStdString(overlay_kind_name(kind)), static_cast<int>(kind));
  auto* fit_button = new QToolButton(this);
  fit_button->setText(tr("Fit"));

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("State:"), this));
  bar->addWidget(states_, 1);
  bar->addWidget(search_, 2);
  bar->addWidget(new QLabel(tr("Overlay:"), this));
  bar->addWidget(overlays_);
  bar->addWidget(fit_button);
  auto* column = new QVBoxLayout(this);
  column->setContentsMargins(2, 2, 2, 2);
  column->addLayout(bar);
  column->addWidget(view_, 1);
  column->addWidget(status_);

  connect(job_, &LayoutJob::finished, this, &GraphWidget::on_layout);
  // Scroll bars come and go with the zoom: keep the minimap inside the viewport.
  connect(view_, &GraphView::viewport_changed, this, &GraphWidget::place_minimap);
  connect(scene_, &GraphScene::toggle_scope_requested, this, &GraphWidget::toggle_scope);
  connect(scene_, &QGraphicsScene::selectionChanged, this,
          [this] { emit selection_changed(selected_key()); });
  connect(fit_button, &QToolButton::clicked, this, &GraphWidget::fit);
  connect(search_, &QLineEdit::returnPressed, this, [this] { select_by_name(search_->text()); });
  connect(states_, &QComboBox::activated, this, [this](int index) {
    const int value = states_->itemData(index).toInt();
    set_state_filter(
        value < 0 ? std::nullopt
                  : std::optional<ir::StateId>(ir::StateId(static_cast<std::uint32_t>(value))));
  });
  connect(overlays_, &QComboBox::activated, this, [this](int index) {
    set_overlay(static_cast<OverlayKind>(overlays_->itemData(index).toInt()));
  });
}

void GraphWidget::set_program(const ir::Program& program) {
  program_ = std::make_shared<const ir::Program>(program);
  collapsed_.clear();
  times_.clear();
  highlighted_.clear();
  highlighted_drawn_ = 0;
  analyze();
  state_ = program_->states.size() == 1 ? std::optional<ir::StateId>(program_->states.ids().front())
                                        : std::nullopt;
  fill_state_selector();
  relayout();
}

void GraphWidget::set_symbol_values(const ir::analysis::SymbolValues& values) {
  symbols_ = values;
  if (!program_) return;
  analyze();
  refresh_overlay();
}

void GraphWidget::analyze() {
  report_.reset();
  report_error_.clear();
  try {
    report_ = ir::analysis::build_report(*program_, symbols_);
  } catch (const std::exception& error) {  // a free symbol without a value, a cyclic state
    report_error_ = QString::fromUtf8(error.what());
  }
}

void GraphWidget::fill_state_selector() {
  states_->clear();
  states_->addItem(tr("All states"), -1);
  for (const ir::StateId id : program_->states.ids())
    states_->addItem(QString::fromStdString(program_->states[id].label),
                     static_cast<int>(id.value));
  states_->setCurrentIndex(state_ ? states_->findData(static_cast<int>(state_->value)) : 0);
}

void GraphWidget::set_state_filter(std::optional<ir::StateId> state) {
  state_ = state;
  if (program_) relayout();
}

void GraphWidget::toggle_scope(const QString& key) {
  const std::string k = key.toStdString();
  if (!collapsed_.erase(k)) collapsed_.insert(k);
  relayout();
}

void GraphWidget::relayout() {
  DescribeOptions options;
  options.state = state_;
  options.collapsed = collapsed_;
  GraphDescription description = describe_program(*program_, options);
  set_status(tr("Laying out %1 nodes…").arg(description.nodes.size()));
  job_->start(std::move(description));
}

void GraphWidget::on_layout(std::shared_ptr<const LaidOutGraph> graph) {
  const QString error = QString::fromStdString(graph->layout.error);
  const double seconds = graph->layout.seconds;
  scene_->show_graph(std::move(graph));
  refresh_overlay();
  highlighted_drawn_ = scene_->set_highlighted({highlighted_.begin(), highlighted_.end()});
  if (!error.isEmpty()) {
    last_message_ = error;
    emit message(error);
  }
  view_->fit_readable();
  minimap_->refit();
  place_minimap();
  set_status(error.isEmpty() ? tr("%1 nodes, %2 edges; layout %3 s")
                                   .arg(scene_->node_count())
                                   .arg(scene_->edge_count())
                                   .arg(seconds, 0, 'f', 2)
                             : error);
  emit layout_finished();
}

bool GraphWidget::set_overlay(OverlayKind kind) {
  overlay_kind_ = kind;
  overlays_->setCurrentIndex(overlays_->findData(static_cast<int>(kind)));
  refresh_overlay();
  return kind == OverlayKind::None || last_message_.isEmpty();
}

void GraphWidget::set_kernel_times(const std::vector<KernelTime>& times) {
  times_ = times;
  if (overlay_kind_ == OverlayKind::MeasuredTime) refresh_overlay();
}

void GraphWidget::refresh_overlay() {
  last_message_.clear();
  Overlay overlay;
  if (overlay_kind_ == OverlayKind::MeasuredTime) {
    overlay = kernel_time_overlay(times_);
    if (times_.empty()) last_message_ = tr("No kernel times yet: run the program with profiling.");
  } else if (overlay_kind_ != OverlayKind::None) {
    if (report_) {
      overlay = overlay_kind_ == OverlayKind::DataMovement ? data_movement_overlay(*report_)
                                                           : flops_overlay(*report_);
    } else {
      last_message_ = tr("No analysis for this program: %1").arg(report_error_);
    }
  }
  scene_->apply_overlay(overlay);
  if (!last_message_.isEmpty()) {
    set_status(last_message_);
    emit message(last_message_);
  }
}

void GraphWidget::set_highlighted(const QStringList& keys) {
  highlighted_ = keys;
  highlighted_drawn_ = scene_->set_highlighted({keys.begin(), keys.end()});
}

bool GraphWidget::select_key(const QString& key) {
  NodeItem* item = scene_->node(key);
  if (item == nullptr) return false;
  scene_->clearSelection();
  item->setSelected(true);
  view_->centerOn(item);
  return true;
}

bool GraphWidget::select_by_name(const QString& name) {
  const QList<NodeItem*> matches = scene_->find(name);
  if (matches.isEmpty()) {
    set_status(tr("No node named '%1'").arg(name));
    return false;
  }
  // Enter again on the same text steps to the next match.
  int next = 0;
  for (int i = 0; i < matches.size(); ++i)
    if (matches[i]->isSelected()) next = (i + 1) % static_cast<int>(matches.size());
  scene_->clearSelection();
  NodeItem* item = matches[next];
  item->setSelected(true);
  if (view_->zoom() < 0.6) view_->zoom_by(0.8 / view_->zoom());
  view_->centerOn(item);
  set_status(tr("%1 (%2 of %3 matches)").arg(item->label()).arg(next + 1).arg(matches.size()));
  return true;
}

QString GraphWidget::selected_key() const {
  const QList<QGraphicsItem*> selected = scene_->selectedItems();
  for (QGraphicsItem* item : selected)
    if (auto* node = dynamic_cast<NodeItem*>(item)) return node->key();
  return {};
}

void GraphWidget::fit() { view_->fit(); }

void GraphWidget::set_status(const QString& text) { status_->setText(text); }

void GraphWidget::place_minimap() {
  const QRect area = view_->viewport()->geometry();
  minimap_->move(area.right() - minimap_->width() - 6, area.bottom() - minimap_->height() - 6);
  minimap_->raise();
}

void GraphWidget::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  place_minimap();
}

}  // namespace sluice::gui
