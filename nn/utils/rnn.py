"""nn.utils.rnn, as ``torch.nn.utils.rnn``: ``pad_sequence`` (variable-length sequences into one padded
batch, with gradients to every sequence). Packed sequences are not provided: run the recurrent layers on the
padded batch, and mask the padded steps in the loss (e.g. ``cross_entropy(..., ignore_index=...)``)."""

import autograd_core as ag


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into one of shape (max L_i, B, *), or (B, max L_i, *) with
    ``batch_first``, each padded with ``padding_value`` after its end (before its start with
    ``padding_side="left"``). Differentiable in every sequence."""
    seqs = list(sequences)
    if not seqs:
        raise ValueError("pad_sequence: got an empty list of sequences")
    for i, s in enumerate(seqs):
        if not isinstance(s, ag.Tensor):
            raise TypeError(f"pad_sequence: sequence {i} is a {type(s).__name__}, not a Tensor")
        if s.ndim == 0:
            raise ValueError(f"pad_sequence: sequence {i} is 0-d; each must have shape (L, *)")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}")
    rest = tuple(seqs[0].shape[1:])
    for i, s in enumerate(seqs):
        if tuple(s.shape[1:]) != rest:
            raise ValueError(f"pad_sequence: sequence {i} has shape {tuple(s.shape)}, but sequence 0 has trailing "
                             f"dims {rest}: all must be (L, {', '.join(map(str, rest)) or '*'})")
        if s.dtype != seqs[0].dtype or s.device != seqs[0].device:
            raise ValueError(f"pad_sequence: sequence {i} is {s.dtype.name} on {s.device}, sequence 0 "
                             f"{seqs[0].dtype.name} on {seqs[0].device}: all must match")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        short = longest - s.shape[0]
        if short:
            fill = ag.full((short,) + rest, padding_value, dtype=s.dtype, device=s.device)
            s = ag.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return ag.stack(padded, 1 if not batch_first else 0)
