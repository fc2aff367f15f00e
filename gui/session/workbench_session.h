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
  void setProgram(ir::Program program, const QString& sourcePath = {});

  [[nodiscard]] const ir::Program& program() const { return history_.program(); }
  [[nodiscard]] const ir::Program& originalProgram() const { return original_; }
  [[nodiscard]] const QString& sourcePath() const { return source_path_; }
  [[nodiscard]] transforms::Registry& registry() const { return *registry_; }

  // Selection and listing.
  void setSelection(std::vector<NodeRef> nodes);
  [[nodiscard]] const std::vector<NodeRef>& selection() const { return selection_; }
  void setSymbolValues(ir::analysis::SymbolValues symbols) { symbols_ = std::move(symbols); }
  [[nodiscard]] const ir::analysis::SymbolValues& symbolValues() const { return symbols_; }
  /// For the selection, or the whole program when nothing is selected.
  [[nodiscard]] Listing listTransformations(bool withRefusals = false) const;

  // Steps. `params` empty: the candidate's own (defaults).
  [[nodiscard]] std::optional<Preview> preview(const Candidate& candidate,
                                               const transforms::ParamValues& params = {});
  bool apply(const Candidate& candidate, const transforms::ParamValues& params = {});
  bool undo();
  bool redo();
  /// Undoes or redoes up to `step` steps applied (0: the program as opened).
  bool goToStep(std::size_t step);
  [[nodiscard]] std::size_t currentStep() const { return history_.size(); }
  /// Applied steps, then the undone ones that redo would bring back.
  [[nodiscard]] std::vector<transforms::RecipeStep> allSteps() const;

  // The recipe.
  [[nodiscard]] transforms::Recipe recipe() const { return history_.recipe(); }
  bool saveRecipe(const QString& path);
  /// Loads a recipe to replay on the current program step by step.
  bool loadRecipe(const QString& path);
  [[nodiscard]] std::size_t replayRemaining() const;
  bool replayNext();
  bool replayAll();

  // Property edits: applied as `edit-property` (verified, recorded, undoable).
  bool editProperty(const PropertyTarget& target, const QString& field, const QString& value);

  // Plugins appear in the registry like built-ins.
  bool loadPlugin(const QString& path);

  // Autosave: after every change once a folder is set (setRecoveryDir or the default,
  // QStandardPaths::AppLocalDataLocation + "/recovery").
  void setRecoveryDir(const QString& dir);
  [[nodiscard]] QString recoveryDir() const;
  [[nodiscard]] bool hasRecovery() const;
  bool restoreRecovery();
  /// A clean close: the autosave files go.
  void discardRecovery();

signals:
  void programChanged();
  void historyChanged();
  void selectionChanged();
  void error(const QString& message);

private:
  bool guarded(const char* what, const std::function<void()>& body);
  void changed();
  void autosave();
  [[nodiscard]] transforms::Selection currentSelection() const;

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
