"""Make SVG sources safe to rasterise: no external references, no scripts (field case A15).

The renderer loads SVG from memory, where librsvg already refuses every non-``data:`` reference
(measured: ``file://``, absolute and relative ``<image href>`` all render nothing). This module is
the belt to that pair of braces, so the guarantee does not depend on the librsvg version:

- ``<script>`` and ``<foreignObject>`` elements are removed, and ``on*`` event attributes;
- every ``href``/``xlink:href`` that is not a same-document fragment (``#id``) or a ``data:`` URI is
  removed (``<image>``, ``<use>``, ``<feImage>``, ``<a>``, ...);
- in ``style`` attributes and ``<style>`` elements, ``@import`` rules are dropped and ``url(...)``
  values other than fragments/``data:`` become ``none``.

Internal DTD entities are expanded by the parser (expat, which bounds entity expansion); external
entities are never loaded (an undefined one makes the SVG unreadable: ``SourceCorrupt``).
The rasterised output never has the SVG type: SVG is an input format only (spec 3.1).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_DROP_ELEMENTS = frozenset({"script", "foreignObject"})
_URL = re.compile(r"url\(\s*(['\"]?)(?P<ref>[^)'\"]*)\1\s*\)", re.IGNORECASE)
_IMPORT = re.compile(r"@import[^;]*;?", re.IGNORECASE)

ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)


class UnsafeSvg(ValueError):
    """The SVG text is not well-formed XML (or uses an external entity)."""


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _internal(ref: str) -> bool:
    ref = ref.strip()
    return ref.startswith("#") or ref.lower().startswith("data:")


def _clean_css(text: str) -> str:
    text = _IMPORT.sub("", text)
    return _URL.sub(lambda m: m.group(0) if _internal(m.group("ref")) else "none", text)


def sanitize(data: bytes) -> bytes:
    """The SVG document ``data`` without scripts or external references (UTF-8 bytes).

    Raises:
        UnsafeSvg: the document is not well-formed XML.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise UnsafeSvg(f"SVG is not well-formed XML ({exc})") from None
    _clean(root)
    out: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return out


def _clean(element: ET.Element) -> None:
    for child in list(element):
        if _local(str(child.tag)) in _DROP_ELEMENTS:
            element.remove(child)
        else:
            _clean(child)
    for name in list(element.attrib):
        local = _local(name).lower()
        value = element.attrib[name]
        if local.startswith("on") or (local == "href" and not _internal(value)):
            del element.attrib[name]
        elif local == "style" or "url(" in value.lower():
            element.attrib[name] = _clean_css(value)
    if _local(str(element.tag)) == "style" and element.text:
        element.text = _clean_css(element.text)
