#pragma once
/// The graph view as one widget: a tool bar (state selector, search, overlay, fit), the view
/// with a minimap in its corner, and a status line. It owns a copy of the program it shows and
/// lays it out off the GUI thread (`layout_finished` says when the new drawing is in place).
///
///   GraphWidget view;
///   view.set_program(program);              // lays out the start state, or every state
///   view.set_overlay(OverlayKind::DataMovement);
///   view.select_by_name("MatMul_0");

#include <QWidget>
#include <memory>
#include <optional>
#include <set>

#include "gui/view/graph_scene.h"
#include "gui/view/graph_view.h"
#include "gui/view/layout_job.h"
#include "gui/view/overlay.h"
#include "ir/analysis/report.h"
#include "ir/program.h"

class QComboBox;
class QLabel;
class QLineEdit;

namespace sluice::gui {

class GraphWidget : public QWidget {
  Q_OBJECT
public:
  explicit GraphWidget(QWidget* parent = nullptr);

  /// Shows `program`; symbol values set earlier are kept (the analysis evaluates under them).
  void set_program(const ir::Program& program);
  /// Values of the program's free symbols for the data-movement and FLOPs overlays.
  void set_symbol_values(const ir::analysis::SymbolValues& values);
  [[nodiscard]] const ir::Program* program() const { return program_.get(); }
  /// One state (nullopt: every state, each in a frame).
  void set_state_filter(std::optional<ir::StateId> state);
  /// False (and the reason in `last_message`) when the overlay has no data, e.g. the analysis
  /// needs symbol values the program leaves free, or no times were measured.
  bool set_overlay(OverlayKind kind);
  /// Measured seconds per kernel (after a profiled run); shown by the `time` overlay.
  void set_kernel_times(const std::vector<KernelTime>& times);
  [[nodiscard]] const std::vector<KernelTime>& kernel_times() const { return times_; }
  /// Outlines the nodes with these keys (`s0/n3`, `s0/n3/n5`): a preview's changed nodes. Kept
  /// across re-layouts of the same program; a new program clears it.
  void set_highlighted(const QStringList& keys);
  [[nodiscard]] const QStringList& highlighted_keys() const { return highlighted_; }
  /// How many highlighted nodes the current drawing shows (a collapsed map hides its body).
  [[nodiscard]] int highlighted_drawn() const { return highlighted_drawn_; }
  /// Selects the node with this key (as a click would); false when it is not drawn.
  bool select_key(const QString& key);
  /// Selects and centres the first node whose label matches `name` (exact first, then
  /// containing it); false if none does.
  bool select_by_name(const QString& name);
  void toggle_scope(const QString& key);
  void fit();

  [[nodiscard]] bool layout_running() const { return job_->running(); }
  [[nodiscard]] int node_count() const { return scene_->node_count(); }
  [[nodiscard]] int edge_count() const { return scene_->edge_count(); }
  [[nodiscard]] QString selected_key() const;
  [[nodiscard]] QString last_message() const { return last_message_; }
  [[nodiscard]] GraphScene* scene() const { return scene_; }
  [[nodiscard]] GraphView* view() const { return view_; }

signals:
  void layout_finished();
  void selection_changed(const QString& key);
  /// Something the user should see: a layout or analysis failure.
  void message(const QString& text);

private:
  void relayout();
  void on_layout(std::shared_ptr<const LaidOutGraph> graph);
  void refresh_overlay();
  void analyze();
  void fill_state_selector();
  void set_status(const QString& text);
  void place_minimap();
  void resizeEvent(QResizeEvent* event) override;

  std::shared_ptr<const ir::Program> program_;
  ir::analysis::SymbolValues symbols_;
  std::optional<ir::analysis::Report> report_;
  QString report_error_;
  std::optional<ir::StateId> state_;
  std::set<std::string> collapsed_;
  OverlayKind overlay_kind_ = OverlayKind::None;
  std::vector<KernelTime> times_;
  QStringList highlighted_;
  int highlighted_drawn_ = 0;
  QString last_message_;

  LayoutJob* job_;
  GraphScene* scene_;
  GraphView* view_;
  Minimap* minimap_;
  QComboBox* states_;
  QComboBox* overlays_;
  QLineEdit* search_;
  QLabel* status_;
};

}  // namespace sluice::gui
