#pragma once
/// Opening what the workbench edits: an ONNX model (through the ONNX importer, as `sluice opt`
/// does), a program file (`*.sluice.json`, `*.sluice.txt`), optionally with a recipe replayed
/// on it. Every problem is a `UserError` naming the file (and the recipe step).

#include <string>

#include "ir/program.h"

namespace sluice::gui {

/// True for the names `load_document` imports as ONNX models.
bool is_model_path(const std::string& path);

/// Loads `path` and, when `recipe` is not empty, replays that recipe on it (all or nothing).
/// The program is verified before it is returned.
ir::Program load_document(const std::string& path, const std::string& recipe = {});

}  // namespace sluice::gui
