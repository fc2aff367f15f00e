# Third-party packages. Every one comes from Debian (see deps/debian-packages.txt); the
# SLUICE_THIRD_PARTY_DIR fallback lets a bare machine build the core from a carried bundle.
set(SLUICE_THIRD_PARTY_DIR "" CACHE PATH "Folder with carried third-party headers (bare machines)")

find_package(nlohmann_json 3.11 CONFIG QUIET)
if(NOT nlohmann_json_FOUND)
  find_path(SLUICE_NLOHMANN_INCLUDE nlohmann/json.hpp HINTS ${SLUICE_THIRD_PARTY_DIR} REQUIRED)
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  target_include_directories(nlohmann_json::nlohmann_json INTERFACE ${SLUICE_NLOHMANN_INCLUDE})
endif()

find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  find_path(SLUICE_CLI11_INCLUDE CLI/CLI.hpp HINTS ${SLUICE_THIRD_PARTY_DIR} REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${SLUICE_CLI11_INCLUDE})
endif()

if(SLUICE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(SLUICE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
if(SLUICE_BUILD_PYTHON)
  # Debian's interpreter has numpy/onnx/torch; the pyenv one first on PATH does not.
  set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python interpreter for the module")
  find_package(Python COMPONENTS Interpreter Development.Module REQUIRED)
  find_package(pybind11 CONFIG REQUIRED)
endif()

if(SLUICE_ENABLE_ONNX)
  # Protobuf first: ONNX's config refers to its targets (targets `onnx`, `onnx_proto`).
  find_package(Protobuf REQUIRED)
  find_package(ONNX CONFIG REQUIRED)
endif()
if(SLUICE_ENABLE_LLVM)
  # The in-process compile route (codegen/llvm_jit_compiler.cpp) links the shared libLLVM and
  # libclang-cpp (targets `LLVM`, `clang-cpp`), never the static component libraries.
  # 19.1: LLVM's version file wants major.minor to match, and 19.1.x are the LLVM 19 releases.
  find_package(LLVM 19.1 CONFIG HINTS /usr/lib/llvm-19/lib/cmake/llvm)
  if(LLVM_FOUND AND LLVM_VERSION_MAJOR EQUAL 19)
    find_package(Clang CONFIG HINTS ${LLVM_INSTALL_PREFIX}/lib/cmake/clang)
  endif()
  if(NOT LLVM_VERSION_MAJOR EQUAL 19 OR NOT Clang_FOUND OR NOT TARGET LLVM OR NOT TARGET clang-cpp)
    message(FATAL_ERROR
      "SLUICE_ENABLE_LLVM=ON needs LLVM and Clang 19 with their shared libraries (found LLVM "
      "'${LLVM_VERSION}' in '${LLVM_DIR}', Clang in '${Clang_DIR}'). On Debian 12 install "
      "llvm-19-dev libclang-19-dev libclang-cpp19-dev (scripts/setup-debian.sh), point LLVM_DIR "
      "at another LLVM 19, or configure with -DSLUICE_ENABLE_LLVM=OFF (generated code is then "
      "compiled by g++ only).")
  endif()
  message(STATUS "LLVM ${LLVM_VERSION} (${LLVM_DIR}): in-process compile route on")
endif()

# Generated CPU code calls cblas_?gemm; the host side links nothing of BLAS itself.
find_package(Threads REQUIRED)
