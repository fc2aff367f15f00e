#include "gui/app/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>
#include <filesystem>

#include "gui/app/document_loader.h"
#include "gui/app/node_keys.h"
#include "gui/app/recent_files.h"
#include "gui/panels/code_view.h"
#include "gui/panels/data_movement_report_view.h"
#include "gui/panels/history_panel.h"
#include "gui/panels/properties_panel.h"
#include "gui/panels/run_panel.h"
#include "gui/panels/transformations_panel.h"
#include "ir/diagnostic.h"
#include "ir/program_io.h"
#include "transforms/recipe.h"

namespace sluice::gui {

namespace {

const char* const kOpenFilter =
    "Models and programs (*.onnx *.sluice.json *.sluice.txt *.json *.txt);;All files (*)";

/// The run panel's seconds per kernel as the graph's `time` overlay wants them. The generator
/// names a kernel by its node's label, so top-level nodes are matched by label (kernels of the
/// same label add up; a library node the compile path expanded into maps has no match).
std::vector<KernelTime> kernel_times_for(const ir::Program& program, const RunReport& report) {
  std::map<std::string, double> seconds;
  for (const KernelSeconds& k : report.kernel_times) seconds[k.kernel] += k.seconds;
  std::vector<KernelTime> times;
  for (const ir::StateId state : program.states.ids()) {
    const ir::Graph& graph = program.states[state].graph;
    for (const ir::NodeId node : graph.node_ids()) {
      const std::string label = ir::node_label(graph.node(node));
      const auto found = seconds.find(label);
      if (found != seconds.end()) times.push_back({state, node, found->second});
    }
  }
  return times;
}

}  // namespace

const QStringList& MainWindow::dock_names() {
  static const QStringList kNames{"Transformations", "History", "Properties", "Code",
                                  "Report",          "Run"};
  return kNames;
}

MainWindow::MainWindow(QWidget* parent, const QString& recovery_dir, bool autosave)
    : QMainWindow(parent),
      graph_(new GraphWidget(this)),
      session_(new WorkbenchSession(this)),
      transformations_(new TransformationsPanel(session_)),
      history_(new HistoryPanel(session_)),
      properties_(new PropertiesPanel(session_)),
      code_(new CodeView(session_)),
      report_(new DataMovementReportView(session_)),
      run_(new RunPanel(session_)) {
  if (!autosave) {
    session_->disable_recovery();
  } else if (!recovery_dir.isEmpty()) {
    session_->set_recovery_dir(recovery_dir);
  }
  setWindowTitle("Sluice");
  setCentralWidget(graph_);
  setAcceptDrops(true);
  build_menus();
  build_docks();
  connect_session();
  connect(graph_, &GraphWidget::message, this,
          [this](const QString& text) { statusBar()->showMessage(text, 8000); });
  statusBar()->showMessage(
      tr("Open a model (.onnx) or a program (.sluice.json) — or drop one here"));
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::choose_and_open);
  file->addAction(tr("Open Model with &Recipe…"), this, &MainWindow::choose_model_and_recipe);
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  file->addAction(tr("&Save Program As…"), QKeySequence::SaveAs, this,
                  &MainWindow::choose_and_save);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);
  refresh_recent_menu();

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("&Fit"), QKeySequence(Qt::Key_F), graph_, &GraphWidget::fit);
  view->addAction(tr("Zoom &In"), QKeySequence::ZoomIn, this,
                  [this] { graph_->view()->zoom_by(1.25); });
  view->addAction(tr("Zoom &Out"), QKeySequence::ZoomOut, this,
                  [this] { graph_->view()->zoom_by(0.8); });
  for (const auto kind : {OverlayKind::None, OverlayKind::DataMovement, OverlayKind::Flops,
                          OverlayKind::MeasuredTime})
    view->addAction(tr("Overlay: %1").arg(QString::fromStdString(overlay_kind_name(kind))), this,
                    [this, kind] { graph_->set_overlay(kind); });
}

