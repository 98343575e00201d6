"""The page in a real headless Chromium (Debian's, driven by Playwright), against ``r9s
web`` in front of the local r9s server: what a person sees and does. Each state is
saved as a screenshot in ``.artifacts/web/`` for a person to look at."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from r9s.cli.common.log import Log, log_path
from r9s.testing import LocalServer
from tests.support.browser import chromium, screenshot
from tests.support.cli import KEY, r9s, user_env
from tests.web.conftest import WebServer

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
ACTIVE = ("waiting", "thinking", "streaming")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def page(browser: Any, web: WebServer) -> Iterator[Any]:
    """A tab on the page of a fresh ``r9s web`` (its own port: its own storage). Every
    byte the page was sent is checked for the API key at the end."""
    tab = browser.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error" and "Failed to load resource" not in message.text
            else None
        ),
    )
    tab.goto(web.url + "/")
    tab.wait_for_selector("body.ready")
    yield tab
    tab.close()
    assert not problems, problems
    assert KEY.encode() not in b"".join(web.sent), "the API key reached the page"


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def ask(page: Any, composer: str, text: str) -> None:
    box = page.locator(f"{composer} textarea")
    box.fill(text)
    box.press("Enter")


def choose_model(page: Any, picker: Any, model: str) -> None:
    field = picker.locator("input")
    field.click()
    field.fill(model)
    page.keyboard.press("Enter")
    expect(field).to_have_value(model)


MARKDOWN = """Here is **bold**, *italic* and `inline code`, a [link](https://example.com):

- first item
- second item

| model | speed |
|---|--:|
| a | 1 |

```python
def double(x):
    return x * 2  # twice
```
<img src=x onerror="document.title='pwned'"> <script>document.title='pwned'</script>"""


def test_chat_streams_and_renders_markdown(
    page: Any, web: WebServer, upstream: LocalServer
) -> None:
    upstream.inject("chunk_delay=0.06", times=1, path="/v1/chat/completions")
    ask(page, "#chat-composer", MARKDOWN)
    answer = page.locator("#chat-thread .answer").last
    expect(answer).to_have_attribute("data-state", "streaming")
    expect(answer.locator(".markdown")).to_contain_text("bold")
    screenshot(page, "chat-streaming")
    expect(answer).to_have_attribute("data-state", "done", timeout=20_000)
    body = answer.locator(".markdown")
    expect(body.locator("strong")).to_have_text("bold")
    expect(body.locator("em")).to_have_text("italic")
    expect(body.locator("ul > li")).to_have_count(2)
    expect(body.locator("table th")).to_have_count(2)
    expect(body.locator(".code .tok-keyword").first).to_have_text("def")
    expect(body.locator(".code .tok-comment")).to_have_text("# twice")
    link = body.locator("a[href='https://example.com']")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    # the model's HTML is text, never markup
    expect(body.locator("img")).to_have_count(0)
    expect(body.locator("script")).to_have_count(0)
    expect(body).to_contain_text("<img src=x onerror=")
    expect(page).to_have_title("r9s web")
    for stat in ("ttft", "total", "tps", "tokens"):
        expect(answer.locator(f"[data-stat='{stat}']")).to_be_visible()
    expect(page.locator("#chat-cli code")).to_have_text(re.compile(r"r9s chat -c \d{8}-\d{6}-\w+"))
    screenshot(page, "chat-done")


def test_compare_three_models_side_by_side(page: Any, web: WebServer, home: Path) -> None:
    page.locator("nav [data-view='compare']").click()
    page.locator("#compare-add").click()
    panes = page.locator("#compare-panes .pane")
    expect(panes).to_have_count(3)
    for index, model in enumerate(["gpt-4o-mini", "claude-sonnet-4-5", "qwen-plus"]):
        choose_model(page, panes.nth(index).locator(".pane-model"), model)
    ask(page, "#compare-composer", "Which river is longest?")
    answers = page.locator("#compare-panes .answer")
    expect(answers.and_(page.locator("[data-state='done']"))).to_have_count(3, timeout=20_000)
    for index in range(3):
        answer = panes.nth(index).locator(".answer")
        expect(answer.locator(".markdown")).to_have_text("Echo: Which river is longest?")
        expect(answer.locator("[data-stat='ttft']")).to_contain_text(re.compile(r"\d"))
        expect(answer.locator("[data-stat='total']")).to_contain_text(re.compile(r"\d"))
        expect(answer.locator("[data-stat='tokens']")).to_have_text("Tokens 4 in · 5 out")
    expect(page.locator("#compare-panes .stat.best").first).to_be_visible()
    panes.nth(1).locator(".pick").click()
    expect(panes.nth(1).locator(".pick")).to_have_text("★ Picked")
    expect(panes.nth(0).locator(".pick")).to_have_text("★ Pick")
    screenshot(page, "compare-three")
    with Log.open(log_path(home)) as log:
        infos = log.conversations()
    assert len(infos) == 3
    picked = {info.model for info in infos if info.extra.get("picks", {}).get("1") == info.id}
    assert picked == {"claude-sonnet-4-5"}
    # reopened from the history: the same panes, numbers and pick
    page.reload()
    page.wait_for_selector("body.ready")
    expect(panes).to_have_count(3)
    expect(panes.nth(1).locator(".answer.picked")).to_have_count(1)
    expect(panes.nth(2).locator("[data-stat='ttft']")).to_be_visible()


def test_stop_cancels_the_stream(
    page: Any, web: WebServer, upstream: LocalServer, home: Path
) -> None:
    upstream.inject("chunk_delay=0.2", times=1, path="/v1/chat/completions")
    words = " ".join(f"word{n}" for n in range(80))
    ask(page, "#chat-composer", words)
    answer = page.locator("#chat-thread .answer").last
    expect(answer.locator(".markdown")).to_contain_text("word2")
    page.locator("#chat-composer .stop").click()
    expect(answer).to_have_attribute("data-state", "stopped")
    expect(answer.locator(".status")).to_have_text("stopped")
    expect(answer.locator(".ended")).to_contain_text("Stopped: the answer ends here")
    expect(page.locator("#chat-composer .send")).to_be_visible()
    screenshot(page, "chat-stopped")
    # on the server: the pane is over, its stream to the router closed, what came kept
    deadline = 100
    while web.running() and deadline:
        page.wait_for_timeout(50)
        deadline -= 1
    assert web.running() == 0
    with Log.open(log_path(home)) as log:
        (conversation,) = log.conversations()
        (exchange,) = log.exchanges_of(conversation.id)
    assert exchange.interrupted and exchange.response
    assert "word2" in exchange.response and "word79" not in exchange.response


def test_a_401_shows_its_message(page: Any, upstream: LocalServer) -> None:
    upstream.inject("status=401", times=1, path="/v1/chat/completions")
    ask(page, "#chat-composer", "Hello?")
    answer = page.locator("#chat-thread .answer").last
    expect(answer).to_have_attribute("data-state", "error")
    expect(answer.locator(".error")).to_contain_text(
        "authentication failed (401): the API key (sk-...cdef from test) was rejected"
    )
    screenshot(page, "chat-401")


def test_a_mid_stream_failure_shows_on_its_pane_while_the_others_go_on(
    page: Any, upstream: LocalServer
) -> None:
    page.locator("nav [data-view='compare']").click()
    page.locator("#compare-add").click()
    expect(page.locator("#compare-panes .pane")).to_have_count(3)
    upstream.inject("drop=mid_stream;after=3", times=1, path="/v1/chat/completions")
    upstream.inject("status=429;retry_after=0.3", times=1, path="/v1/chat/completions")
    ask(page, "#compare-composer", "one two three four five six seven eight nine ten")
    answers = page.locator("#compare-panes .answer")
    expect(answers.and_(page.locator("[data-state='error']"))).to_have_count(1, timeout=20_000)
    expect(answers.and_(page.locator("[data-state='done']"))).to_have_count(2, timeout=20_000)
    failed = answers.and_(page.locator("[data-state='error']"))
    expect(failed.locator(".error")).to_contain_text(
        "the connection broke in the middle of the answer"
    )
    expect(failed.locator(".markdown")).to_contain_text("Echo:")  # what came stays
    retried = page.locator("#compare-panes .notices li", has_text="rate limited (429)")
    expect(retried).to_have_count(1)
    screenshot(page, "compare-errors")


def test_a_reload_keeps_the_history(page: Any, web: WebServer) -> None:
    ask(page, "#chat-composer", "Tell me about the Danube")
    expect(page.locator("#chat-thread .answer[data-state='done']")).to_have_count(1)
    ask(page, "#chat-composer", "And the Rhine?")
    expect(page.locator("#chat-thread .answer[data-state='done']")).to_have_count(2)
    page.locator("#new-chat").click()
    ask(page, "#chat-composer", "Something else entirely")
    expect(page.locator("#chat-thread .answer[data-state='done']")).to_have_count(1)
    page.reload()
    page.wait_for_selector("body.ready")
    expect(page.locator("#chat-thread .question")).to_have_text(["Something else entirely"])
    items = page.locator("#history-list li[data-id]")
    expect(items).to_have_count(2)
    page.locator("#history-search").fill("danube")
    expect(items).to_have_count(1)
    expect(items.first.locator(".snippet")).to_contain_text("Danube")
    items.first.locator("a").click()
    expect(page.locator("#chat-thread .question")).to_have_text(
        ["Tell me about the Danube", "And the Rhine?"]
    )
    expect(page.locator("#chat-thread .answer .markdown").last).to_have_text("Echo: And the Rhine?")
    expect(page.locator("#chat-thread [data-stat='ttft']")).to_have_count(2)
    screenshot(page, "history-reopened")


def test_a_chat_from_the_page_goes_on_in_the_cli_and_back(
    page: Any, web: WebServer, upstream: LocalServer, home: Path
) -> None:
    ask(page, "#chat-composer", "Begun in the page")
    expect(page.locator("#chat-thread .answer[data-state='done']")).to_have_count(1)
    command = page.locator("#chat-cli code").inner_text()
    conversation = command.removeprefix("r9s chat -c ")
    env = user_env(home, {"R9S_BASE_URL": upstream.url, "R9S_API_KEY": KEY})
    done = r9s(home, "chat", "-c", conversation, "Continued in a terminal", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Echo: Continued in a terminal"
    page.reload()
    page.wait_for_selector("body.ready")
    expect(page.locator("#chat-thread .question")).to_have_text(
        ["Begun in the page", "Continued in a terminal"]
    )
    ask(page, "#chat-composer", "Back in the page")
    expect(page.locator("#chat-thread .answer[data-state='done']")).to_have_count(3)
    sent = upstream.requests[-1].json["messages"]
    assert [m["content"] for m in sent][-3:] == [
        "Continued in a terminal",
        "Echo: Continued in a terminal",
        "Back in the page",
    ]


def test_an_image_is_generated_and_shown(page: Any, tmp_path: Path) -> None:
    page.locator("nav [data-view='images']").click()
    choose_model(page, page.locator("#image-model"), "gpt-image-1")
    page.locator("#image-prompt").fill("a lighthouse at dawn")
    page.locator("#image-go").click()
    image = page.locator("#image-results .image-card img").first
    expect(image).to_be_visible()
    expect(image).to_have_js_property("naturalWidth", 8)  # the local server's 8x8 PNG
    expect(page.locator("#image-results .download").first).to_have_attribute(
        "href", re.compile(r"^data:image/png;base64,")
    )
    screenshot(page, "image-generated")
    # an edit of two images with a mask
    for name in ("a.png", "b.png", "mask.png"):
        (tmp_path / name).write_bytes(PNG)
    page.locator("#view-images [data-mode='edit']").click()
    page.locator("#edit-images input[type=file]").set_input_files(
        [str(tmp_path / "a.png"), str(tmp_path / "b.png")]
    )
    page.locator("#edit-mask input[type=file]").set_input_files(str(tmp_path / "mask.png"))
    expect(page.locator("#edit-images .drop-file")).to_have_count(2)
    page.locator("#image-prompt").fill("put both in one frame")
    page.locator("#image-go").click()
    expect(page.locator("#image-results .image-card:not(.pending) img")).to_have_count(2)
    screenshot(page, "image-edited")


def test_speech_and_transcription(page: Any, tmp_path: Path) -> None:
    page.locator("nav [data-view='audio']").click()
    choose_model(page, page.locator("#speech-model"), "tts-1")
    page.locator("#speech-format").select_option("wav")
    page.locator("#speech-text").fill("Hello from r9s")
    page.locator("#speech-go").click()
    expect(page.locator("#speech-result audio")).to_have_attribute("src", re.compile("^blob:"))
    expect(page.locator("#speech-result .size")).to_contain_text("audio/wav")
    recording = tmp_path / "hello.wav"
    recording.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28))
    page.locator("#transcribe-file input[type=file]").set_input_files(str(recording))
    page.locator("#transcribe-go").click()
    expect(page.locator("#transcribe-result pre")).to_contain_text("hello.wav")
    screenshot(page, "audio")


def test_the_model_picker_searches_the_routers_models(page: Any) -> None:
    field = page.locator("#chat-model input")
    field.click()
    options = page.locator("#chat-model li[data-id]")
    expect(options.first).to_be_visible()
    field.fill("claude haiku")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("data-id", "claude-haiku-4-5")
    screenshot(page, "model-picker")
    page.keyboard.press("Enter")
    expect(field).to_have_value("claude-haiku-4-5")
    ask(page, "#chat-composer", "hi")
    expect(page.locator("#chat-thread .answer .who")).to_have_text("claude-haiku-4-5")


def test_costs_the_router_reported_show_and_the_cheapest_is_marked(page: Any, home: Path) -> None:
    from r9s.cli.common.log import ConversationInfo, Exchange

    members = ["20250101-000000-aaaaaa", "20250101-000000-bbbbbb"]
    compare = {"group": "cmp-test", "members": members}
    with Log.open(log_path(home)) as log:
        for ident, model, cost, ttft in zip(
            members, ["gpt-4o", "claude-sonnet-4-5"], [0.0042, 0.0011], [0.4, 0.9], strict=True
        ):
            log.record(
                ConversationInfo(id=ident, model=model, source="web", extra={"compare": compare}),
                Exchange(
                    prompt="Price this",
                    response=f"Answer of {model}",
                    cost=cost,
                    ttft=ttft,
                    duration=2.0,
                    input_tokens=10,
                    output_tokens=40,
                ),  # fmt: skip
            )
    page.goto(page.url.split("#")[0] + f"#/compare/{members[0]}")
    panes = page.locator("#compare-panes .pane")
    expect(panes).to_have_count(2)
    expect(panes.nth(0).locator("[data-stat='cost']")).to_have_text("Cost $0.0042")
    expect(panes.nth(1).locator("[data-stat='cost']")).to_have_text("Cost $0.0011")
    expect(panes.nth(1).locator("[data-stat='cost']")).to_have_class(re.compile(r"\bbest\b"))
    expect(panes.nth(0).locator("[data-stat='ttft']")).to_have_class(re.compile(r"\bbest\b"))
    expect(panes.nth(0).locator("[data-stat='tps']")).to_have_text("Speed 25.0 tok/s")
    screenshot(page, "compare-costs")


def test_dark_and_narrow(page: Any) -> None:
    ask(page, "#chat-composer", "Show `code` and **bold**\n\n```js\nconst x = 1; // one\n```")
    expect(page.locator("#chat-thread .answer[data-state='done']")).to_have_count(1)
    page.emulate_media(color_scheme="dark")
    screenshot(page, "chat-dark")
    page.set_viewport_size({"width": 420, "height": 820})
    expect(page.locator("#sidebar")).to_be_hidden()
    page.locator("#menu").click()
    expect(page.locator("#sidebar")).to_be_visible()
    screenshot(page, "narrow-menu")
    page.locator("nav [data-view='compare']").click()
    expect(page.locator("#sidebar")).to_be_hidden()
    expect(page.locator("#view-compare")).to_be_visible()
