// `sluice`: the command-line driver. Argument parsing only; the work is in commands.cpp.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>

#include "ir/diagnostic.h"
#include "pipeline/kernel_timer.h"
#include "tools/commands.h"
#include "tools/grad_command.h"
#include "tools/train_command.h"
#include "tools/model_commands.h"
#include "tools/opt_command.h"
#include "tools/transforms_command.h"

namespace {

int run_cli(int argc, char** argv) {
  using namespace sluice::tools;
  // layout-select{measure=true} compiles and times candidate layouts through it.
  sluice::pipeline::install_kernel_timer();
  CLI::App app{"Sluice: a data-centric optimization workbench for deep-learning training.",
               "sluice"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sluice 0.1.0");

  std::string path;
  std::string output;
  std::string format = "text";
  std::vector<std::string> symbol_flags;
  bool json = false;
  bool check = false;
  int exit_code = 0;
  // Commands run after parsing succeeds; errors in them are diagnostics, not usage errors.
  std::function<int()> command;

  auto* show_cmd = app.add_subcommand("show", "Print a program in the text (or JSON) form");
  show_cmd->add_option("file", path, "Program file (*.sluice.json or *.sluice.txt)")->required();
  show_cmd->add_option("--format", format, "Output form")
      ->check(CLI::IsMember({"text", "json"}));
  show_cmd->callback([&] { command = [&] { return show(path, format); }; });

  auto* verify_cmd = app.add_subcommand("verify", "Check every IR invariant of a program");
  verify_cmd->add_option("file", path, "Program file")->required();
  verify_cmd->callback([&] { command = [&] { return verify(path); }; });

  const auto add_report_flags = [&](CLI::App* cmd) {
    cmd->add_option("-s,--symbol", symbol_flags, "Symbol value NAME=VALUE (repeatable)");
    cmd->add_flag("--json", json, "Print the report as JSON");
  };
  auto* report_cmd =
      app.add_subcommand("report", "Data movement, FLOPs and memory per kernel and in total");
  report_cmd->add_option("file", path, "Program file")->required();
  add_report_flags(report_cmd);
  report_cmd->callback([&] {
    command = [&] { return report(path, parse_symbol_flags(symbol_flags), json); };
  });

  auto* convert_cmd = app.add_subcommand("convert", "Convert between the JSON and text forms");
  convert_cmd->add_option("input", path, "Program file to read")->required();
  convert_cmd->add_option("output", output, "File to write; the extension picks the form")
      ->required();
  convert_cmd->callback([&] { command = [&] { return convert(path, output); }; });

  bool sample_ir = false;
  auto* demo_cmd = app.add_subcommand(
      "demo",
      "The main job: import, compile and run the embedded sample transformer; print its timing "
      "and data-movement report");
  add_report_flags(demo_cmd);
  demo_cmd->add_flag("--sample-ir", sample_ir,
                     "Instead, print the IR and report of the embedded small_layer program");
  demo_cmd->callback([&] {
    command = [&] {
      return sample_ir ? demo(parse_symbol_flags(symbol_flags), json) : demo_model(json);
    };
  });

  auto* samples_cmd = app.add_subcommand("samples", "Write (or check) the sample program files");
  samples_cmd->add_option("dir", path, "Folder for the files")->required();
  samples_cmd->add_flag("--check", check, "Compare instead of writing; fail on a difference");
  samples_cmd->callback([&] { command = [&] { return samples(path, check); }; });

  // --pipeline | --recipe, --plugin, --verify-each: for `opt` and `run` (where they replace the
  // default pipeline).
  const auto add_transform_flags = [](CLI::App* cmd, TransformFlags& flags) {
    auto* pipeline = cmd->add_option("--pipeline", flags.pipeline,
                                     "Transformations to apply, e.g. 'expand{impl=pure},"
                                     "dead-dataflow-elimination' (see 'sluice transforms')");
    auto* recipe = cmd->add_option("--recipe", flags.recipe,
                                   "Transformations to replay, as recorded (JSON)");
    pipeline->excludes(recipe);
    cmd->add_option("--plugin", flags.plugins, "Load transformations from this shared library "
                                               "(repeatable)");
    cmd->add_flag("--verify-each", flags.verify_each,
                  "Verify the program after every transformation (finds the one that breaks it)");
  };

  OptFlags opt_flags;
  auto* opt_cmd = app.add_subcommand(
      "opt", "Apply transformations to a model or program; report data movement and FLOPs "
             "before and after");
  opt_cmd->add_option("model", opt_flags.model, "ONNX model or program (*.sluice.json/.txt)")
      ->required();
  add_transform_flags(opt_cmd, opt_flags.transforms);
  opt_cmd->add_option("-o,--output", opt_flags.output,
                      "Write the optimized program (*.sluice.json or *.sluice.txt)");
  opt_cmd->add_option("--report", opt_flags.report, "Write the before/after report as JSON");
  opt_cmd->add_option("--record", opt_flags.record, "Write what was applied as a recipe (JSON)");
  opt_cmd->add_option("-s,--symbol", opt_flags.symbol_flags,
                      "Symbol value NAME=VALUE for the report (repeatable)");
  opt_cmd->callback([&] {
    if (opt_flags.transforms.pipeline.empty() && opt_flags.transforms.recipe.empty())
      throw CLI::RequiredError("--pipeline or --recipe");
    command = [&] { return opt(opt_flags); };
  });

  std::vector<std::string> list_plugins;
  auto* transforms_cmd = app.add_subcommand(
      "transforms", "List every transformation: tier, origin, parameters, description");
  transforms_cmd->alias("list-transforms");
  transforms_cmd->add_option("--plugin", list_plugins,
                             "Load transformations from this shared library (repeatable)");
  transforms_cmd->add_flag("--json", json, "Print the list as JSON");
  transforms_cmd->callback(
      [&] { command = [&] { return list_transforms(list_plugins, json); }; });

  RunFlags run_flags;
  auto* run_cmd = app.add_subcommand(
      "run", "Run an ONNX model on the CPU: inputs from an .npz, outputs to an .npz");
  run_cmd->add_option("model", run_flags.model, "ONNX model file")->required();
  run_cmd->add_option("--inputs", run_flags.inputs, "One array per graph input, keyed by name")
      ->required();
  run_cmd->add_option("--output-file", run_flags.output_file,
                      "Where to write one array per graph output, keyed by name")
      ->required();
  add_transform_flags(run_cmd, run_flags.transforms);
  run_cmd->add_option("--target", run_flags.target, "Where the code runs")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  run_cmd->add_option("--repeat", run_flags.repeat, "Run this many times (timing)")
      ->check(CLI::Range(1, 1000000));
  run_cmd->add_flag("--profile", run_flags.profile, "Print the time of every kernel");
  run_cmd->callback([&] { command = [&] { return run_model(run_flags); }; });

  GradFlags grad_flags;
  auto* grad_cmd = app.add_subcommand(
      "grad", "Gradients of an ONNX model: d sum(output * seed) / d each float initializer and "
              "input");
  grad_cmd->add_option("model", grad_flags.model, "ONNX model file")->required();
  grad_cmd->add_option("--inputs", grad_flags.inputs, "One array per graph input, keyed by name")
      ->required();
  grad_cmd->add_option("--seed", grad_flags.seed,
                       "One array per graph output, keyed by name, shaped like the output")
      ->required();
  grad_cmd->add_option("--output-file", grad_flags.output_file,
                       "Where to write one gradient per float initializer and input, by name")
      ->required();
  add_transform_flags(grad_cmd, grad_flags.transforms);
  grad_cmd->add_option("--target", grad_flags.target, "Where the code runs")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  grad_cmd->callback([&] { command = [&] { return grad_model(grad_flags); }; });

  TrainFlags train_flags;
  auto* train_cmd = app.add_subcommand(
      "train", "Train an ONNX model: forward, loss, backward and optimizer step as one program");
  train_cmd->add_option("model", train_flags.model, "ONNX model file")->required();
  train_cmd->add_option("--data", train_flags.data,
                        "One array per graph input and 'target', samples along axis 0")
      ->required();
  train_cmd->add_option("--steps", train_flags.steps, "Training steps")
      ->check(CLI::Range(1, 100000000));
  train_cmd->add_option("--loss", train_flags.training.loss, "Loss on the output")
      ->check(CLI::IsMember({"cross_entropy", "mse"}));
  train_cmd->add_option("--output", train_flags.training.output,
                        "The output the loss reads (default: the first)");
  train_cmd->add_option("--optimizer", train_flags.training.optimizer, "Parameter update")
      ->check(CLI::IsMember({"sgd", "adam", "adamw"}));
  train_cmd->add_option("--lr", train_flags.training.lr, "Learning rate")
      ->check(CLI::PositiveNumber);
  train_cmd->add_option("--momentum", train_flags.training.momentum, "SGD momentum")
      ->check(CLI::Range(0.0, 1.0));
  train_cmd->add_option("--weight-decay", train_flags.training.weight_decay,
                        "Weight decay (default: 0.01 for adamw, else 0)")
      ->check(CLI::Range(0.0, 1.0));
  train_cmd->add_option("--precision", train_flags.training.precision,
                        "f32, or bf16/f16: activations and their gradients stored in 16 bits, "
                        "weights, optimizer state and sums in f32 (mixed-precision)")
      ->check(CLI::IsMember({"f32", "bf16", "f16"}));
  train_cmd->add_option("--batch-size", train_flags.batch_size,
                        "Samples per step when the model's batch is symbolic (default: all)")
      ->check(CLI::PositiveNumber);
  train_cmd->add_option("--log-every", train_flags.log_every,
                        "Print the loss every this many steps (default: ten times in all)")
      ->check(CLI::PositiveNumber);
  train_cmd->add_option("--save", train_flags.save, "Write the trained model (ONNX) here");
  add_transform_flags(train_cmd, train_flags.transforms);
  train_cmd->callback([&] { command = [&] { return train_model(train_flags); }; });

  std::string emit_dir;
  std::string target = "cpu";
  auto* compile_cmd = app.add_subcommand(
      "compile", "Compile an ONNX model; write its programs and generated C++ for inspection");
  compile_cmd->add_option("model", path, "ONNX model file")->required();
  compile_cmd->add_option("--emit", emit_dir, "Folder for the generated files")->required();
  compile_cmd->add_option("--target", target, "Where the code runs")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  compile_cmd->callback([&] { command = [&] { return compile_model(path, emit_dir, target); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    if (code != 0) std::cerr << "Run 'sluice --help' for usage.\n";
    return code == 0 ? 0 : 2;
  }
  try {
    exit_code = command ? command() : 0;
  } catch (const sluice::UserError& e) {
    std::cerr << e.what() << '\n';
    return 1;
  } catch (const sluice::InternalError& e) {
    std::cerr << e.what() << "\nThis is a bug in Sluice; please report it with the input.\n";
    return 3;
  }
  return exit_code;
}

}  // namespace

// Nothing may escape main: an unexpected exception is reported as a bug (exit 3), not an abort.
int main(int argc, char** argv) {
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::fputs("sluice: internal error: ", stderr);
    std::fputs(e.what(), stderr);
    std::fputs("\nThis is a bug in Sluice; please report it with the input.\n", stderr);
  } catch (...) {
    std::fputs("sluice: internal error: unknown exception\n", stderr);
  }
  return 3;
}
