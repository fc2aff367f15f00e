# Compiler flags shared by every Sluice target, applied through `sluice_project_options`.
add_library(sluice_project_options INTERFACE)
target_compile_options(sluice_project_options INTERFACE -Wall -Wextra -Wpedantic)
if(SLUICE_WARNINGS_AS_ERRORS)
  target_compile_options(sluice_project_options INTERFACE -Werror)
endif()
target_include_directories(sluice_project_options INTERFACE ${PROJECT_SOURCE_DIR})

if(SLUICE_SANITIZE)
  set(sluice_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=undefined
                        -fno-omit-frame-pointer)
  add_compile_options(${sluice_sanitizers})
  add_link_options(${sluice_sanitizers})
endif()
