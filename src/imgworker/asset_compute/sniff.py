"""Former home of the rendition sniffer, now :mod:`imgworker.sniff` (shared with ``aem-sim verify``).

Only re-exports the names this module had (``OCTET``, ``Sniffed``, ``sniff_file``) so existing imports
keep working; new code imports :mod:`imgworker.sniff`. Remove once nothing imports it.
"""

from __future__ import annotations

from imgworker.sniff import OCTET, Sniffed, sniff_file

__all__ = ["OCTET", "Sniffed", "sniff_file"]
