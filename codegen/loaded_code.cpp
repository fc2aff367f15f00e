#include "codegen/loaded_code.h"

#include <dlfcn.h>

#include "ir/diagnostic.h"

namespace sluice::codegen {

namespace {

class SharedObject final : public LoadedCode {
public:
  SharedObject(void* handle, std::filesystem::path path)
      : handle_(handle), path_(std::move(path)) {}
  // The handle stays open (RTLD_NODELETE): unloading buys nothing and risks dangling code.
  void* find(const std::string& name) override { return dlsym(handle_, name.c_str()); }
  [[nodiscard]] const std::filesystem::path& origin() const override { return path_; }

private:
  void* handle_;
  std::filesystem::path path_;
};

}  // namespace

std::unique_ptr<LoadedCode> open_shared_object(const std::filesystem::path& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!handle) {
    const char* why = dlerror();
    throw UserError(path.string(),
                    std::string("cannot load the compiled code: ") + (why ? why : "unknown error"));
  }
  return std::make_unique<SharedObject>(handle, path);
}

}  // namespace sluice::codegen
