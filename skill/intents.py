"""The intent catalogue: one source of truth for intents, slots and sample phrasings.

Read by the dialogue policy (which command a turn is), by the Alexa and Dialogflow adapters (intent
names), and by model generation (sample utterances, training phrases). "{topic}" stands for the topic
slot, "{question}" for free phrasing. Facet samples with no slot are follow-ups ("what were its effects"):
the topic comes from the conversation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

TOPIC_SLOT = "topic"
TOPIC_TYPE = "TopicType"
QUESTION_SLOT = "question"
ANSWER_SLOT = "answer"
BOARD_SLOT = "board"


@dataclass(frozen=True)
class Intent:
    name: str                       # our name, platform-neutral
    alexa: str                      # the Alexa intent name (built-ins are AMAZON.*)
    samples: tuple[str, ...] = ()   # sample phrasings; built-ins need none on Alexa
    slots: tuple[tuple[str, str], ...] = ()
    facet: str | None = None
    command: str | None = None      # the dialogue command it triggers
    text_cues: tuple[str, ...] = field(default=())  # regexes that mark this command in free text


FACET_INTENTS = (
    Intent("what", "WhatIntent", facet="what", slots=((TOPIC_SLOT, TOPIC_TYPE),), samples=(
        "what was {topic}", "what were {topic}", "what is {topic}", "tell me about {topic}",
        "explain {topic}", "give me an overview of {topic}", "what do you know about {topic}",
        "{topic}", "what does {topic} mean", "describe {topic} to me",
        "what was it", "explain it")),
    Intent("who", "WhoIntent", facet="who", slots=((TOPIC_SLOT, TOPIC_TYPE),), samples=(
        "who introduced {topic}", "who was behind {topic}", "who led {topic}",
        "who was involved in {topic}", "which leaders were involved in {topic}",
        "who started {topic}", "who was responsible for {topic}",
        "who was involved", "who was behind it", "who led it")),
    Intent("when", "WhenIntent", facet="when", slots=((TOPIC_SLOT, TOPIC_TYPE),), samples=(
        "when was {topic}", "when did {topic} start", "what year did {topic} begin",
        "how long did {topic} last", "when did {topic} happen", "what are the dates of {topic}",
        "when did {topic} end",
        "when was it", "when did it start", "when did it happen")),
    Intent("why", "WhyIntent", facet="why", slots=((TOPIC_SLOT, TOPIC_TYPE),), samples=(
        "why was {topic} introduced", "why did {topic} happen", "what caused {topic}",
        "what were the aims of {topic}", "what were the reasons for {topic}",
        "how come {topic} happened", "why did mao start {topic}",
        "why did it happen", "why was it introduced", "what caused it")),
    Intent("features", "FeaturesIntent", facet="features", slots=((TOPIC_SLOT, TOPIC_TYPE),), samples=(
        "what were the key features of {topic}", "what did {topic} involve",
        "what happened during {topic}", "describe the main features of {topic}",
        "what were the features of {topic}", "what went on during {topic}",
        "what were its key features", "what were the key features", "what did it involve")),
    Intent("effects", "EffectsIntent", facet="effects", slots=((TOPIC_SLOT, TOPIC_TYPE),), samples=(
        "what were the effects of {topic}", "what were the consequences of {topic}",
        "what was the impact of {topic}", "was {topic} a success", "what went wrong with {topic}",
        "what happened as a result of {topic}", "what were the results of {topic}",
        "what were its effects", "what were the effects", "what were the consequences", "was it a success")),
)

FREE_QUESTION = Intent(
    "question", "AskQuestionIntent", slots=((QUESTION_SLOT, "AMAZON.SearchQuery"),), samples=(
        "question {question}", "i have a question {question}", "my question is {question}",
        "i want to know {question}", "can you tell me {question}", "help me revise {question}",
        "i need to know {question}", "revise {question}"))

COMMANDS = (
    Intent("help", "AMAZON.HelpIntent", command="help",
           text_cues=(r"^(help|help me|what can (i|you) (say|do|ask)|how does this work|what do i say)$",)),
    Intent("stop", "AMAZON.StopIntent", command="stop",
           text_cues=(r"^(stop|quit|exit|goodbye|bye|that's all|thats all|i'm done|im done|no thanks|no thank you|finish|end)$",)),
    Intent("cancel", "AMAZON.CancelIntent", command="stop", text_cues=(r"^(cancel|never mind|nevermind)$",)),
    Intent("fallback", "AMAZON.FallbackIntent", command="fallback"),
    Intent("home", "AMAZON.NavigateHomeIntent", command="stop"),
    Intent("repeat", "AMAZON.RepeatIntent", command="repeat",
           text_cues=(r"^(repeat|repeat that|say (that|it) again|again|pardon|what did you say|come again|sorry what)$",)),
    Intent("yes", "AMAZON.YesIntent", command="yes", text_cues=(r"^(yes|yeah|yep|sure|ok|okay|yes please|go on|go ahead|please do)$",)),
    Intent("no", "AMAZON.NoIntent", command="no", text_cues=(r"^(no|nope|no more|not now)$",)),
    Intent("more", "MoreIntent", command="more",
           samples=("tell me more", "more", "next point", "carry on", "keep going", "continue", "what else"),
           text_cues=(r"^(tell me more|more|next point|carry on|keep going|continue|what else|and then|go on then|more please)$",)),
    Intent("slower", "SlowerIntent", command="slower",
           samples=("say it slower", "slower please", "slow down", "say that more slowly", "speak slower"),
           text_cues=(r"^(say (it|that) (slower|more slowly)|slower|slower please|slow down|speak (slower|more slowly)|too fast)$",)),
    Intent("start_over", "AMAZON.StartOverIntent", command="start_over",
           text_cues=(r"^(start again|start over|from the (beginning|top)|begin again|restart)$",)),
    Intent("skip", "SkipIntent", command="skip",
           samples=("skip", "skip it", "skip this one", "skip this part", "skip that question", "pass"),
           text_cues=(r"^(skip|skip it|skip (this|that)( one| part| question)?|pass)$",)),
    Intent("next", "AMAZON.NextIntent", command="next", text_cues=(r"^(next|next one|next part|next question)$",)),
    Intent("previous", "AMAZON.PreviousIntent", command="previous",
           text_cues=(r"^(previous|go back|back|last one|previous part)$",)),
    # --- revision: quizzes, study guides, progress (skill.quiz, skill.guide, skill.progress) ---
    # "(?P<topic>...)" in a cue captures the words naming a topic when the text has no slot.
    Intent("quiz_wrong", "QuizMistakesIntent", command="quiz_wrong", samples=(
        "quiz me on what i got wrong", "test me on what i got wrong", "quiz me on my mistakes",
        "test me on my mistakes", "go over what i got wrong", "quiz me on the ones i got wrong"),
        text_cues=(r"^(quiz|test|question) me (on|about) (what i (got|get) wrong|my mistakes|the ones i (got wrong|missed)"
                   r"|what i missed|my weak (topics|spots|points))$",
                   r"^(go over|practise|practice|revise) (what i got wrong|my mistakes)$")),
    Intent("quiz", "QuizIntent", command="quiz", slots=((TOPIC_SLOT, TOPIC_TYPE),), samples=(
        "quiz me", "test me", "give me a quiz", "start a quiz", "quiz me on {topic}", "test me on {topic}",
        "give me a quiz on {topic}", "start a quiz on {topic}", "ask me questions on {topic}"),
        text_cues=(r"^((quiz|test) me|(give me|start|do|let s do|lets do|i want|can i have|can i do) (a |another )?"
                   r"(quiz|test)|quiz|another quiz|ask me questions)( (on|about|for) (?P<topic>.+))?$",)),
    Intent("guide", "StudyGuideIntent", command="guide", slots=((TOPIC_SLOT, TOPIC_TYPE),), samples=(
        "read me the study guide on {topic}", "read the study guide for {topic}", "study guide on {topic}",
        "give me the revision notes on {topic}", "take me through {topic}", "read me the study guide",
        "start the study guide on {topic}"),
        text_cues=(r"^((read|play|give|start|open)( me)? (the |a |my )?)?(study guide|revision guide|revision notes"
                   r"|study notes)( (on|for|about) (?P<topic>.+))?$",
                   r"^(take|walk|talk) me through (?P<topic>.+)$")),
    Intent("resume", "ResumeGuideIntent", command="resume", samples=(
        "carry on with my study guide", "continue my study guide", "resume my study guide",
        "where was i", "pick up where i left off", "go back to my study guide"),
        text_cues=(r"^(carry on|continue|resume|go on|keep going|go back to|back to|pick up)( with)? (my |the )?"
                   r"(study guide|guide|revision guide|revision notes)$",
                   r"^(where was i|where did i (stop|get to|leave off)|pick up where i (left off|stopped))$")),
    Intent("progress", "ProgressIntent", command="progress", samples=(
        "how am i doing", "how am i getting on", "what's my progress", "tell me my score",
        "how well am i doing", "give me a progress report"),
        text_cues=(r"^(how (am i|m i|im i) (doing|getting on|going)|(hows|how is|how) my (progress|revision)|(whats|what is|what) my "
                   r"(progress|score)|(show|tell|give) me my (progress|score|results)|my progress|(a )?progress report"
                   r"|how well am i doing|how have i done( so far)?)$",)),
    Intent("board", "SetExamBoardIntent", command="board", slots=((BOARD_SLOT, "AMAZON.SearchQuery"),), samples=(
        "i'm doing {board}", "i'm studying {board}", "my exam board is {board}", "set my exam board to {board}",
        "i take {board}", "change my exam board to {board}"),
        text_cues=(r"^((i m|im|i am) (doing|studying|taking|sitting|on|with)|i (do|take|study)|my (exam )?board is"
                   r"|(set|change) my (exam )?board to|the (exam )?board is) (?P<board>.+)$",)),
    Intent("forget", "ForgetProgressIntent", command="forget", samples=(
        "forget my progress", "delete my progress", "reset my progress", "delete my data",
        "forget everything about me", "wipe my progress"),
        text_cues=(r"^(forget|delete|erase|wipe|reset|clear|remove) (all )?(my progress|my data|my scores|my results"
                   r"|my history|me|everything about me|what you know about me)$",)),
    # A spoken quiz answer the platform caught with a carrier phrase; outside a quiz it is a question.
    Intent("answer", "AnswerIntent", command="answer", slots=((ANSWER_SLOT, "AMAZON.SearchQuery"),), samples=(
        "the answer is {answer}", "i think it's {answer}", "i think it was {answer}", "is it {answer}",
        "my answer is {answer}", "option {answer}", "it was {answer}")),
)

ALL_INTENTS = FACET_INTENTS + (FREE_QUESTION,) + COMMANDS
BY_ALEXA_NAME = {i.alexa: i for i in ALL_INTENTS}
BY_NAME = {i.name: i for i in ALL_INTENTS}

_COMMAND_CUES = [(re.compile(cue), intent) for intent in COMMANDS for cue in intent.text_cues]


def command_in_text(normalized_text: str) -> Intent | None:
    """A command said in free text ("repeat that", "stop"), for text-only channels."""
    found = parse_command(normalized_text)
    return found[0] if found else None


def parse_command(normalized_text: str) -> tuple[Intent, dict[str, str]] | None:
    """A command in free text with the words its cue captured ({"topic": ...}, {"board": ...})."""
    text = re.sub(r"^(alexa|hey|ok|okay|um|uh|er|erm|please|can you|could you) ", "", normalized_text).strip()
    text = re.sub(r" (please|thanks|thank you)$", "", text)
    for rx, intent in _COMMAND_CUES:
        m = rx.match(text)
        if m:
            return intent, {k: v for k, v in m.groupdict().items() if v}
    return None

