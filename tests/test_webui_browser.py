"""The page in a real browser: Debian's chromium, headless, driven by Playwright.

The app runs on a free port in a server thread with the real content. Every test fails if the page
shows an error, logs a console error, throws, or a request fails.
Needs: `apt-get install -y chromium` and the `playwright` package (the test extra); never downloads a browser.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import served

from skill.web import create_app

CHROMIUM = os.environ.get("SKILL_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshot.png"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def server(store, tmp_path_factory):
    db = tmp_path_factory.mktemp("webui-browser") / "progress.sqlite3"
    app = create_app({"store": store, "database_url": f"sqlite:///{db}"})
    with served(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `apt-get install -y chromium` (the tests never download a browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh page that records everything that went wrong; the test fails if anything did."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
    pg.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    pg.problems = problems
    pg.goto(server + "/")
    yield pg
    errors_shown = pg.locator("#error").is_visible() and pg.locator("#error").inner_text()
    context.close()
    assert not errors_shown, f"the page showed an error: {errors_shown}"
    assert not problems, "\n".join(problems)


def ask(page, text: str):
    """Type a question, press Enter, and return the answer's list item once it is there."""
    before = page.locator("#log > li.turn.assistant:not(.pending)").count()
    page.fill("#question", text)
    page.press("#question", "Enter")
    answers = page.locator("#log > li.turn.assistant:not(.pending)")
    page.wait_for_function("n => document.querySelectorAll('#log > li.turn.assistant:not(.pending)').length > n",
                           arg=before)
    return answers.nth(before)


def meta(turn, name: str) -> str:
    return turn.locator(f".meta-{name} dd").inner_text()


def test_ask_a_question_and_follow_up_without_the_topic(page):
    answer = ask(page, "why was the Great Leap Forward introduced?")
    assert "Great Leap Forward" in answer.locator(".answer-text").inner_text()
    assert meta(answer, "topic") == "The Great Leap Forward, 1958-62"
    assert meta(answer, "facet") == "why"
    assert re.fullmatch(r"\d{1,3}%", meta(answer, "confidence"))
    assert page.locator("#question").input_value() == ""          # ready for the next question

    follow = ask(page, "what were its effects?")
    assert meta(follow, "topic") == "The Great Leap Forward, 1958-62"
    assert meta(follow, "facet") == "effects"
    assert "famine" in follow.locator(".answer-text").inner_text().lower()
    # the user's own words are shown as they typed them
    assert page.locator("#log > li.turn.user").nth(1).inner_text().endswith("what were its effects?")


def test_the_whole_conversation_works_from_the_keyboard(page):
    page.keyboard.press("Tab")                                   # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "question"
    page.keyboard.type("who led the Cultural Revolution")
    page.keyboard.press("Enter")
    answer = page.locator("#log > li.turn.assistant:not(.intro):not(.pending)").first
    answer.wait_for()
    assert meta(answer, "topic").startswith("The Cultural Revolution")
    assert meta(answer, "facet") == "who"
    # tabs move with the arrow keys and show the content view
    page.focus("#tab-ask")
    page.keyboard.press("ArrowRight")
    assert page.locator("#view-content").is_visible() and not page.locator("#view-ask").is_visible()
    assert page.evaluate("document.activeElement.id") == "tab-content"
    page.keyboard.press("ArrowLeft")
    assert page.locator("#view-ask").is_visible()


def test_a_short_quiz_from_the_page(page):
    """Quizzes come from the dialogue (issue 6); the page only sends the text turns."""
    first = ask(page, "quiz me on the Great Leap Forward")
    assert meta(first, "mode") == "quiz"
    assert "Question 1" in first.locator(".answer-text").inner_text()
    # five answers, right, wrong or not known: each is graded inside the quiz, the last gets a score
    replies = ["I don't know", "A", "1958", "backyard furnaces and the people's communes", "B"]
    for n, reply in enumerate(replies, start=2):
        turn = ask(page, reply)
        text = turn.locator(".answer-text").inner_text()
        if n <= len(replies):
            assert meta(turn, "mode") == "quiz" and f"Question {n}" in text, text
    assert meta(turn, "mode") == "quiz_end"
    assert re.search(r"You scored [\d.]+ out of 5", text), text
    # the round is over and the page carries on as a normal conversation
    after = ask(page, "when was the Korean War")
    assert meta(after, "topic").startswith("China and the Korean War") and meta(after, "facet") == "when"


