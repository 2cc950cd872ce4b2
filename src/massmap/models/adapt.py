"""Carry a trained network over to another list of input channels, so a new channel starts from what it knew."""

from __future__ import annotations

import torch


def adapt_input_channels(net: torch.nn.Module, old: tuple[str, ...], new: tuple[str, ...]) -> torch.nn.Module:
    """The network with its first convolution rebuilt for the `new` channels: a channel it had keeps its weights,
    a new one starts at zero, so the adapted network maps exactly as before until training moves the new weights.
    """
    conv = next((m for m in net.modules() if isinstance(m, torch.nn.Conv2d)), None)
    if conv is None or conv.in_channels != len(old):
        raise ValueError(f"the network's first convolution does not take the {len(old)} channels {old}")
    weight = torch.zeros((conv.out_channels, len(new)) + tuple(conv.kernel_size), dtype=conv.weight.dtype)
    for i, name in enumerate(new):
        if name in old:
            weight[:, i] = conv.weight.data[:, old.index(name)]
    conv.weight = torch.nn.Parameter(weight.contiguous(memory_format=torch.channels_last))
    conv.in_channels = len(new)
    return net
