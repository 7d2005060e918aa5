"""An episode's Markdown as blocks: front matter, Markdown runs, fenced code and the
Carpentries div fences around them (what tools/build_notebooks.py turns into cells)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"^(`{3,})\s*(\S*)\s*$")
_DIV = re.compile(r"^:{3,}\s*([A-Za-z][\w-]*)?\s*$")

# ---------------------------------------------------------------- episode -> blocks


@dataclass
class Block:
    kind: str                 # "md", "code" (a fenced block), "open", "close"
    text: str = ""
    lang: str = ""            # of a fenced block: "python", "{.python}", "output", "bash" ...
    divs: tuple = ()          # the Carpentries divs around this block, outermost first


@dataclass
class Episode:
    title: str
    teaching: int | None
    exercises: int | None
    blocks: list = field(default_factory=list)


def parse_episode(text: str) -> Episode:
    """Split an episode into front matter, markdown runs, fenced blocks and div fences."""
    front = re.match(r"---\n(.*?)\n---\n", text, re.S)
    if not front:
        raise ValueError("an episode starts with YAML front matter between --- lines")
    meta = dict(re.findall(r"^(\w+):\s*(.*?)\s*$", front.group(1), re.M))
    title = meta.get("title", "").strip().strip("\"'")
    minutes = {key: int(meta[key]) if meta.get(key, "").isdigit() else None for key in ("teaching", "exercises")}
    episode = Episode(title, minutes["teaching"], minutes["exercises"])
    lines = text[front.end():].split("\n")
    stack: list[str] = []
    markdown: list[str] = []

    def flush():
        if "".join(markdown).strip():
            episode.blocks.append(Block("md", "\n".join(markdown).strip("\n"), divs=tuple(stack)))
        markdown.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        div = _DIV.match(line)
        if fence:
            flush()
            ticks, lang = fence.groups()
            body = []
            index += 1
            while index < len(lines) and lines[index].rstrip() != ticks:
                body.append(lines[index])
                index += 1
            episode.blocks.append(Block("code", "\n".join(body), lang=lang, divs=tuple(stack)))
        elif div:
            flush()
            if div.group(1):
                stack.append(div.group(1))
                episode.blocks.append(Block("open", divs=tuple(stack)))
            elif stack:
                episode.blocks.append(Block("close", divs=tuple(stack)))
                stack.pop()
        else:
            markdown.append(line)
        index += 1
    flush()
    if stack:
        raise ValueError(f"unclosed div(s): {', '.join(stack)}")
    return episode
