#include "gui/app/main_window.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>

#include "gui/app/document_loader.h"
#include "gui/app/recent_files.h"
#include "ir/program_io.h"

namespace sluice::gui {

namespace {

const char* const kOpenFilter =
    "Models and programs (*.onnx *.sluice.json *.sluice.txt *.json *.txt);;All files (*)";

QLabel* placeholder(const QString& name) {
  auto* label = new QLabel(QObject::tr("%1 panel: coming with the editing session").arg(name));
  label->setAlignment(Qt::AlignCenter);
  label->setWordWrap(true);
  label->setEnabled(false);
  return label;
}

}  // namespace

const QStringList& MainWindow::dock_names() {
  static const QStringList kNames{"Transformations", "History", "Properties", "Code", "Report"};
  return kNames;
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), graph_(new GraphWidget(this)) {
  setWindowTitle("Sluice");
  setCentralWidget(graph_);
  setAcceptDrops(true);
  build_menus();
  build_docks();
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
  for (const QString& name : dock_names()) {
    auto* dock = new QDockWidget(name, this);
    dock->setObjectName(name);
    dock->setWidget(placeholder(name));
    const bool right = name == "Transformations" || name == "Properties";
    addDockWidget(right ? Qt::RightDockWidgetArea : Qt::BottomDockWidgetArea, dock);
    docks_[name] = dock;
  }
  tabifyDockWidget(docks_["History"], docks_["Code"]);
  tabifyDockWidget(docks_["Code"], docks_["Report"]);
  docks_["History"]->raise();
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

void MainWindow::set_program(const ir::Program& program) { graph_->set_program(program); }

bool MainWindow::open_file(const QString& path, const QString& recipe) {
  try {
    const ir::Program program = load_document(path.toStdString(), recipe.toStdString());
    current_file_ = path;
    RecentFiles::add(path);
    refresh_recent_menu();
    setWindowTitle(QString("%1 — Sluice").arg(QFileInfo(path).fileName()));
    set_program(program);
    statusBar()->showMessage(tr("Opened %1").arg(path), 5000);
    emit document_opened(path, program);
    return true;
  } catch (const std::exception& error) {
    show_error(tr("Cannot open %1").arg(QFileInfo(path).fileName()),
               QString::fromUtf8(error.what()));
    return false;
  }
}

bool MainWindow::save_program(const QString& path) {
  if (graph_->program() == nullptr) {
    show_error(tr("Nothing to save"), tr("Open a model or a program first."));
    return false;
  }
  try {
    ir::save_program(*graph_->program(), path.toStdString());
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
