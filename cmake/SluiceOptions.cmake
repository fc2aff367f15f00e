# Compiler flags shared by every Sluice target, applied through `sluice_project_options`.
add_library(sluice_project_options INTERFACE)
target_compile_options(sluice_project_options INTERFACE -Wall -Wextra -Wpedantic)
if(SLUICE_WARNINGS_AS_ERRORS)
  target_compile_options(sluice_project_options INTERFACE -Werror)
endif()
target_include_directories(sluice_project_options INTERFACE ${PROJECT_SOURCE_DIR})
# GCC 12 warns -Wrestrict inside libstdc++ for `"literal" + std::string` at -O2/-O3 (a false
# positive: GCC bugs 105329 and 105651).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(sluice_project_options INTERFACE -Wno-restrict)
endif()

if(SLUICE_SANITIZE)
  set(sluice_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=undefined
                        -fno-omit-frame-pointer)
  add_compile_options(${sluice_sanitizers})
  add_link_options(${sluice_sanitizers})
endif()

# Under SLUICE_BUILD_FUZZERS the whole project gets coverage instrumentation for libFuzzer
# (`fuzzer-no-link`) and ASan/UBSan, so the library code the fuzzers reach is checked too;
# fuzz/CMakeLists.txt links libFuzzer's driver into the *_fuzzer executables only.
if(SLUICE_BUILD_FUZZERS)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                        -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
  else()
    message(WARNING "SLUICE_BUILD_FUZZERS needs clang (found ${CMAKE_CXX_COMPILER_ID}); "
                    "use the `fuzz` preset. No fuzz targets will be built.")
  endif()
endif()
