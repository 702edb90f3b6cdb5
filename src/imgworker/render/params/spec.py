"""One row of the imgix parameter table.

Source: imgix's parameter schema ``imgix/imgix-url-params`` (``dist/parameters.json``), restated in
the spec's section 2.2. The ``type_expr`` mini-language is compiled by
:func:`imgworker.render.params.types.compile_type`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParamSpec:
    """An imgix parameter.

    Attributes:
        name: canonical name, e.g. ``"w"``.
        category: imgix API category (``size``, ``format``, ``adjustment`` ...), the docs page group
            ``https://docs.imgix.com/apis/rendering/<category>``.
        type_expr: accepted value types, alternatives separated by ``;``, e.g.
            ``"integer strict[2..8192] ; unit_scalar strict[0..1]"``.
        default: the documented default as written in the schema (text), or ``None``.
        aliases: other accepted names (``width`` for ``w``).
        depends: documented dependencies (``fit=crop``), informative.
        tier: usage tier: ``1`` must, ``2`` should, ``3`` nice, ``X`` out of scope.
        base64: whether a ``<name>64`` variant exists (all but ``auto`` and ``ch``).
    """

    name: str
    category: str
    type_expr: str
    default: str | None = None
    aliases: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()
    tier: str = "3"
    base64: bool = True

    @property
    def doc_url(self) -> str:
        """The imgix documentation page of the parameter's category."""
        return f"https://docs.imgix.com/apis/rendering/{self.category}"
