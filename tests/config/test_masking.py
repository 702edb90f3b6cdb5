"""imgworker.config.masking: masked values and connection strings."""

from __future__ import annotations

from config.env import AZURITE_CS
from imgworker.config import AZURITE_KEY, mask, mask_connection_string


def test_masking() -> None:
    assert mask(None) is None
    assert mask("short") == "****"
    assert mask("abcdefghijklmnop") == "****mnop"
    masked_cs = mask_connection_string(AZURITE_CS)
    assert masked_cs is not None
    assert AZURITE_KEY not in masked_cs and "AccountKey=****Gw==;" in masked_cs
