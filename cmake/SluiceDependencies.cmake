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
# Generated CPU code calls cblas_?gemm; the host side links nothing of BLAS itself.
find_package(Threads REQUIRED)
