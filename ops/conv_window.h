#pragma once
/// Window geometry of the convolutions and pools, shared by their forward ops
/// (conv_pool_ops.cpp) and their gradient ops (conv_pool_gradient_ops.cpp): strides, dilations
/// and pads from the attributes, what a window tap reads, and how many taps fall inside a range.

#include <cstdint>
#include <string>
#include <vector>

#include "ops/expansion.h"
#include "ops/index_helpers.h"

namespace sluice::ops {

/// Window geometry along the spatial dimensions.
struct Window {
  std::size_t spatial = 0;
  std::vector<ir::Expr> kernel;
  std::vector<std::int64_t> strides;
  std::vector<std::int64_t> dilations;
  std::vector<std::int64_t> pad_begin;
  std::vector<std::int64_t> pad_end;
};

/// The int-list attribute `name` with `n` entries, `n` times `fallback` when absent.
std::vector<std::int64_t> ints_or(const ExpansionContext& x, const char* name, std::size_t n,
                                  std::int64_t fallback);

/// Strides, dilations and pads of Conv, the pools and their gradients; `kernel` comes from the
/// weights or from `kernel_shape`. SAME_* padding needs known input and output sizes (the
/// gradient ops never carry auto_pad: the rules resolve it into explicit pads).
Window forward_window(const ExpansionContext& x, std::vector<ir::Expr> kernel);

/// What a window tap reads: the input point (clamped into the input when the tap can fall
/// outside) and the tasklet condition that it is inside ("" when always inside).
struct Tap {
  index::Point point;
  std::string inside;
};

/// Tap `k` of window `out_spatial` reads input position o * s - pad + k * d. `lead` are the
/// first two indices (batch, channel).
Tap window_tap(const Window& w, const std::vector<ir::Expr>& in_shape, index::Point lead,
               const index::Point& out_spatial, const index::Point& k,
               const std::vector<ir::Expr>& out_shape);

/// The number of taps of window `out_spatial` inside [lo_i, hi_i) along every spatial dim (what
/// AveragePool divides by).
ir::Expr taps_inside(const Window& w, const index::Point& out_spatial,
                     const std::vector<ir::Expr>& lo, const std::vector<ir::Expr>& hi);

}  // namespace sluice::ops
