#include "frontends/onnx/initializer_writer.h"

#include <climits>
#include <fstream>
#include <set>
#include <sstream>

#include <onnx/onnx_pb.h>

#include "frontends/onnx/host_tensor.h"
#include "ir/diagnostic.h"

namespace sluice::frontends {

void write_initializers(const std::string& model_path, const std::string& out_path,
                        const std::map<std::string, ir::Tensor>& values) {
  std::ifstream in(model_path, std::ios::binary);
  if (!in) throw UserError(model_path, "cannot open the file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = std::move(buffer).str();
  onnx::ModelProto model;
  if (bytes.size() > static_cast<std::size_t>(INT_MAX) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw UserError(model_path, "not a valid ONNX model");
  std::set<std::string> written;
  for (onnx::TensorProto& init : *model.mutable_graph()->mutable_initializer()) {
    const auto it = values.find(init.name());
    if (it == values.end()) continue;
    const ir::Tensor& t = it->second;
    const auto dtype = detail::to_dtype(init.data_type());
    std::vector<std::int64_t> shape(init.dims().begin(), init.dims().end());
    if (!dtype || *dtype != t.dtype || shape != t.shape)
      throw UserError(model_path + ": initializer '" + init.name() + "'",
                      "the new value has another type or shape");
    detail::HostTensor host{init.data_type(), t.shape, t.bytes};
    onnx::TensorProto replaced;
    detail::write_tensor(host, init.name(), replaced);
    init = std::move(replaced);
    written.insert(init.name());
  }
  for (const auto& [name, t] : values)
    if (!written.contains(name))
      throw UserError(model_path, "the model has no initializer '" + name + "'");
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out || !model.SerializeToOstream(&out)) throw UserError(out_path, "cannot write the file");
}

}  // namespace sluice::frontends
