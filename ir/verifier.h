#pragma once
/// The verifier: checks every structural invariant of a program and says, for each problem,
/// where it is (an `IrPath` such as `state 'main' / map 2 'mm' / edge 3`) and which container
/// or connector is involved. Transformations run it after each rewrite in debug builds and with
/// `--verify-each`; loaders run it on what they read.
///
/// What is checked (tests/unit/ir/verifier_test.cpp holds one test per diagnostic):
///  - symbols: identifiers of an integer (or bool) dtype;
///  - containers: unique identifier names, strides of the shape's rank, scalars of rank 0,
///    views (source, dtype, permutation, element count), declared symbols only, no provably
///    negative dimension, no argument in registers or GPU shared memory;
///  - control flow: a start state, unique labels, transitions between existing states whose
///    conditions are bool and whose conditions and assignments use declared symbols;
///  - each dataflow graph: acyclic; nodes well formed (connectors, tasklet code type-checked
///    against the dtypes of the containers its edges carry, map parameters and ranges, library
///    op and implementation, nested programs with their symbol mapping, verified recursively);
///    every input connector fed by exactly one edge and every output connector used; map bodies
///    reading and writing containers only through the map's connectors;
///  - edges: connectors that exist on the right side, memlets naming the container of the
///    Access node they touch, subsets of the container's rank, inside its bounds when that can
///    be decided, non-negative volume, write-conflict resolution only on writes, one element per
///    tasklet connector (an input the code subscripts: one index per dimension of its subset),
///    copies that keep the dtype and the number of elements.
///
/// Symbolic facts are decided with interval bounds under one assumption: every program symbol
/// is >= 0 (a size or a counter), and every map parameter sweeps its range, which is taken to
/// be non-empty. A fact that cannot be decided is not reported: the verifier reports what is
/// certainly wrong (for example `A[0:N + 1]` in an array of size N), never what merely might be.

#include <vector>

#include "ir/diagnostic.h"
#include "ir/program.h"

namespace sluice::ir {

/// Every problem found, in a deterministic order (program, symbols, containers, states and
/// their graphs by id, transitions); empty means the program is valid.
std::vector<Diagnostic> verify(const Program& program);

/// Throws `UserError` carrying every diagnostic of `verify` if there is any.
void verify_or_throw(const Program& program);

}  // namespace sluice::ir
