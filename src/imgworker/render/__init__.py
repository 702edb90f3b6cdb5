"""The imgix-compatible renderer: imgix URL API (parameters, signing) on libvips.

Layers: :mod:`~imgworker.render.params` (query string to a frozen, validated parameter set; no
pyvips), :mod:`~imgworker.render.pipeline` (the ordered steps), :mod:`~imgworker.render.ops` (one
module per imgix category), :mod:`~imgworker.render.vips` (the only pyvips import),
:mod:`~imgworker.render.server` (HTTP). ``render`` never imports ``worker`` or ``asset_compute``.
"""
