"""imgworker's configuration: the one place that reads the environment (and ``.env``).

Variables (case-insensitive; the process environment wins over ``.env``; empty values count as
unset). The first eight are the imgix + Asset Compute tutorial's names:

=================================  ===================================================================
``AZURE_STORAGE_ACCOUNT``          account of the asset ("source") storage; used by ``aem-sim``
``AZURE_STORAGE_KEY``              its key (secret)
``AZURE_STORAGE_CONTAINER_NAME``   the source container (default ``source``)
``IMGIX_STORAGE_ACCOUNT``          account imgix reads from (the staging store); default: the above
``IMGIX_STORAGE_KEY``              its key (secret)
``IMGIX_STORAGE_CONTAINER_NAME``   the staging container (default ``imgix``)
``IMGIX_SECURE_TOKEN``             the imgix source's secure URL token (secret)
``IMGIX_DOMAIN``                   ``<sub>.imgix.net`` = the real imgix service over https; another
                                   URL (``http://127.0.0.1:8080``) = an imgworker renderer already
                                   running; unset = the embedded renderer, started per run
``AZURE_STORAGE_CONNECTION_STRING`` replaces account/key/endpoint for the source account (Azurite)
``AZURE_STORAGE_ENDPOINT``         blob endpoint (default ``https://<account>.blob.core.windows.net``)
``IMGIX_STORAGE_CONNECTION_STRING`` / ``IMGIX_STORAGE_ENDPOINT``  the same for the imgix account
``IMGWORKER_STAGING_STORE``        staging store URL: a path/``file://``, ``azure://<container>``,
                                   ``s3://<bucket>``; default ``azure://<IMGIX_STORAGE_CONTAINER_NAME>``
                                   when ``IMGIX_STORAGE_ACCOUNT`` is set, else ``.imgworker/staging``
``IMGWORKER_STAGING_RETENTION_DAYS`` unset = keep, ``0`` = delete after the job, N = purge after N days
``S3_ENDPOINT_URL``                S3-compatible endpoint (moto, MinIO); unset = AWS
``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN`` / ``AWS_REGION``
=================================  ===================================================================

Use :func:`load_settings`; :meth:`Settings.masked` and :meth:`Settings.problems` feed
``imgworker config``. Everything is re-exported here: callers use ``from imgworker.config import ...``.

Modules::

    settings.py   Settings (the fields and what they resolve to), load_settings, DEFAULT_STAGING_STORE
    accounts.py   AzureAccount, connection strings, Azurite's development account, Role
    endpoints.py  is_imgix_domain, loopback URLs
    masking.py    SecretStr unwrapping, mask, mask_connection_string
    report.py     what `imgworker config` prints: the masked view and ConfigProblem findings
"""

from imgworker.config.accounts import AZURITE_ACCOUNT, AZURITE_KEY, AzureAccount, Role, parse_connection_string
from imgworker.config.endpoints import is_imgix_domain
from imgworker.config.masking import mask, mask_connection_string
from imgworker.config.report import ConfigProblem
from imgworker.config.settings import DEFAULT_STAGING_STORE, Settings, load_settings

__all__ = [
    "AZURITE_ACCOUNT",
    "AZURITE_KEY",
    "DEFAULT_STAGING_STORE",
    "AzureAccount",
    "ConfigProblem",
    "Role",
    "Settings",
    "is_imgix_domain",
    "load_settings",
    "mask",
    "mask_connection_string",
    "parse_connection_string",
]
