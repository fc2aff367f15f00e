"""Training step through sluice.torch.Module against plain PyTorch, in one run.

Step: nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.0, batch_first=True) on a batch of 4
sequences of 128, MSE loss against a fixed random target, backward, torch.optim.AdamW. The
Sluice side wraps the layer in sluice.torch.Module (its forward and backward run Sluice's code;
the loss and AdamW are torch's). Prints the median time per step of each (alternating blocks)
and the ratio. ``--module-file`` loads another implementation of sluice/torch.py (an older one,
say, ``git show REV:python/sluice/torch.py > /tmp/old_torch.py``) to compare with. From the
repository root:

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
    if path is None:
        return sluice.torch.Module
    spec = importlib.util.spec_from_file_location("sluice._bench_torch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="threads for both PyTorch and Sluice (spell it --threads=N)")
    parser.add_argument("--module-file", default=None,
                        help="a sluice/torch.py to use instead of the installed one")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    reference = nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.0, batch_first=True)
    ours = copy.deepcopy(reference)
    x = torch.randn(4, 128, 256)
    target = torch.randn(4, 128, 256)
    wrapped = load_module_class(args.module_file)(ours, (x,))
    opt_ref = torch.optim.AdamW(reference.parameters(), lr=1e-4)
    opt_ours = torch.optim.AdamW(wrapped.parameters(), lr=1e-4)

    def step(model, opt):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), target)
        loss.backward()
        opt.step()
        return loss.item()

    losses = [(step(reference, opt_ref), step(wrapped, opt_ours)) for _ in range(3)]
    ref, got = np.array(losses).T
    np.testing.assert_allclose(got, ref, rtol=1e-3)
    print(f"losses agree for 3 steps: torch {ref}, sluice {got}")
    t_torch, t_sluice = interleaved_medians([lambda: step(reference, opt_ref),
                                             lambda: step(wrapped, opt_ours)], args.repeat)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; module file "
          f"{args.module_file or sluice.torch.__file__}")
    print(f"per training step: torch {t_torch * 1e3:.1f} ms, sluice.torch.Module "
          f"{t_sluice * 1e3:.1f} ms, ratio {t_torch / t_sluice:.2f}x (>1: Sluice faster)")


if __name__ == "__main__":
    main()
