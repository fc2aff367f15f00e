#pragma once
/// The workbench's model: the current program and its history (transforms/history.h), what
/// applies to the selection and what it would save, previews, undo/redo/go to a step, the
/// history as a recipe (save, load, replay step by step), verified property edits, plugins,
/// and an autosave that survives a crash. Every panel and the graph view talk to this object;
/// it never touches a widget.
///
/// Every failure is reported through `error` with the UserError's text and leaves the program
/// and history as they were.

#include <QObject>
#include <QString>
#include <optional>
#include <vector>

#include "gui/session/changed_nodes.h"
#include "gui/session/property_edit.h"
#include "gui/session/recovery_store.h"
#include "gui/session/transformation_listing.h"
#include "transforms/history.h"

namespace sluice::gui {

struct Preview {
  ir::Program program;
  std::vector<NodeRef> changed;
};

class WorkbenchSession : public QObject {
  Q_OBJECT

public:
  /// `registry` defaults to the process-wide one (where plugins and recipes replayed by the
  /// compile path look); `edit-property` is registered in it.
  explicit WorkbenchSession(QObject* parent = nullptr, transforms::Registry* registry = nullptr);

  /// An ONNX model (imported) or a program file (`*.sluice.json`, `*.sluice.txt`); starts a
  /// fresh history.
  bool open(const QString& path);
  void set_program(ir::Program program, const QString& source_path = {});
  /// Starts from `original` with `history` already applied to it (a recipe replayed at open):
  /// its steps can be undone.
  void set_history(ir::Program original, transforms::History history,
                   const QString& source_path = {});

  [[nodiscard]] const ir::Program& program() const { return history_.program(); }
  [[nodiscard]] const ir::Program& original_program() const { return original_; }
  [[nodiscard]] const QString& source_path() const { return source_path_; }
  [[nodiscard]] transforms::Registry& registry() const { return *registry_; }

  // Selection and listing.
  void set_selection(std::vector<NodeRef> nodes);
  [[nodiscard]] const std::vector<NodeRef>& selection() const { return selection_; }
  void set_symbol_values(ir::analysis::SymbolValues symbols) { symbols_ = std::move(symbols); }
  [[nodiscard]] const ir::analysis::SymbolValues& symbol_values() const { return symbols_; }
  /// For the selection, or the whole program when nothing is selected.
  [[nodiscard]] Listing list_transformations(bool with_refusals = false) const;

  // Steps. `params` empty: the candidate's own (defaults).
  [[nodiscard]] std::optional<Preview> preview(const Candidate& candidate,
                                               const transforms::ParamValues& params = {});
  bool apply(const Candidate& candidate, const transforms::ParamValues& params = {});
  bool undo();
  bool redo();
  /// Undoes or redoes up to `step` steps applied (0: the program as opened).
  bool go_to_step(std::size_t step);
  [[nodiscard]] std::size_t current_step() const { return history_.size(); }
  /// Applied steps, then the undone ones that redo would bring back.
  [[nodiscard]] std::vector<transforms::RecipeStep> all_steps() const;

  // The recipe.
  [[nodiscard]] transforms::Recipe recipe() const { return history_.recipe(); }
  bool save_recipe(const QString& path);
  /// Loads a recipe to replay on the current program step by step.
  bool load_recipe(const QString& path);
  [[nodiscard]] std::size_t replay_remaining() const;
  bool replay_next();
  bool replay_all();

  // Property edits: applied as `edit-property` (verified, recorded, undoable).
  bool edit_property(const PropertyTarget& target, const QString& field, const QString& value);

  // Plugins appear in the registry like built-ins.
  bool load_plugin(const QString& path);

  // Autosave: after every change once a folder is set (set_recovery_dir or the default,
  // QStandardPaths::AppLocalDataLocation + "/recovery").
  void set_recovery_dir(const QString& dir);
  /// No autosave at all (a headless screenshot must not touch the user's recovery files).
  void disable_recovery() { recovery_.reset(); }
  [[nodiscard]] QString recovery_dir() const;
  [[nodiscard]] bool has_recovery() const;
  bool restore_recovery();
  /// A clean close: the autosave files go.
  void discard_recovery();

signals:
  void program_changed();
  void history_changed();
  void selection_changed();
  void error(const QString& message);

private:
  bool guarded(const char* what, const std::function<void()>& body);
  void changed();
  void autosave();
  [[nodiscard]] transforms::Selection current_selection() const;

  transforms::Registry* registry_;
  ir::Program original_;
  transforms::History history_{ir::Program{}};
  QString source_path_;
  std::vector<NodeRef> selection_;
  ir::analysis::SymbolValues symbols_;
  transforms::Recipe pending_;
  std::size_t pending_next_ = 0;
  std::optional<RecoveryStore> recovery_;
};

}  // namespace sluice::gui
