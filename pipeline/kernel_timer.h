#pragma once
/// The kernel timer the hosts install for `layout-select{measure=true}` (transforms/layout/
/// kernel_timer.h): it generates CPU code for a program with timers on, compiles it (through the
/// shared cache), runs it on random inputs and reports each kernel's median seconds.
///
///   pipeline::install_kernel_timer();   // the CLI and the Python module call this at start-up

#include <memory>

#include "transforms/layout/kernel_timer.h"

namespace sluice::pipeline {

/// A timer over the CPU code generator and the default compiler route. Inputs are drawn from a
/// fixed seed (floats uniform in [-1, 1], integers and bools zero), so every configuration runs on
/// the same data.
std::shared_ptr<transforms::KernelTimer> make_cpu_kernel_timer();

/// Installs make_cpu_kernel_timer() unless a timer is installed already.
void install_kernel_timer();

}  // namespace sluice::pipeline
