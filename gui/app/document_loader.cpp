#include "gui/app/document_loader.h"

#include <filesystem>

#if SLUICE_GUI_HAS_ONNX
#include "frontends/onnx/onnx_importer.h"
#endif
#include "ir/diagnostic.h"
#include "ir/program_io.h"
#include "ir/verifier.h"
#include "transforms/recipe.h"
#include "transforms/registry.h"

namespace sluice::gui {

bool is_model_path(const std::string& path) { return path.ends_with(".onnx"); }

ir::Program load_document(const std::string& path, const std::string& recipe) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw UserError(path, "no such file");
  ir::Program program;
  if (is_model_path(path)) {
#if SLUICE_GUI_HAS_ONNX
    program = frontends::import_onnx_file(path).program;
#else
    throw UserError(path,
                    "this sluice-gui was built without the ONNX importer (SLUICE_ENABLE_ONNX=OFF)");
#endif
  } else {
    program = ir::load_program(path);
  }
  ir::verify_or_throw(program);
  if (!recipe.empty()) {
    if (!std::filesystem::is_regular_file(recipe, ec))
      throw UserError(recipe, "no such recipe file");
    transforms::replay(program, transforms::load_recipe(recipe), transforms::Registry::global());
  }
  return program;
}

}  // namespace sluice::gui
