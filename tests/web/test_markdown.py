"""The page's own Markdown renderer (``static/markdown.js``), run by Node on what models
write and on fuzzed input: the blocks and marks come out right, every prefix of an
answer renders (it streams), and whatever the input, the HTML holds only the renderer's
own tags and attributes, with links to http(s) and mailto only."""

from __future__ import annotations

import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings, strategies as st

import r9s.web
from tests.support.ci import program

MODULE = Path(r9s.web.__file__).parent / "static" / "markdown.js"
RUNNER = f"""
import {{ renderMarkdown, highlight }} from {json.dumps(MODULE.as_uri())};
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {{
  const out = JSON.parse(input).map((text) => {{
    try {{ return renderMarkdown(text); }} catch (error) {{ return "THREW " + error.message; }}
  }});
  process.stdout.write(JSON.stringify(out));
}});
"""
TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "a", "ul", "ol", "li", "h1", "h2", "h3",
    "h4", "h5", "h6", "blockquote", "hr", "div", "span", "button", "table", "thead", "tbody",
    "tr", "th", "td", "input", "img",
}  # fmt: skip
ATTRIBUTES = {
    "href", "title", "target", "rel", "class", "type", "disabled", "checked", "start",
    "data-copy", "data-open", "src", "alt",
}  # fmt: skip


def render(texts: list[str]) -> list[str]:
    node = program("node")
    done = subprocess.run(
        [node, "--input-type=module", "-e", RUNNER],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found: list[str] = json.loads(done.stdout)
    return found


class Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name not in ATTRIBUTES:
                self.problems.append(f"attribute {name} on {tag}")
            if name == "href" and not (value or "").startswith(
                ("https://", "http://", "mailto:", "#")
            ):
                self.problems.append(f"href {value}")
            if name == "src" and not (value or "").startswith("data:image/"):
                self.problems.append(f"src {value}")
        if tag == "img" and not dict(attrs).get("src", "").startswith("data:image/"):
            self.problems.append("an image from elsewhere")


def safe(html: str) -> list[str]:
    checker = Checker()
    checker.feed(html)
    checker.close()
    return checker.problems + (["threw"] if html.startswith("THREW") else [])


ANSWER = """# Rivers

The **Nile** is *long*; the ~~Amazon~~ is `wide`. See [a map](https://example.com/map "Map").

1. Nile
2. Amazon
   - in Brazil
   - [x] visited

> a quote
> on two lines

| river | km |
|:---|---:|
| Nile | 6650 |

```python
def length(river: str) -> int:
    return {"Nile": 6650}[river]  # km
```
"""


def test_a_typical_answer() -> None:
    (html,) = render([ANSWER])
    assert "<h1>Rivers</h1>" in html
    assert "<strong>Nile</strong>" in html and "<em>long</em>" in html
    assert "<del>Amazon</del>" in html and "<code>wide</code>" in html
    assert (
        '<a href="https://example.com/map" title="Map" target="_blank" rel="noopener noreferrer">'
        in html
    )
    assert '<ol><li>Nile</li><li>Amazon\n<ul><li>in Brazil</li><li class="task">' in html
    assert "<blockquote><p>a quote<br>on two lines</p></blockquote>" in html
    assert '<th class="align-left">river</th><th class="align-right">km</th>' in html
    assert '<span class="tok-keyword">def</span> <span class="tok-fn">length</span>' in html
    assert '<span class="tok-comment"># km</span>' in html
    assert not safe(html)


def test_every_prefix_renders_as_it_streams() -> None:
    prefixes = [ANSWER[:end] for end in range(len(ANSWER) + 1)]
    rendered = render(prefixes)
    assert all(not html.startswith("THREW") for html in rendered)
    assert 'data-open="true"' in rendered[ANSWER.index("def length") + 3]  # an open fence


def test_html_and_scripts_in_an_answer_are_text() -> None:
    attacks = [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "![x](https://tracker.example/pixel.png)",
        "![x](data:text/html;base64,PHNjcmlwdD4=)",
        '[a](https://x.example/" onmouseover="alert(1))',
        "<a href='javascript:alert(1)'>x</a>",
        "```\n</code></pre><script>alert(1)</script>\n```",
        "| <b>x</b> |\n|---|\n| <i onclick=alert(1)>y</i> |",
        "`<svg onload=alert(1)>`",
        'https://example.com/"><script>alert(1)</script>',
    ]
    for attack, html in zip(attacks, render(attacks), strict=True):
        assert not safe(html), (attack, html, safe(html))
        assert "<script" not in html and "<svg" not in html, attack  # shown as text


MARKS = "#*_`~-+>|[]()!:\\.1 \n\t<>\"'=xyhttps:/"


@settings(max_examples=8, deadline=None)
@given(st.lists(st.text(alphabet=MARKS, max_size=60), min_size=50, max_size=80))
def test_fuzzed_input_renders_safely(texts: list[str]) -> None:
    for text, html in zip(texts, render(texts), strict=True):
        assert not safe(html), (text, html, safe(html))