void MainWindow::build_docks() {
  const std::map<QString, QWidget*> panels{{"Transformations", transformations_},
                                           {"History", history_},
                                           {"Properties", properties_},
                                           {"Code", code_},
                                           {"Report", report_},
                                           {"Run", run_}};
  for (const QString& name : dock_names()) {
    auto* dock = new QDockWidget(name, this);
    dock->setObjectName(name);
    dock->setWidget(panels.at(name));
    const bool right = name == "Transformations" || name == "Properties";
    addDockWidget(right ? Qt::RightDockWidgetArea : Qt::BottomDockWidgetArea, dock);
    docks_[name] = dock;
  }
  tabifyDockWidget(docks_["History"], docks_["Code"]);
  tabifyDockWidget(docks_["Code"], docks_["Report"]);
  tabifyDockWidget(docks_["Report"], docks_["Run"]);
  docks_["History"]->raise();
  // The graph is the point: the docks start small.
  resizeDocks({docks_["History"]}, {200}, Qt::Vertical);
  resizeDocks({docks_["Transformations"]}, {420}, Qt::Horizontal);
}

QDockWidget* MainWindow::dock(const QString& name) const {
  const auto found = docks_.find(name);
  return found == docks_.end() ? nullptr : found->second;
}

void MainWindow::set_dock_widget(const QString& name, QWidget* widget) {
  if (QDockWidget* target = dock(name)) {
    delete target->widget();
    target->setWidget(widget);
  }
}

MainWindow::~MainWindow() {
  // ~QWidget deletes the children before ~QObject drops the connections: the graph, clearing
  // its scene, would report a selection to this half-destroyed window.
  disconnect(graph_, nullptr, this, nullptr);
  disconnect(session_, nullptr, this, nullptr);
  // The panels hold the session: they go first (the session is a child, deleted after).
  for (const auto& [name, dock] : docks_) delete dock;
  docks_.clear();
}

void MainWindow::connect_session() {
  connect(session_, &WorkbenchSession::program_changed, this, &MainWindow::show_program);
  connect(session_, &WorkbenchSession::error, this,
          [this](const QString& text) { statusBar()->showMessage(text, 8000); });
  connect(graph_, &GraphWidget::selection_changed, this, &MainWindow::select_in_session);
  connect(transformations_, &TransformationsPanel::preview_ready, this,
          [this](const Preview& preview) {
            graph_->set_highlighted(keys_of(preview.changed));
            statusBar()->showMessage(
                tr("Preview: %1 nodes would change (outlined)").arg(preview.changed.size()), 8000);
          });
  connect(run_, &RunPanel::finished, this, [this](const RunReport& report) {
    if (!report.ok) return;
    graph_->set_kernel_times(kernel_times_for(session_->program(), report));
  });
}

void MainWindow::show_program() {
  // Selection and highlight belong to the program that was shown.
  properties_->clear_target();
  graph_->set_program(session_->program());
}

void MainWindow::select_in_session(const QString& key) {
  const std::optional<NodeRef> node = node_ref_from_key(key);
  if (!node) {
    session_->set_selection({});
    properties_->clear_target();
    return;
  }
  session_->set_selection({*node});
  properties_->set_target({PropertyTarget::Kind::Node, node->scope, node->node.value});
  code_->highlight_node(*node);
}

