"""The page's JSON API and event streams, over real HTTP, against the local r9s server:
what an ask sends (options, reasoning, attachments per API), what comes back (deltas,
timings, errors per pane), what the log keeps, and the media panels."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from r9s.cli.common.log import Log, log_path
from r9s.testing import LocalServer
from tests.support.cli import KEY, r9s, user_env
from tests.web.conftest import CHANGE, WebServer, ask, events_of, needs_the_web_extra

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def data_url(data: bytes, kind: str) -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def of_type(events: list[dict[str, object]], kind: str) -> list[dict[str, object]]:
    return [event for event in events if event["type"] == kind]


def text_of(events: list[dict[str, object]], pane: int = 0) -> str:
    return "".join(str(e["text"]) for e in events if e["type"] == "delta" and e["pane"] == pane)


def test_a_chat_streams_its_answer_times_it_and_logs_it(web: WebServer, home: Path) -> None:
    with web.http() as http:
        events = ask(http, prompt="Name **three** rivers")
    assert [e["type"] for e in events][:1] == ["start"] and events[-1] == {"type": "end"}
    assert len(of_type(events, "delta")) > 1  # streamed, a word at a time
    assert text_of(events) == "Echo: Name **three** rivers"
    (done,) = of_type(events, "done")
    stats = done["stats"]
    assert isinstance(stats, dict)
    assert stats["tokens_in"] == 3 and stats["tokens_out"] == 4
    assert 0 < stats["ttft"] <= stats["total"] and stats["tps"] > 0
    assert stats["router"] is not None  # the router's probe was asked for and came
    conversation = str(of_type(events, "start")[0]["conversation"])
    with Log.open(log_path(home)) as log:
        info = log.conversation(conversation)
        assert info is not None and info.source == "web" and info.title == "Name **three** rivers"
        (exchange,) = log.exchanges_of(conversation)
    assert exchange.response == "Echo: Name **three** rivers" and done["seq"] == exchange.seq == 1
    assert exchange.ttft == pytest.approx(stats["ttft"]) and exchange.output_tokens == 4


def test_a_chat_goes_on_with_its_conversation(web: WebServer, upstream: LocalServer) -> None:
    with web.http() as http:
        first = ask(http, prompt="one", system="Be brief")
        conversation = of_type(first, "start")[0]["conversation"]
        second = ask(http, prompt="two", system="Be brief", conversations=[conversation])
    assert of_type(second, "start")[0]["conversation"] == conversation
    assert of_type(second, "done")[0]["seq"] == 2
    sent = upstream.requests[-1].json["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[0]["content"] == "Be brief" and sent[2]["content"] == "Echo: one"


@pytest.mark.parametrize(
    ("api", "model", "expected"),
    [
        ("chat", "gpt-4o-mini", {"temperature": 0.3, "max_tokens": 50, "reasoning_effort": "high"}),
        (
            "responses",
            "gpt-4o-mini",
            {
                "temperature": 0.3,
                "max_output_tokens": 50,
                "reasoning": {"effort": "high", "summary": "auto"},
            },
        ),
        (
            "messages",
            "claude-sonnet-4-5",
            {
                "temperature": 0.3,
                "max_tokens": 20000,
                "thinking": {"type": "enabled", "budget_tokens": 16384},
            },
        ),
    ],
)
def test_options_and_reasoning_go_in_each_apis_own_fields(
    web: WebServer, upstream: LocalServer, api: str, model: str, expected: dict[str, object]
) -> None:
    max_tokens = "20000" if api == "messages" else "50"
    options = {"temperature": "0.3", "max_tokens": max_tokens, "reasoning_effort": "high"}
    with web.http() as http:
        events = ask(http, prompt="Think", api=api, models=[model], options=options)
    assert of_type(events, "done"), events
    body = upstream.requests[-1].json
    for key, value in expected.items():
        assert body[key] == value, (key, body)
    assert any(e["type"] == "reasoning" for e in events)  # the echo model thinks when asked


def test_an_option_out_of_range_is_refused_before_anything_is_sent(
    web: WebServer, upstream: LocalServer
) -> None:
    with web.http() as http:
        response = http.post(
            "/api/chat",
            json={
                "panes": [{"model": "claude-sonnet-4-5"}],
                "prompt": "hi",
                "api": "messages",
                "options": {"temperature": "1.5"},
            },  # fmt: skip
            headers=CHANGE,
        )
    assert response.status_code == 400
    assert response.json()["error"] == (
        "temperature 1.5: out of range (the messages API takes from 0 to 1)"
    )
    assert not [r for r in upstream.requests if r.path.endswith("/messages")]


@pytest.mark.parametrize("api", ["chat", "responses", "messages"])
def test_attachments_become_each_apis_content_parts(
    web: WebServer, upstream: LocalServer, api: str
) -> None:
    attachments = [
        {"name": "dot.png", "data": data_url(PNG, "image/png")},
        {"name": "report.pdf", "data": data_url(PDF, "application/pdf")},
    ]
    model = "claude-sonnet-4-5" if api == "messages" else "gpt-4o-mini"
    with web.http() as http:
        events = ask(http, prompt="What is this?", api=api, models=[model], attachments=attachments)
    assert of_type(events, "done"), events
    body = upstream.requests[-1].json
    parts = (body["input"] if api == "responses" else body["messages"])[-1]["content"]
    kinds = [part["type"] for part in parts]
    assert (
        kinds
        == {
            "chat": ["text", "file", "image_url"],
            "responses": ["input_text", "input_file", "input_image"],
            "messages": ["image", "document", "text"],
        }[api]
    )


def test_an_attachment_that_is_no_file_the_apis_take_is_refused(web: WebServer) -> None:
    with web.http() as http:
        response = http.post(
            "/api/chat",
            json={
                "panes": [{"model": "gpt-4o-mini"}],
                "prompt": "hi",
                "attachments": [{"name": "blob.bin", "data": data_url(b"\x00\x01\x02", "x/y")}],
            },  # fmt: skip
            headers=CHANGE,
        )
    assert response.status_code == 400
    assert response.json()["error"] == "blob.bin: not an image, PDF, audio or text file"


def test_a_file_the_api_cannot_take_is_said_and_no_conversation_begins(
    web: WebServer, home: Path
) -> None:
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)
    attachments = [{"name": "note.wav", "data": data_url(wav, "audio/wav")}]
    with web.http() as http:
        events = ask(http, prompt="listen", api="responses", attachments=attachments)
        listing = http.get("/api/history").json()["items"]
    (error,) = of_type(events, "error")
    assert error["message"] == (
        "note.wav: the responses API takes no audio; use the chat API (Settings)"
    )
    assert error["saved"] is False and listing == []


def test_a_comparison_streams_every_model_and_ties_them_in_the_log(
    web: WebServer, home: Path
) -> None:
    models = ["gpt-4o-mini", "claude-sonnet-4-5", "qwen-plus"]
    with web.http() as http:
        events = ask(http, prompt="Which is best?", models=models)
        (group,) = of_type(events, "group")
        members = group["members"]
        assert isinstance(members, list) and len(members) == 3
        for pane in range(3):
            assert text_of(events, pane) == "Echo: Which is best?"
        assert len(of_type(events, "done")) == 3
        # a second round goes on with each model's own conversation
        again = ask(http, prompt="Why?", models=models, conversations=members, group=group["group"])
        assert [e["conversation"] for e in of_type(again, "start")] == members
        picked = http.post(
            "/api/pick", json={"members": members, "seq": 2, "picked": members[1]}, headers=CHANGE
        )
        assert picked.status_code == 200
        view = http.get(f"/api/conversations/{members[2]}").json()
        listing = http.get("/api/history").json()["items"]
    assert view["kind"] == "compare" and view["group"] == group["group"]
    assert [m["model"] for m in view["members"]] == models
    assert [len(m["turns"]) for m in view["members"]] == [2, 2, 2]
    assert view["picks"] == {"2": members[1]}
    (entry,) = listing  # a comparison is one entry of the history
    assert entry["kind"] == "compare" and sorted(entry["models"]) == sorted(models)
    with Log.open(log_path(home)) as log:
        for ident in members:
            info = log.conversation(str(ident))
            assert info is not None
            assert info.extra["compare"] == {"group": group["group"], "members": members}
            assert info.extra["picks"] == {"2": members[1]}


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("drop=mid_stream;after=3", "the connection broke in the middle of the answer"),
        ("stream_error=3", "server error (500 Internal Server Error): The server had an error"),
    ],
)
def test_one_pane_failing_mid_stream_leaves_the_others_going(
    web: WebServer, upstream: LocalServer, home: Path, fault: str, said: str
) -> None:
    upstream.inject(fault, times=1, path="/v1/chat/completions")
    models = ["gpt-4o-mini", "claude-sonnet-4-5", "qwen-plus"]
    with web.http() as http:
        events = ask(http, prompt="one two three four five six seven eight", models=models)
    (error,) = of_type(events, "error")
    assert str(error["message"]).startswith(said)
    assert error["partial"] is True
    failed = error["pane"]
    assert sorted(e["pane"] for e in of_type(events, "done")) == sorted({0, 1, 2} - {failed})
    assert text_of(events, int(str(failed)))  # what came before the cut stays
    ident = of_type(events, "start")[int(str(failed))]["conversation"]
    with Log.open(log_path(home)) as log:
        (exchange,) = log.exchanges_of(str(ident))
    assert exchange.error == error["message"] and exchange.response == text_of(
        events, int(str(failed))
    )


def test_a_rejected_key_is_said_on_the_pane_never_shown(upstream: LocalServer, home: Path) -> None:
    wrong = "sk-wrong-0123456789abcdef"
    needs_the_web_extra()
    server = WebServer(upstream, home, key=wrong)
    try:
        with server.http() as http:
            events = ask(http, prompt="hi")
            models = http.get("/api/models")
    finally:
        server.stop()
    (error,) = of_type(events, "error")
    message = str(error["message"])
    assert message.startswith("authentication failed (401): the API key (sk-...cdef from test)")
    assert wrong not in message
    assert models.status_code == 502 and "authentication failed (401)" in models.json()["error"]


def test_a_429_is_retried_and_told_on_its_pane(web: WebServer, upstream: LocalServer) -> None:
    upstream.inject("status=429;retry_after=0.2", times=1, path="/v1/chat/completions")
    with web.http() as http:
        events = ask(http, prompt="patience")
    (notice,) = of_type(events, "notice")
    assert notice["text"] == "rate limited (429); retrying in 0.20 s"
    assert text_of(events) == "Echo: patience" and of_type(events, "done")


def test_a_page_that_goes_away_stops_the_stream_and_keeps_what_came(
    web: WebServer, upstream: LocalServer, home: Path
) -> None:
    words = " ".join(f"w{n}" for n in range(60))
    upstream.inject("chunk_delay=0.1", times=1, path="/v1/chat/completions")
    body = {"panes": [{"model": "gpt-4o-mini"}], "prompt": words}
    seen: list[dict[str, object]] = []
    with (
        web.http() as http,
        http.stream("POST", "/api/chat", json=body, headers=CHANGE) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line[6:]))
            if len([e for e in seen if e["type"] == "delta"]) >= 5:
                break  # the page goes away (its Stop button aborts the request)
    deadline = time.monotonic() + 10
    while web.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert web.running() == 0  # the stream to the router is closed, the pane is over
    ident = str(of_type(seen, "start")[0]["conversation"])
    with Log.open(log_path(home)) as log:
        (exchange,) = log.exchanges_of(ident)
    assert exchange.interrupted and exchange.error is None
    assert exchange.response and exchange.response.startswith("Echo: w0")
    assert len(exchange.response) < len(f"Echo: {words}")  # it stopped reading


def test_the_history_lists_searches_shows_and_deletes(web: WebServer) -> None:
    with web.http() as http:
        first = of_type(ask(http, prompt="about the Danube river"), "start")[0]["conversation"]
        ask(http, prompt="about mountains")
        listing = http.get("/api/history").json()
        found = http.get("/api/history", params={"q": "danube"}).json()["items"]
        view = http.get(f"/api/conversations/{first}").json()
        assert http.delete(f"/api/conversations/{first}", headers=CHANGE).json() == {"removed": 1}
        gone = http.get(f"/api/conversations/{first}")
    assert [i["title"] for i in listing["items"]] == ["about mountains", "about the Danube river"]
    assert listing["kept"] is True
    assert [i["id"] for i in found] == [first] and "Danube" in found[0]["snippet"]
    assert view["kind"] == "chat" and view["turns"][0]["response"] == "Echo: about the Danube river"
    assert gone.status_code == 404 and gone.json()["error"] == f"no conversation {first} in the log"


def test_the_cli_goes_on_with_a_chat_started_in_the_page(
    web: WebServer, upstream: LocalServer, home: Path
) -> None:
    with web.http() as http:
        conversation = str(
            of_type(ask(http, prompt="first from the page"), "start")[0]["conversation"]
        )
    env = user_env(home, {"R9S_BASE_URL": upstream.url, "R9S_API_KEY": KEY})
    done = r9s(home, "chat", "-c", conversation, "and from the terminal", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Echo: and from the terminal"
    sent = upstream.requests[-1].json["messages"]
    assert [m["content"] for m in sent] == [
        "first from the page",
        "Echo: first from the page",
        "and from the terminal",
    ]
    with web.http() as http:
        view = http.get(f"/api/conversations/{conversation}").json()
    assert [t["prompt"] for t in view["turns"]] == ["first from the page", "and from the terminal"]


def test_with_the_log_off_chats_last_while_the_server_runs(
    upstream: LocalServer, home: Path
) -> None:
    from r9s.cli.common.log import set_enabled

    set_enabled(False, home)
    needs_the_web_extra()
    server = WebServer(upstream, home)
    try:
        with server.http() as http:
            ident = of_type(ask(http, prompt="kept in memory"), "start")[0]["conversation"]
            listing = http.get("/api/history").json()
    finally:
        server.stop()
    assert listing["kept"] is False and "the log is off" in listing["problem"]
    assert [i["id"] for i in listing["items"]] == [ident]
    assert not log_path(home).exists()


def test_the_key_is_in_no_answer_to_the_page(web: WebServer, upstream: LocalServer) -> None:
    with web.http() as http:
        bodies = [
            http.get("/").text,
            http.get("/api/config").text,
            http.get("/api/models").text,
            http.post(
                "/api/chat",
                json={"panes": [{"model": "gpt-4o-mini"}], "prompt": f"say {KEY[:8]}"},
                headers=CHANGE,
            ).text,
            http.get("/api/history").text,
            http.post("/api/images/generate", json={"prompt": "x"}, headers=CHANGE).text,
        ]
        upstream.inject("status=401", times=1)
        bodies.append(http.post("/api/images/generate", json={"prompt": "x"}, headers=CHANGE).text)
    assert all(KEY not in body for body in bodies)
    assert "authentication failed (401)" in bodies[-1]


def test_images_are_generated_and_edited_with_several_images_and_a_mask(
    web: WebServer, upstream: LocalServer
) -> None:
    png = data_url(PNG, "image/png")
    with web.http() as http:
        made = http.post(
            "/api/images/generate",
            json={"prompt": "a lighthouse", "model": "dall-e-2", "n": 2, "size": "256x256"},
            headers=CHANGE,
        )
        edited = http.post(
            "/api/images/edit",
            json={
                "prompt": "merge them",
                "model": "gpt-image-1",
                "images": [{"name": "a.png", "data": png}, {"name": "b.png", "data": png}],
                "mask": {"name": "mask.png", "data": png},
            },  # fmt: skip
            headers=CHANGE,
        )
        not_png = http.post(
            "/api/images/edit",
            json={
                "prompt": "x",
                "images": [{"name": "a.png", "data": png}],
                "mask": {"name": "m.pdf", "data": data_url(PDF, "application/pdf")},
            },  # fmt: skip
            headers=CHANGE,
        )
    assert made.status_code == 200, made.text
    images = made.json()["images"]
    assert len(images) == 2
    # dall-e answers with URLs: fetched by the server, handed over as data
    assert all(image["src"].startswith("data:image/png;base64,iVBOR") for image in images)
    assert edited.status_code == 200, edited.text
    form = upstream.requests[-1]
    assert form.path == "/v1/images/edits"
    assert form.body.count(b'name="image[]"') == 2 and b'name="mask"' in form.body
    assert not_png.status_code == 400
    assert "must be a PNG" in not_png.json()["error"]


def test_speech_and_transcription(web: WebServer, upstream: LocalServer) -> None:
    with web.http() as http:
        spoken = http.post(
            "/api/audio/speech",
            json={"model": "tts-1", "input": "Hello there", "voice": "nova", "format": "wav"},
            headers=CHANGE,
        )
        heard = http.post(
            "/api/audio/transcribe",
            json={
                "model": "whisper-1",
                "language": "en",
                "file": {"name": "hello.wav", "data": data_url(spoken.content, "audio/wav")},
            },  # fmt: skip
            headers=CHANGE,
        )
        bad_speed = http.post(
            "/api/audio/speech",
            json={"model": "tts-1", "input": "x", "speed": "9"},
            headers=CHANGE,
        )
    assert spoken.status_code == 200 and spoken.headers["content-type"].startswith("audio/wav")
    assert spoken.content[:4] == b"RIFF"
    assert upstream.requests[-2].json["voice"] == "nova"
    assert heard.status_code == 200, heard.text
    assert "hello.wav" in heard.json()["text"]
    assert bad_speed.status_code == 400 and bad_speed.json()["error"] == "speed is from 0.25 to 4"


def test_models_say_what_each_is_for(web: WebServer) -> None:
    with web.http() as http:
        found = {m["id"]: m["kinds"] for m in http.get("/api/models").json()["models"]}
    assert found["gpt-4o-mini"] == ["chat"]
    assert found["gpt-image-1"] == ["image"] and found["dall-e-2"] == ["image"]
    assert found["tts-1"] == ["speech"]
    assert found["whisper-1"] == ["transcribe"] and found["gpt-4o-mini-transcribe"] == [
        "transcribe"
    ]
    assert found["text-embedding-3-small"] == []


def test_bad_requests_get_one_line_errors(web: WebServer) -> None:
    with web.http() as http:
        cases = [
            http.post("/api/chat", content=b"{not json", headers=CHANGE),
            http.post("/api/chat", json={"panes": [], "prompt": "x"}, headers=CHANGE),
            http.post(
                "/api/chat", json={"panes": [{"model": "m"}] * 5, "prompt": "x"}, headers=CHANGE
            ),
            http.post("/api/chat", json={"panes": [{"model": "m"}], "prompt": " "}, headers=CHANGE),
            http.post(
                "/api/chat",
                json={"panes": [{"model": "m"}], "prompt": "x", "api": "soap"},
                headers=CHANGE,
            ),  # fmt: skip
            http.post("/api/pick", json={"members": "x"}, headers=CHANGE),
        ]
    assert [c.status_code for c in cases] == [400] * 6
    assert [c.json()["error"] for c in cases] == [
        "the request is not JSON",
        "give one to 4 models",
        "give one to 4 models",
        "nothing to send: write a prompt or attach a file",
        "unknown API 'soap': chat, responses or messages",
        "a pick is {members: [ids], seq: N, picked: id}",
    ]


def test_the_server_answers_events_of_a_conversation_it_lost(web: WebServer) -> None:
    with web.http() as http:
        events = ask(http, prompt="hi", conversations=["20990101-000000-gone00"])
    assert (
        of_type(events, "error")[0]["message"]
        == "no conversation 20990101-000000-gone00 in the log"
    )
    assert events[-1] == {"type": "end"}


def test_events_are_json_lines_of_server_sent_events(web: WebServer) -> None:
    with web.http() as http:
        response = http.post(
            "/api/chat",
            json={"panes": [{"model": "gpt-4o-mini"}], "prompt": "a\nb"},
            headers=CHANGE,
        )
    blocks = [block for block in response.text.split("\n\n") if block]
    assert all(block.startswith("data: {") and "\n" not in block for block in blocks)
    assert events_of(response)[-1] == {"type": "end"}