def test_the_content_view_lists_topics_word_counts_and_lint_warnings(page, store):
    from skill.lint import lint_store

    page.click("#tab-content")
    page.wait_for_selector("#content-body tr")
    assert page.locator("#content-body tr").count() == len(store.topics)
    row = page.locator('#content-body tr[data-topic="great-leap-forward"]')
    cells = row.locator("td")
    assert cells.nth(3).inner_text().split()[0] == str(store.answer("great-leap-forward", "why").words)
    summary = page.locator("#content-summary").inner_text()
    assert store.units[0].title in summary and f"{len(store.topics)} topics" in summary
    problems = lint_store(store)
    shown = page.locator("#problems li.problem")
    assert shown.count() == len(problems)
    if problems:
        first = shown.first.inner_text()
        assert problems[0].message in first and str(problems[0].line) in first
    assert page.url.endswith("#content")
    # the address opens the same view
    page.reload()
    page.wait_for_selector("#content-body tr")
    assert page.locator("#view-content").is_visible()


def test_the_microphone_says_why_it_cannot_listen(page):
    """Headless chromium has speech recognition but no microphone permission: the page says so."""
    mic = page.locator("#mic")
    assert mic.is_visible() and mic.get_attribute("aria-pressed") == "false"
    mic.click()
    page.wait_for_function("() => document.getElementById('mic-status').textContent.startsWith('Could not listen')")
    # a sentence for people (blocked microphone here; no network or no device elsewhere), not a code
    assert re.fullmatch(r"Could not listen: [a-z][a-z ,';]+[a-z]\.", page.locator("#mic-status").inner_text())
    page.wait_for_function("() => document.getElementById('mic').getAttribute('aria-pressed') === 'false'")
    # typing still works after a failed attempt to listen
    assert meta(ask(page, "when was the Korean War"), "facet") == "when"


def test_an_empty_question_is_an_error_the_page_shows_and_clears(browser, server):
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(server + "/")
    pg.click("#send")
    alert = pg.locator("#error")
    assert alert.is_visible() and "Type a question" in alert.inner_text()
    assert pg.evaluate("document.activeElement.id") == "question"
    assert pg.locator("#log > li").count() == 1                 # nothing was sent
    ask(pg, "what was the Hundred Flowers Campaign")
    assert not alert.is_visible()
    context.close()


def test_readable_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server + "/")
    pg.fill("#question", "when was the Korean War")
    pg.click("#send")
    pg.locator("#log .meta-topic").first.wait_for()
    # nothing wider than the screen: no sideways scrolling to read an answer
    assert pg.evaluate("document.documentElement.scrollWidth") <= 375
    box = pg.locator("#send").bounding_box()
    assert box["width"] >= 44 and box["height"] >= 32          # big enough to tap
    context.close()
    assert not errors, errors


def test_every_control_has_a_name_for_screen_readers(page):
    nameless = page.evaluate("""() => Array.from(document.querySelectorAll('button, input, [role=tab]'))
        .filter(e => e.offsetParent !== null)
        .filter(e => !(e.getAttribute('aria-label') || e.textContent.trim() || (e.labels && e.labels.length)))
        .map(e => e.outerHTML)""")
    assert nameless == []
    assert page.locator("#log").get_attribute("aria-live") == "polite"
    assert page.locator("#error").get_attribute("role") == "alert"
    assert page.locator("html").get_attribute("lang") == "en-GB"


def test_screenshot_for_the_readme(page, tmp_path):
    """A short conversation as the README shows it; SKILL_UPDATE_SCREENSHOT=1 writes docs/screenshot.png."""
    page.set_viewport_size({"width": 1000, "height": 1110})
    page.locator("#speak").uncheck()
    ask(page, "why was the Great Leap Forward introduced?")
    ask(page, "what were its effects?")
    target = SCREENSHOT if os.environ.get("SKILL_UPDATE_SCREENSHOT") == "1" else tmp_path / "screenshot.png"
    target.parent.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
