"""imgworker: an Adobe Asset Compute custom worker that makes image renditions through imgix.

For each processing job it stages the source into the store imgix reads, builds a signed imgix URL
from each rendition's ``instructions.imgix`` parameters, fetches the rendered image and delivers it to
the rendition's target, reporting ``rendition_created`` / ``rendition_failed`` events. It embeds its
own imgix-compatible renderer (:mod:`imgworker.render`) so everything runs without a cloud account.
"""

__version__ = "0.1.0"
