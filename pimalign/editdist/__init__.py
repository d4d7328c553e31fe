"""The edit-distance engine's Python side (the dynamic programs themselves are ``kernels/``).

- ``api``: batches: ``batch_align``, ``batch_encoded``, ``edit_distances``, ``edit_paths``
  (``BatchResult``; CPU blocks on threads, the GPU hand-off).
- ``pairwise``: one pair at a time: ``align`` (edlib-like), ``align_affine`` (bwa scores).
- ``strbuf``: a ``list[str]`` read in place (CPython's compact-string layout, probed at import).
- ``textbatch``: the batch kernels that take such strings without encoding them first.

The public names are ``pimalign.align``, ``pimalign.edit_distances``... (loaded on first use by
the package face); this face imports nothing.
"""
