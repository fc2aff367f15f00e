// Window geometry of the convolutions and pools (conv_window.h).

#include "ops/conv_window.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::ops {

using index::Point;

std::vector<std::int64_t> ints_or(const ExpansionContext& x, const char* name, std::size_t n,
                                  std::int64_t fallback) {
  auto v = x.attr_ints(name, std::vector<std::int64_t>(n, fallback));
  if (v.size() != n)
    x.fail("'" + std::string(name) + "' has " + std::to_string(v.size()) + " entries; expected " +
           std::to_string(n));
  return v;
}

Window forward_window(const ExpansionContext& x, std::vector<ir::Expr> kernel) {
  Window w;
  w.spatial = kernel.size();
  w.kernel = std::move(kernel);
  w.strides = ints_or(x, "strides", w.spatial, 1);
  w.dilations = ints_or(x, "dilations", w.spatial, 1);
  for (std::size_t i = 0; i < w.spatial; ++i)
    if (w.strides[i] <= 0 || w.dilations[i] <= 0) x.fail("strides and dilations must be positive");
  const std::string auto_pad = x.attr_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    const auto pads = ints_or(x, "pads", 2 * w.spatial, 0);
    w.pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(w.spatial));
    w.pad_end.assign(pads.begin() + static_cast<std::ptrdiff_t>(w.spatial), pads.end());
  } else if (auto_pad == "VALID") {
    w.pad_begin.assign(w.spatial, 0);
    w.pad_end.assign(w.spatial, 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (std::size_t i = 0; i < w.spatial; ++i) {
      const std::int64_t in =
          index::constant_dim(x, x.input(0).shape[2 + i], "a SAME-padded input size");
      const std::int64_t out =
          index::constant_dim(x, x.output(0).shape[2 + i], "a SAME-padded output size");
      const std::int64_t k = index::constant_dim(x, w.kernel[i], "the kernel size");
      const std::int64_t total =
          std::max<std::int64_t>((out - 1) * w.strides[i] + (k - 1) * w.dilations[i] + 1 - in, 0);
      const std::int64_t small = total / 2;
      w.pad_begin.push_back(auto_pad == "SAME_UPPER" ? small : total - small);
      w.pad_end.push_back(total - w.pad_begin.back());
    }
  } else {
    x.fail("unknown auto_pad '" + auto_pad + "'");
  }
  return w;
}

Tap window_tap(const Window& w, const std::vector<ir::Expr>& in_shape, Point lead,
               const Point& out_spatial, const Point& k, const std::vector<ir::Expr>& out_shape) {
  Tap tap{std::move(lead), {}};
  for (std::size_t i = 0; i < w.spatial; ++i) {
    const ir::Expr n = in_shape[2 + i];
    const ir::Expr pos = out_spatial[i] * w.strides[i] - w.pad_begin[i] + k[i] * w.dilations[i];
    // The last tap of the last window; when it stays inside and nothing is padded in front, no
    // check is needed.
    const ir::Expr reach =
        (out_shape[2 + i] - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] - w.pad_begin[i];
    const auto slack = (n - 1 - reach).constant_value();
    if (w.pad_begin[i] == 0 && slack && *slack >= 0) {
      tap.point.push_back(pos);
      continue;
    }
    tap.point.push_back(ir::min(ir::max(pos, 0), n - 1));
    const std::string t = index::tasklet_text(pos);
    if (!tap.inside.empty()) tap.inside += " && ";
    tap.inside += index::cat({t, " >= 0 && ", t, " < ", index::tasklet_text(n)});
  }
  return tap;
}

ir::Expr taps_inside(const Window& w, const Point& out_spatial, const std::vector<ir::Expr>& lo,
                     const std::vector<ir::Expr>& hi) {
  ir::Expr count = 1;
  for (std::size_t i = 0; i < w.spatial; ++i) {
    const ir::Expr base = out_spatial[i] * w.strides[i] - w.pad_begin[i];
    const std::int64_t d = w.dilations[i];
    // k_min = max(0, ceil((lo - base) / d)), k_max = min(K - 1, floor((hi - 1 - base) / d)).
    const ir::Expr k_min = ir::max(ir::Expr(0), -ir::floordiv(base - lo[i], d));
    const ir::Expr k_max = ir::min(w.kernel[i] - 1, ir::floordiv(hi[i] - 1 - base, d));
    count = count * ir::max(k_max - k_min + 1, 0);
  }
  return count;
}

}  // namespace sluice::ops
