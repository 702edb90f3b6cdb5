"""The local web page (like Adobe's Asset Compute devtool) and the service behind ``imgworker serve``.

:func:`imgworker.devtool.app.create_app` builds the app; :class:`ServiceSettings` holds its settings.
"""

from imgworker.devtool.settings import ServiceSettings

__all__ = ["ServiceSettings"]
