"""`config list`: settings bucketed into sections, each line in 4.4.1's text format."""

from __future__ import annotations

from dataclasses import dataclass, field

from meltano.core.settings.definitions import SettingDefinition
from meltano.core.settings.resolve import Source
from meltano.core.settings.subject import ConfigSubject, shown


@dataclass(frozen=True)
class Listing:
    """What `config list` prints, top to bottom."""

    header: list[str] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)  # ("" = no title)
    hidden_count: int = 0
    no_match: str | None = None


def describe(
    subject: ConfigSubject,
    definition: SettingDefinition,
    *,
    unsafe: bool,
    groups: dict[str, list[int]] | None = None,
) -> list[str]:
    """`name [env: A, B] (default: x) current value: y (source)` plus a description line."""
    resolved = subject.values[definition.name]
    line = definition.name
    if groups and definition.name in groups:
        line += " " + " ".join(f"(required by group {n})" for n in groups[definition.name])
    names = subject.read_names(definition)
    if names:
        line += f" [env: {', '.join(names)}]"
    at_default = resolved.source is Source.DEFAULT
    if definition.value is not None and not at_default and resolved.value != definition.value:
        line += f" (default: {shown(definition, definition.value, unsafe=unsafe)})"
    label = resolved.label()
    if resolved.raw is not None:
        label += f": {shown(definition, resolved.raw, unsafe=unsafe)}"
    line += f" current value: {shown(definition, resolved.value, unsafe=unsafe)} ({label})"
    lines = [line]
    if definition.description:
        prefix = f"{definition.label}: " if definition.label else ""
        lines.append(f"\t{prefix}{definition.description}")
    return lines


def build_listing(
    subject: ConfigSubject,
    *,
    extras: bool = False,
    show_all: bool = False,
    filter_text: str | None = None,
    unsafe: bool = False,
) -> Listing:
    """Bucket settings into Required / Configured / Optional / Custom sections."""
    groups = subject.plugin.settings_group_validation if subject.plugin else ()
    in_group: dict[str, list[int]] = {}
    for number, group in enumerate(groups, start=1):
        for name in group:
            in_group.setdefault(name, []).append(number)
    header: list[str] = []
    if len(groups) == 1 and not extras:
        header = [f"Required settings: {', '.join(groups[0])}", ""]
    elif len(groups) > 1 and not extras:
        header = ["Setting groups (one of the following combinations is required):"]
        header += [f"  Group {n}: {', '.join(g)}" for n, g in enumerate(groups, start=1)]
        header.append("")
    chosen = [d for d in subject.definitions if d.is_extra == extras or (d.custom and d.is_extra)]
    if filter_text:
        chosen = [d for d in chosen if filter_text.lower() in d.name.lower()]
        if not chosen:
            return Listing(no_match=f"No settings match '{filter_text}'.")
        show_all = True
    buckets: dict[str, list[SettingDefinition]] = {
        "Required": [],
        "Configured": [],
        "Optional": [],
        "Custom": [],
        "CustomExtras": [],
    }
    for definition in chosen:
        resolved = subject.values[definition.name]
        if definition.custom:
            buckets["CustomExtras" if definition.is_extra and not extras else "Custom"].append(
                definition
            )
        elif definition.name in in_group and not extras:
            buckets["Required"].append(definition)
        elif resolved.source is not Source.DEFAULT:
            buckets["Configured"].append(definition)
        else:
            buckets["Optional"].append(definition)
    many = len(groups) > 1
    titles = {
        "Required": "Required:",
        "Configured": "Configured:",
        "Optional": "Optional:",
        "Custom": "Custom:" if extras else "Custom, possibly unsupported by the plugin:",
        "CustomExtras": "Custom extras, plugin-specific options handled by Meltano:",
    }
    sections: list[tuple[str, list[str]]] = []
    hidden = 0
    for key, definitions in buckets.items():
        if key == "Optional" and not show_all:
            hidden = len(definitions)
            continue
        if not definitions:
            continue
        lines = [
            text
            for d in sorted(definitions, key=lambda d: d.name)
            for text in describe(subject, d, unsafe=unsafe, groups=in_group if many else None)
        ]
        untitled = extras and key == "Optional" and not buckets["Configured"]
        sections.append(("" if untitled else titles[key], lines))
    return Listing(header=header, sections=sections, hidden_count=hidden)