bool MainWindow::offer_recovery(RecoveryChoice choice) {
  if (!session_->has_recovery()) return false;
  if (choice == RecoveryChoice::Ask) {
    const auto answer = QMessageBox::question(
        this, tr("Restore the last session?"),
        tr("Sluice did not close cleanly. Restore the unsaved session from %1?")
            .arg(session_->recovery_dir()),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
    choice = answer == QMessageBox::Yes ? RecoveryChoice::Restore : RecoveryChoice::Discard;
  }
  if (choice == RecoveryChoice::Discard) {
    session_->discard_recovery();
    return false;
  }
  if (!session_->restore_recovery()) {
    show_error(tr("Cannot restore the last session"), tr("The autosaved session did not replay."));
    return false;
  }
  current_file_ = session_->source_path();
  setWindowTitle(tr("%1 (restored) — Sluice").arg(QFileInfo(current_file_).fileName()));
  statusBar()->showMessage(
      tr("Restored the unsaved session (%1 steps)").arg(session_->current_step()), 8000);
  return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  session_->discard_recovery();
  QMainWindow::closeEvent(event);
}

bool MainWindow::open_file(const QString& path, const QString& recipe) {
  try {
    // Replayed on a history of its own first: a recipe that fails leaves the session alone.
    ir::Program program = load_document(path.toStdString());
    transforms::History history(program);
    if (!recipe.isEmpty()) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(recipe.toStdString(), ec))
        throw UserError(recipe.toStdString(), "no such recipe file");
      history.replay(transforms::load_recipe(recipe.toStdString()), session_->registry());
    }
    const ir::Program opened = history.program();
    current_file_ = path;
    RecentFiles::add(path);
    refresh_recent_menu();
    setWindowTitle(QString("%1 — Sluice").arg(QFileInfo(path).fileName()));
    session_->set_history(std::move(program), std::move(history), path);
    statusBar()->showMessage(tr("Opened %1").arg(path), 5000);
    emit document_opened(path, opened);
    return true;
  } catch (const std::exception& error) {
    show_error(tr("Cannot open %1").arg(QFileInfo(path).fileName()),
               QString::fromUtf8(error.what()));
    return false;
  }
}

bool MainWindow::save_program(const QString& path) {
  if (current_file_.isEmpty()) {
    show_error(tr("Nothing to save"), tr("Open a model or a program first."));
    return false;
  }
  try {
    ir::save_program(session_->program(), path.toStdString());
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
    return true;
  } catch (const std::exception& error) {
    show_error(tr("Cannot save %1").arg(QFileInfo(path).fileName()),
               QString::fromUtf8(error.what()));
    return false;
  }
}

void MainWindow::show_error(const QString& title, const QString& message) {
  last_error_ = message;
  emit error_shown(message);
  statusBar()->showMessage(message);
  if (quiet_) return;
  // Window-modal and non-blocking: the event loop (and a test driving it) keeps running.
  auto* box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->setObjectName("errorDialog");
  box->open();
}

void MainWindow::refresh_recent_menu() {
  recent_menu_->clear();
  const QStringList files = RecentFiles::list();
  for (const QString& file : files)
    recent_menu_
        ->addAction(QFileInfo(file).fileName(), this,
                    [this, file] {
                      if (!open_file(file)) {
                        RecentFiles::remove(file);
                        refresh_recent_menu();
                      }
                    })
        ->setToolTip(file);
  recent_menu_->setEnabled(!files.isEmpty());
}

void MainWindow::choose_and_open() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open"), {}, tr(kOpenFilter));
  if (!path.isEmpty()) open_file(path);
}

void MainWindow::choose_model_and_recipe() {
  const QString model = QFileDialog::getOpenFileName(this, tr("Open Model"), {}, tr(kOpenFilter));
  if (model.isEmpty()) return;
  const QString recipe =
      QFileDialog::getOpenFileName(this, tr("Recipe to replay"), {}, tr("Recipes (*.json)"));
  if (!recipe.isEmpty()) open_file(model, recipe);
}

void MainWindow::choose_and_save() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save Program"), {},
                                                    tr("Programs (*.sluice.json *.sluice.txt)"));
  if (!path.isEmpty()) save_program(path);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls() && event->mimeData()->urls().first().isLocalFile())
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QList<QUrl> urls = event->mimeData()->urls();
  if (urls.isEmpty() || !urls.first().isLocalFile()) return;
  // A model dropped together with a recipe (a .json that is not a program) opens with it.
  QString document = urls.first().toLocalFile();
  QString recipe;
  if (urls.size() == 2) {
    QString second = urls[1].toLocalFile();
    if (is_model_path(second.toStdString())) std::swap(document, second);
    if (!second.endsWith(".sluice.json")) recipe = second;
  }
  event->acceptProposedAction();
  open_file(document, recipe);
}

}  // namespace sluice::gui
