#pragma once
/// One function per op file; each adds that file's ops to the table. The registry calls them
/// all once (explicit calls, not static registrars: a static library drops unreferenced
/// registrar objects). A new op file adds its line here and in op_registry.cpp.

namespace sluice::ops {

class OpTable;

void add_elementwise_ops(OpTable& table);
void add_elementwise_gradient_ops(OpTable& table);
void add_reduction_ops(OpTable& table);
void add_normalization_ops(OpTable& table);
void add_contraction_ops(OpTable& table);
void add_loss_ops(OpTable& table);
void add_shape_ops(OpTable& table);
void add_conv_pool_ops(OpTable& table);
void add_indexing_ops(OpTable& table);
void add_indexing_gradient_ops(OpTable& table);
void add_misc_ops(OpTable& table);
void add_optimizer_ops(OpTable& table);
void add_normalization_gradient_ops(OpTable& table);
void add_conv_pool_gradient_ops(OpTable& table);

}  // namespace sluice::ops
