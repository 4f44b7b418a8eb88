"""Web pages: the article text and its tables, without navigation, scripts and site chrome."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..blocks import Block, Table
from .txt import decode_text

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

CHROME_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "button", "select")
CHROME_HINT = re.compile(r"nav|menu|footer|header|breadcrumb|sidebar|share|crumb|toolbar|copyright|topbar|login", re.I)
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def _decode(data: bytes) -> str:
    m = _CHARSET.search(data[:4096])
    if m:
        enc = m.group(1).decode("ascii", "ignore").lower()
        if enc in ("gb2312", "gbk"):
            enc = "gb18030"
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def _drop_chrome(soup: BeautifulSoup) -> None:
    """Remove scripts, styles and the page's navigation, headers and footers (by tag, id or class)."""
    for tag in soup(CHROME_TAGS):
        tag.decompose()
    chrome = []
    for tag in soup.find_all(True):
        attrs = tag.attrs or {}
        hint = " ".join([str(attrs.get("id", ""))] + list(attrs.get("class", []) or []))
        if hint.strip() and CHROME_HINT.search(hint) and tag.name not in ("body", "html", "table", "td", "tr"):
            chrome.append(tag)
    for tag in chrome:
        if not getattr(tag, "decomposed", False):
            tag.decompose()


def read_html(data: bytes) -> list[Block]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data), "lxml")
    _drop_chrome(soup)
    tables: list[Table] = []
    for table in soup.find_all("table"):
        if table.find("table") is not None:
            continue  # a layout table around other content: its text is read in place
        rows = []
        for tr in table.find_all("tr"):
            cells = [c.get_text("\n", strip=True) for c in tr.find_all(["td", "th"])]
            if any(cells):
                rows.append(cells)
        table.replace_with(soup.new_string(f"\n\x00{len(tables)}\x00\n"))
        tables.append(Table(rows))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    root = soup.body or soup
    blocks: list[Block] = []
    text = root.get_text("\n")
    for line in text.splitlines():
        m = re.fullmatch(r"\s*\x00(\d+)\x00\s*", line)
        if m:
            blocks.append(tables[int(m.group(1))])
        elif line.strip():
            blocks.append(line.strip())
    if not blocks and soup.title and soup.title.string:
        blocks.append(soup.title.string.strip())
    return blocks
