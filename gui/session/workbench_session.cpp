#include "gui/session/workbench_session.h"

#include <QStandardPaths>

#include "frontends/onnx/onnx_importer.h"
#include "gui/session/edit_transformation.h"
#include "ir/diagnostic.h"
#include "ir/program_io.h"
#include "transforms/plugin_loader.h"

namespace sluice::gui {

namespace {

std::string utf8(const QString& text) { return text.toStdString(); }

transforms::Match step_match(const transforms::RecipeStep& step) {
  return {step.transformation, step.scope, step.nodes, {}};
}

/// `edit of state 'main' / edge 10 / subset`: how a failed edit's message starts.
std::string edit_name(const ir::Program& program, const PropertyTarget& target,
                      const QString& field) {
  try {
    return "edit of " + target_str(program, target) + " / " + utf8(field);
  } catch (const std::exception&) {
    return "edit of " + utf8(field);  // a missing target: the edit's own message says so
  }
}

}  // namespace

WorkbenchSession::WorkbenchSession(QObject* parent, transforms::Registry* registry)
    : QObject(parent), registry_(registry ? registry : &transforms::Registry::global()) {
  register_edit_property(*registry_);
  const QString base = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
  if (!base.isEmpty()) recovery_.emplace(utf8(base + "/recovery"));
}

bool WorkbenchSession::guarded(const char* what, const std::function<void()>& body) {
  try {
    body();
    return true;
  } catch (const std::exception& e) {
    emit error(QString::fromStdString(std::string(what) + ": " + e.what()));
    return false;
  }
}

void WorkbenchSession::changed() {
  autosave();
  emit program_changed();
  emit history_changed();
}

bool WorkbenchSession::open(const QString& path) {
  return guarded("open", [&] {
    const std::string p = utf8(path);
    ir::Program program =
        p.ends_with(".onnx") ? frontends::import_onnx_file(p).program : ir::load_program(p);
    set_program(std::move(program), path);
  });
}

void WorkbenchSession::set_program(ir::Program program, const QString& source_path) {
  transforms::History history(program);
  set_history(std::move(program), std::move(history), source_path);
}

void WorkbenchSession::set_history(ir::Program original, transforms::History history,
                                   const QString& source_path) {
  original_ = std::move(original);
  history_ = std::move(history);
  source_path_ = source_path;
  selection_.clear();
  pending_ = {};
  pending_next_ = 0;
  changed();
}

void WorkbenchSession::set_selection(std::vector<NodeRef> nodes) {
  selection_ = std::move(nodes);
  emit selection_changed();
}

transforms::Selection WorkbenchSession::current_selection() const {
  transforms::Selection selection;
  for (const NodeRef& n : selection_) selection.nodes.emplace_back(n.scope, n.node);
  return selection;
}

Listing WorkbenchSession::list_transformations(bool with_refusals) const {
  const transforms::Selection selection = current_selection();
  ListingOptions options;
  options.selection = selection_.empty() ? nullptr : &selection;
  options.symbols = symbols_;
  options.with_refusals = with_refusals;
  return gui::list_transformations(program(), *registry_, options);
}

std::optional<Preview> WorkbenchSession::preview(const Candidate& candidate,
                                                 const transforms::ParamValues& params) {
  std::optional<Preview> result;
  guarded("preview", [&] {
    const transforms::Transformation& t = registry_->get(candidate.match.transformation);
    ir::Program copy = program();
    const transforms::ApplyResult applied = transforms::apply_match(
        copy, t, candidate.match, params.empty() ? candidate.params : params);
    std::vector<NodeRef> changed = changed_nodes(program(), copy, applied.edits);
    result = Preview{std::move(copy), std::move(changed)};
  });
  return result;
}

bool WorkbenchSession::apply(const Candidate& candidate, const transforms::ParamValues& params) {
  const bool ok = guarded("apply", [&] {
    history_.apply(registry_->get(candidate.match.transformation), candidate.match,
                   params.empty() ? candidate.params : params);
  });
  if (ok) changed();
  return ok;
}

bool WorkbenchSession::undo() {
  if (!history_.undo()) return false;
  changed();
  return true;
}

bool WorkbenchSession::redo() {
  if (!history_.redo()) return false;
  changed();
  return true;
}

bool WorkbenchSession::go_to_step(std::size_t step) {
  if (step == history_.size()) return true;
  while (history_.size() > step && history_.undo()) {
  }
  while (history_.size() < step && history_.redo()) {
  }
  changed();
  return history_.size() == step;
}

std::vector<transforms::RecipeStep> WorkbenchSession::all_steps() const {
  transforms::History all = history_;
  while (all.redo()) {
  }
  return all.recipe().steps;
}

bool WorkbenchSession::save_recipe(const QString& path) {
  return guarded("save recipe", [&] { transforms::save_recipe(recipe(), utf8(path)); });
}

bool WorkbenchSession::load_recipe(const QString& path) {
  const bool ok = guarded("load recipe", [&] {
    pending_ = transforms::load_recipe(utf8(path));
    pending_next_ = 0;
  });
  if (ok) emit history_changed();
  return ok;
}

std::size_t WorkbenchSession::replay_remaining() const {
  return pending_.steps.size() - pending_next_;
}

bool WorkbenchSession::replay_next() {
  if (replay_remaining() == 0) return false;
  const transforms::RecipeStep& step = pending_.steps[pending_next_];
  const std::string what = "recipe step " + std::to_string(pending_next_ + 1) + " of " +
                           std::to_string(pending_.steps.size()) + " (" + step.transformation + ")";
  const bool ok = guarded(what.c_str(), [&] {
    history_.apply(registry_->get(step.transformation), step_match(step), step.params);
  });
  if (!ok) return false;
  ++pending_next_;
  changed();
  return true;
}

bool WorkbenchSession::replay_all() {
  while (replay_remaining() > 0)
    if (!replay_next()) return false;
  return true;
}

bool WorkbenchSession::edit_property(const PropertyTarget& target, const QString& field,
                                     const QString& value) {
  const std::string what = edit_name(program(), target, field);
  const bool ok = guarded(what.c_str(), [&] {
    const transforms::Transformation& edit = registry_->get(kEditPropertyName);
    const transforms::ParamValues params = edit_params(target, utf8(field), utf8(value));
    const transforms::MatchResult found = transforms::find_matches(program(), edit, params);
    if (found.matches.empty())
      throw UserError(target_str(program(), target),
                      found.rejected.empty() ? "nothing to edit" : found.rejected.front().reason);
    history_.apply(edit, found.matches.front(), params);
  });
  if (ok) changed();
  return ok;
}

bool WorkbenchSession::load_plugin(const QString& path) {
  return guarded("load plugin", [&] { (void)transforms::load_plugin(utf8(path), *registry_); });
}

void WorkbenchSession::set_recovery_dir(const QString& dir) { recovery_.emplace(utf8(dir)); }

QString WorkbenchSession::recovery_dir() const {
  return recovery_ ? QString::fromStdString(recovery_->dir().string()) : QString();
}

bool WorkbenchSession::has_recovery() const { return recovery_ && recovery_->exists(); }

void WorkbenchSession::autosave() {
  if (!recovery_ || (original_ == ir::Program{} && history_.size() == 0)) return;
  guarded("autosave",
          [&] { recovery_->save({original_, recipe(), program(), utf8(source_path_)}); });
}

bool WorkbenchSession::restore_recovery() {
  if (!has_recovery()) return false;
  return guarded("restore", [&] {
    RecoveredSession saved = recovery_->load();
    transforms::History replayed(saved.original);
    replayed.replay(saved.recipe, *registry_);
    if (replayed.program() != saved.current)
      throw UserError(recovery_dir().toStdString(),
                      "the autosaved recipe does not reproduce the autosaved program");
    original_ = std::move(saved.original);
    history_ = std::move(replayed);
    source_path_ = QString::fromStdString(saved.source_path);
    selection_.clear();
    changed();
  });
}

void WorkbenchSession::discard_recovery() {
  if (recovery_) recovery_->clear();
}

}  // namespace sluice::gui
