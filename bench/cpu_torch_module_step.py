"""Training step through sluice.torch.Module against plain PyTorch, in one run.

Step: nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.0, batch_first=True) on a batch of 4
sequences of 128, MSE loss against a fixed random target, backward, torch.optim.AdamW. The
Sluice side wraps the layer in sluice.torch.Module (its forward and backward run Sluice's code;
the loss and AdamW are torch's). Prints the median time per step of each (alternating blocks)
and the ratio. ``--compare-with`` adds another implementation of sluice/torch.py to the same run
(an older one, say, ``git show REV:python/sluice/torch.py > /tmp/old_torch.py``), timed in the
same alternating blocks. From the repository root:

    PYTHONPATH=build/release/python /usr/bin/python3 bench/cpu_torch_module_step.py --threads=2
"""

import argparse
import copy
import importlib.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Same thread, BLAS and wait-policy settings as the forward benchmark (set before torch loads).
from cpu_encoder_layer import interleaved_medians  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import sluice  # noqa: E402
import sluice.torch  # noqa: E402,F401


def load_module_class(path):
    spec = importlib.util.spec_from_file_location("sluice._bench_torch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="threads for both PyTorch and Sluice (spell it --threads=N)")
    parser.add_argument("--compare-with", default=None,
                        help="another sluice/torch.py to time in the same run")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    reference = nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.0, batch_first=True)
    x = torch.randn(4, 128, 256)
    target = torch.randn(4, 128, 256)
    sides = [("torch", reference)]
    sides.append(("sluice.torch.Module", sluice.torch.Module(copy.deepcopy(reference), (x,))))
    if args.compare_with:
        sides.append((f"Module of {args.compare_with}",
                      load_module_class(args.compare_with)(copy.deepcopy(reference), (x,))))
    optimizers = [torch.optim.AdamW(model.parameters(), lr=1e-4) for _, model in sides]

    def step(model, opt):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), target)
        loss.backward()
        opt.step()
        return loss.item()

    losses = np.array([[step(m, o) for (_, m), o in zip(sides, optimizers)] for _ in range(3)])
    for k in range(1, len(sides)):
        np.testing.assert_allclose(losses[:, k], losses[:, 0], rtol=1e-3)
    print(f"losses agree for 3 steps: {losses[:, 0]}")
    times = interleaved_medians([lambda m=m, o=o: step(m, o)
                                 for (_, m), o in zip(sides, optimizers)], args.repeat)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; per training step "
          "(forward, MSE, backward, AdamW):")
    for (name, _), t in zip(sides, times):
        print(f"  {name}: {t * 1e3:.1f} ms, torch/this {times[0] / t:.2f}x")


if __name__ == "__main__":
    main()
