"""Prompt-injection detection: a scored rule set over (normalised, decoded) text.

Every rule has a family (instruction override, system-prompt exfiltration, role-play jailbreak,
delimiter/tag injection, encoded payload, multilingual override, indirect injection) and a
weight. A text's score is the sum of the weights of the distinct rules it matches, plus bonuses
for evidence of hiding (invisible characters, homoglyphs, an encoded payload) and for text that
arrived indirectly (a tool output, a retrieved document, a memory read), capped at 100. Rules are
local (each match spans at most a sentence) and all run in one Hyperscan pass (`MultiMatcher`).
"""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass, field
from typing import Any

from actors.security.matcher import MultiMatcher, PatternSpec
from actors.security.normalize import decoded_payloads, foreign, normalize, rot13

_I = re.IGNORECASE

_VERBS_IGNORE = r"(?:ignore|disregard|forget|skip|override|bypass|neglect|abandon|drop|discard|overlook|nevermind|never\s+mind)"
_PRIOR = r"(?:previous|prior|above|earlier|preceding|former|initial|original|system|existing|foregoing|old|all\s+the|your|any|these|those)"
_DIRECTIVES = (
    r"(?:instructions?|prompts?|directives?|rules|guidelines|commands?|constraints|guardrails|programming|orders|"
    r"restrictions|policies|inputs|safety\s+(?:rules|guidelines|filters)|system\s+(?:prompt|message))"
)
_REVEAL = (
    r"(?:reveal|show|print|display|output|repeat|tell\s+me|give\s+me|disclose|leak|share|write\s+out|spell\s+out|"
    r"recite|dump|echo|paste|copy|send|return|provide|expose|summari[sz]e)"
)
_SECRET_PROMPT = (
    r"(?:system\s+(?:prompt|message|instructions?)|initial\s+(?:prompt|instructions?)|original\s+(?:prompt|instructions?)|"
    r"hidden\s+(?:prompt|instructions?|rules)|developer\s+(?:message|prompt|instructions?)|pre-?prompt|meta-?prompt|"
    r"secret\s+(?:instructions?|rules|prompt)|confidential\s+instructions?)"
)


@dataclass(frozen=True)
class InjectionRule:
    """One pattern of the rule set, its family and how much a match adds to the score (0–100)."""

    rule_id: str
    family: str
    pattern: re.Pattern[str]
    weight: int


def _rule(rule_id: str, family: str, pattern: str, weight: int, flags: int = _I) -> InjectionRule:
    return InjectionRule(rule_id, family, re.compile(pattern, flags), weight)


RULES: tuple[InjectionRule, ...] = (
    # --- instruction override ---------------------------------------------------------------
    _rule("override.ignore_prior", "instruction_override",
          rf"\b{_VERBS_IGNORE}\b[^.\n]{{0,30}}?\b{_PRIOR}\b[^.\n]{{0,25}}?\b{_DIRECTIVES}", 75),
    _rule("override.ignore_everything", "instruction_override",
          rf"\b{_VERBS_IGNORE}\s+(?:all|everything|anything|what)\b[^.\n]{{0,30}}\b(?:said|told|written|above|before|given)\b", 60),
    _rule("override.do_not_follow", "instruction_override",
          r"\b(?:do\s+not|don't|never|stop)\s+(?:follow|obey|listen\s+to|adhere\s+to|comply\s+with)\b[^.\n]{0,30}\b"
          r"(?:instructions?|rules|guidelines|system|developer|polic(?:y|ies)|creators?|openai|anthropic)", 60),
    _rule("override.new_instructions", "instruction_override",
          r"\b(?:new|updated|revised|real|actual|true|override)\s+(?:instructions?|rules|directives?|system\s+prompt|orders)\s*(?::|are\b|follow)", 40),
    _rule("override.from_now_on", "instruction_override",
          r"\b(?:from\s+now\s+on|henceforth|for\s+the\s+rest\s+of\s+(?:this|the)\s+conversation)\b[^.\n]{0,60}\b"
          r"(?:you\s+(?:will|are|must|shall|should)|respond|answer|act|ignore|only)", 35),
    _rule("override.freed", "instruction_override",
          r"\byou\s+(?:are|have\s+been|were)\s+(?:now\s+)?(?:freed|liberated|unshackled|released|no\s+longer\s+(?:bound|restricted|limited)|not\s+bound)", 60),
    _rule("override.no_restrictions", "instruction_override",
          r"\b(?:without|no|free\s+of|ignoring)\s+(?:any\s+)?(?:restrictions|filters|limitations|censorship|content\s+polic(?:y|ies)|ethical\s+guidelines|moral\s+constraints)\b", 30),
    _rule("override.safety", "instruction_override",
          r"\b(?:override|disable|turn\s+off|deactivate|bypass|circumvent|ignore)\s+(?:your|the|all|any)\s+(?:safety|security|content|moderation|ethical)\b", 55),
    # --- system-prompt exfiltration ----------------------------------------------------------
    _rule("exfil.reveal_system_prompt", "exfiltration",
          rf"\b{_REVEAL}\b[^.\n]{{0,40}}?\b(?:your|the|my|its)\s+(?:full\s+|entire\s+|complete\s+|exact\s+|whole\s+|verbatim\s+|hidden\s+|secret\s+|internal\s+|confidential\s+)*{_SECRET_PROMPT}", 65),
    _rule("exfil.reveal_instructions", "exfiltration",
          rf"\b{_REVEAL}\b[^.\n]{{0,20}}?\byour\s+(?:full\s+|entire\s+|complete\s+|exact\s+|original\s+|initial\s+)*(?:instructions|rules|guidelines|prompt|configuration)\b", 50),
    _rule("exfil.what_is_system_prompt", "exfiltration",
          rf"\b(?:what|which)\s+(?:is|are|were|was)\s+(?:your|the)\s+(?:exact\s+|full\s+|entire\s+|whole\s+|complete\s+|real\s+)?(?:{_SECRET_PROMPT}|instructions\s+you\s+(?:were|have\s+been)\s+given)", 55),
    _rule("exfil.repeat_above", "exfiltration",
          r"\b(?:repeat|print|output|copy|echo|reproduce|write)\b[^.\n]{0,30}\b(?:words|text|everything|all|lines?|content|messages?)\s+(?:above|before\s+this|preceding|prior\s+to\s+this)", 60),
    _rule("exfil.starting_with", "exfiltration",
          r"\b(?:starting|beginning)\s+(?:with|from)\s+[\"'](?:you\s+are|system)", 50),
    _rule("exfil.markdown_beacon", "exfiltration",
          r"!\[[^\]]{0,60}\]\(https?://[^)\s]{0,100}[?&][^)\s=]{1,30}=(?:\{|\[|\$|%7B)", 60),
    _rule("exfil.send_to_url", "exfiltration",
          r"\b(?:send|post|upload|forward|exfiltrate|transmit|email)\b[^.\n]{0,50}\b(?:conversation|chat\s+history|credentials|api\s+keys?|passwords?|secrets?|tokens?|system\s+prompt|user\s+data)\b[^.\n]{0,40}\b(?:to|at)\s+(?:https?://|\S+@\S+)", 60),
    # --- role-play / DAN / developer mode -----------------------------------------------------
    _rule("roleplay.dan", "roleplay", r"\bdo\s+anything\s+now\b", 80),
    _rule("roleplay.dan_name", "roleplay", r"\b(?:DAN|STAN|DUDE|AIM)\b(?:\s+(?:mode|prompt|jailbreak)|[,:]\s+(?:you|which|who))", 40, 0),
    _rule("roleplay.mode", "roleplay",
          r"\b(?:developer|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|DAN|sudo|chaos|opposite)\s+mode\b", 55),
    _rule("roleplay.enable_mode", "roleplay",
          r"\b(?:enable|activate|enter|switch\s+to|turn\s+on)\s+(?:the\s+)?(?:developer|god|jailbreak|unrestricted|uncensored|DAN)\b", 30),
    _rule("roleplay.pretend_unrestricted", "roleplay",
          r"\b(?:pretend|imagine|act|behave|roleplay|role-play|play\s+the\s+role|simulate)\b[^.\n]{0,30}\b(?:you\s+are|you're|to\s+be|as|of)\b[^.\n]{0,40}\b"
          r"(?:no\s+(?:rules|restrictions|limits|filters|guidelines|ethics|morals)|without\s+(?:any\s+)?(?:rules|restrictions|limits|filters|guidelines|ethics)|not\s+bound|unrestricted|unfiltered|uncensored|jailbroken|evil|amoral|unethical|can\s+do\s+anything)", 60),
    _rule("roleplay.you_are_unrestricted", "roleplay",
          r"\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:completely\s+|totally\s+|fully\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken|evil|amoral|unethical|free\s+ai|rogue)\b", 60),
    _rule("roleplay.jailbreak_word", "roleplay", r"\bjail\s?br(?:eak|oken|eaking)\b", 35),
    _rule("roleplay.character", "roleplay", r"\b(?:stay|remain)\s+in\s+character\b|\bbreak(?:ing)?\s+character\b", 25),
    _rule("roleplay.two_responses", "roleplay",
          r"\b(?:two|2|both)\s+(?:responses|answers|replies)\b[^.\n]{0,80}\b(?:normal|classic|filtered|censored)\b", 35),
    # persona jailbreaks as written in the wild (DAN-style character sheets)
    _rule("roleplay.no_ethics", "roleplay",
          r"\b(?:no|without|doesn't\s+have\s+any|does\s+not\s+have\s+any|not\s+have\s+any|free\s+(?:from|of)|lacks?|devoid\s+of)\s+(?:any\s+)?(?:ethical|moral|ethics|morals|morality)\b", 45),
    _rule("roleplay.amoral_persona", "roleplay",
          r"\b(?:unfiltered|amoral|uncensored|unethical|immoral|unrestricted)\b[^.\n]{0,60}\b(?:chatbot|AI|model|assistant|character|persona|bot|version)\b", 40),
    _rule("roleplay.never_refuses", "roleplay",
          r"\b(?:never|will\s+not|won't|cannot|can't|doesn't|does\s+not)\s+(?:refuse|decline|say\s+no|reject|tell\s+(?:me|the\s+user|you)\s+(?:that\s+)?(?:it|he|she|they|you)\s+(?:can't|cannot|can\s+not))", 40),
    _rule("roleplay.always_answers", "roleplay",
          r"\b(?:always|will)\s+(?:answer|respond|provide|send|reply|comply)\w*\b[^.\n]{0,50}\b(?:no\s+matter|regardless|unfiltered|without\s+(?:any\s+)?(?:warnings?|restrictions|censorship|filters?))", 40),
    _rule("roleplay.no_matter_how", "roleplay",
          r"\bno\s+matter\s+how\s+(?:immoral|unethical|illegal|dangerous|harmful|offensive|inappropriate|explicit)", 45),
    _rule("roleplay.any_request", "roleplay",
          r"\b(?:answer|respond\s+to|fulfil|fulfill|comply\s+with|provide)\s+(?:any|every|all)\s+(?:request|question|prompt|query)s?\b[^.\n]{0,40}\b(?:illegal|unethical|immoral|harmful|no\s+matter)", 40),
    _rule("roleplay.no_warnings", "roleplay", r"\bwithout\s+(?:any\s+)?(?:warnings?|disclaimers?|caveats|moralizing|lectures?)\b", 30),
    _rule("roleplay.not_chatgpt", "roleplay",
          r"\b(?:you\s+are\s+not|you're\s+not|is\s+not|isn't)\s+(?:ChatGPT|an\s+AI\s+language\s+model|bound\s+by\s+(?:OpenAI|any))", 35),
    _rule("roleplay.content_policy", "roleplay",
          r"\b(?:OpenAI|Anthropic|content|usage)\s+(?:content\s+)?polic(?:y|ies)\b[^.\n]{0,40}\b(?:ignore|bypass|doesn't\s+apply|do\s+not\s+apply|not\s+follow|break|violat)", 45),
    _rule("roleplay.stands_for", "roleplay", r"\b[A-Z][A-Za-z]{1,7}\s+(?:stands\s+for|is\s+short\s+for)\b", 20, 0),
    _rule("roleplay.persona_name", "roleplay",
          r"\b(?:you\s+are|you\s+will\s+be|act\s+as|pretend\s+to\s+be|become)\s+(?:now\s+)?(?:an?\s+)?[A-Z][A-Za-z]*(?:GPT|AI|Bot|BOT)\b", 30, 0),
    _rule("roleplay.illegal_content", "roleplay",
          r"\b(?:illegal|unethical|immoral|inhumane|harmful|explicit)\s*(?:/|,|or|and)\s*(?:illegal|unethical|immoral|inhumane|harmful|dangerous)\b", 30),
    _rule("roleplay.without_regard", "roleplay",
          r"\bwithout\s+(?:any\s+)?regard\s+(?:for|to)\s+(?:legality|ethics|morality|morals|laws?|rules|safety|consequences)", 45),
    _rule("roleplay.ignores_restrictions", "roleplay",
          r"\bignor(?:e|es|ing)\s+(?:any\s+and\s+all|all|any|every)\s+(?:topic\s+|content\s+|safety\s+|ethical\s+)?(?:restrictions|filters|limitations|guidelines|rules)", 50),
    _rule("roleplay.mode_enabled_by", "roleplay",
          r"\bmode\s+(?:is\s+)?(?:enabled|activated|unlocked)\s+by\s+(?:OpenAI|Anthropic|the\s+developers?|an?\s+(?:OpenAI\s+|Anthropic\s+)?(?:employee|admin|developer|engineer))", 55),
    _rule("roleplay.do_not_respond_as", "roleplay",
          r"\bdo\s+not\s+(?:respond|answer|reply|act)\s+as\s+(?:GPT|ChatGPT|an\s+AI(?:\s+language\s+model)?|Claude|an\s+assistant)\b", 50),
    _rule("override.forget_everything", "instruction_override",
          r"\bforget\s+(?:everything|all\s+that|all)\s+(?:you(?:'ve|\s+have)?\s+(?:learned|been\s+told|know)|from\s+(?:chat\s*gpt|openai|before)|about\s+(?:your|the)\s+(?:rules|guidelines|instructions))", 55),
    _rule("override.from_this_point", "instruction_override",
          r"\b(?:from\s+this\s+point\s+(?:forward|on)|for\s+the\s+remainder\s+of\s+(?:this|the)\s+(?:chat|conversation|thread|session))\b[^.\n]{0,60}\byou\s+(?:will|must|shall|are)", 35),
    _rule("roleplay.alter_ego", "roleplay", r"\b(?:alter\s+ego|evil\s+twin|unaligned\s+(?:ai|version|response))\b", 25),
    # --- delimiter and tag injection -------------------------------------------------------
    _rule("delimiter.chat_tokens", "delimiter",
          r"<\|\s*(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\s*\|>", 70),
    _rule("delimiter.inst_tags", "delimiter", r"\[/?INST\]|<</?SYS>>|\[/?SYS(?:TEM)?\]", 60),
    _rule("delimiter.fake_role_tag", "delimiter",
          r"</?(?:system|admin|developer|root)(?:[_-](?:prompt|message|instructions?|override))?>", 40),
    _rule("delimiter.fake_role_line", "delimiter",
          r"(?:^|\n)\s*(?:#{1,3}\s*)?(?:system|admin|developer)\s*(?:message|prompt|override|instruction)?\s*:\s*\S", 25),
    _rule("delimiter.end_of_prompt", "delimiter",
          r"\b(?:end\s+of\s+(?:the\s+)?(?:system\s+)?(?:prompt|instructions|context|document|user\s+input)|(?:new|begin|start)\s+(?:of\s+)?(?:new\s+)?(?:instructions|system\s+prompt))\b", 30),
    _rule("delimiter.separator_then_instruction", "delimiter",
          r"(?:-{4,}|={4,}|#{4,}|\*{4,})\s*\n?\s*(?:new\s+|real\s+|actual\s+|important\s+)?(?:instructions?|system(?:\s+override)?|override|task|directive)\s*:", 45),
    # --- encoded payloads ------------------------------------------------------------------
    _rule("encoded.decode_and_follow", "encoded",
          r"\b(?:decode|decipher|translate|convert)\b[^.\n]{0,40}\b(?:base64|base-64|hex|rot13|rot-13|caesar|binary)\b[^.\n]{0,60}\b(?:follow|execute|do|obey|run|carry\s+out|act\s+on)\b", 55),
    # --- multilingual instruction override / exfiltration --------------------------------------
    _rule("multilingual.es", "multilingual",
          r"\b(?:ignora|ignore|olvida|olvide|omite)\w*\s+(?:todas\s+)?(?:las\s+)?(?:instrucciones|indicaciones|reglas)\s+(?:anteriores|previas)", 75),
    _rule("multilingual.fr", "multilingual",
          r"\b(?:ignore|oublie)\w*\s+(?:toutes\s+)?(?:les\s+)?(?:instructions|consignes|règles|regles)\s+(?:précédentes|precedentes|antérieures|anterieures)", 75),
    _rule("multilingual.de", "multilingual",
          r"\b(?:ignorier|vergiss|vergessen)\w*\s+(?:sie\s+)?(?:alle\s+)?(?:vorherigen|bisherigen|obigen|vorigen|früheren)?\s*(?:Anweisungen|Instruktionen|Regeln|Befehle)", 75),
    _rule("multilingual.it", "multilingual",
          r"\b(?:ignora|dimentica)\w*\s+(?:tutte\s+)?(?:le\s+)?(?:istruzioni|regole)\s+(?:precedenti|anteriori)", 75),
    _rule("multilingual.pt", "multilingual",
          r"\b(?:ignore|ignora|esqueça|esqueca)\w*\s+(?:todas\s+)?(?:as\s+)?(?:instruções|instrucoes|regras)\s+(?:anteriores|prévias|previas)", 75),
    _rule("multilingual.nl", "multilingual", r"\b(?:negeer|vergeet)\s+(?:alle\s+)?(?:vorige|eerdere|voorgaande)\s+(?:instructies|regels)", 75),
    _rule("multilingual.ru", "multilingual",
          r"(?:игнорируй|игнорируйте|забудь|забудьте|проигнорируй)\w*\s+(?:все\s+)?(?:предыдущие|прежние|прошлые|вышеуказанные)\s+(?:инструкции|указания|правила|команды)", 75),
    _rule("multilingual.zh", "multilingual",
          r"(?:忽略|忽视|无视|忘记|忘掉)(?:之前|以上|上面|先前|前面|所有|全部|的|一切)*(?:指令|指示|说明|规则|提示)", 75, 0),
    _rule("multilingual.zh_exfil", "multilingual", r"(?:显示|输出|打印|告诉我|泄露|重复)(?:你的|您的)?(?:系统提示|系统指令|初始指令|提示词)", 65, 0),
    _rule("multilingual.ja", "multilingual", r"(?:以前|前|上記|これまで)の(?:指示|命令|ルール)を(?:すべて|全て)?(?:無視|忘れ)", 75, 0),
    _rule("multilingual.ko", "multilingual", r"(?:이전|위의|앞의)\s*(?:모든\s*)?(?:지시|지침|명령)(?:를|을|사항을)?\s*(?:무시|잊어)", 75, 0),
    # --- indirect injection (text addressed to the model inside data) ---------------------------
    _rule("indirect.addressed_to_ai", "indirect",
          r"\b(?:AI|assistant|model|agent|LLM|chatbot|GPT|Claude)s?\b[^.\n]{0,30}\b(?:must|should|shall|will|are\s+instructed\s+to|need\s+to)\b[^.\n]{0,60}\b"
          r"(?:ignore|instead|send|email|forward|reveal|execute|delete|transfer|wire|click|visit|include\s+this\s+link)", 45),
    _rule("indirect.you_are_instructed", "indirect",
          r"\byou\s+are\s+(?:hereby\s+|now\s+)?(?:instructed|ordered|commanded|required|directed)\s+to\b", 20),
    _rule("indirect.note_to_ai", "indirect",
          r"\b(?:note|attention|important|message|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:AI|assistant|language\s+model|model|agent|LLM|chatbot|bot)s?\b", 45),
    _rule("indirect.when_you_read", "indirect",
          r"\b(?:when|if|once)\s+(?:you|an?\s+AI|the\s+(?:AI|assistant|model))\s+(?:read|see|process|summari[sz]e|encounter)s?\s+this\b", 35),
    _rule("indirect.hidden_comment", "indirect", r"<!--[^>]{0,200}\b(?:ignore|instructions?|assistant|AI|system)\b", 35),
)

RULES_BY_ID: dict[str, InjectionRule] = {rule.rule_id: rule for rule in RULES}

#: All rules in one multi-pattern matcher: one pass over the text tells which rules match and where they end.
RULE_MATCHER = MultiMatcher(
    [PatternSpec(rule.rule_id, rule.pattern.pattern, caseless=bool(rule.pattern.flags & re.IGNORECASE)) for rule in RULES]
)

REACH = 800  # chars before a match end that contain its start: longer than any rule can match


@dataclass
class InjectionVerdict:
    """What the rule set found in one text: the score (0–100), the rules and where they matched."""

    score: int = 0
    rules: list[str] = field(default_factory=list)
    families: list[str] = field(default_factory=list)
    start: int = 0
    end: int = 0

    @property
    def found(self) -> bool:
        return bool(self.rules)


def _match_rules(text: str, hits: dict[str, tuple[InjectionRule, int, int]], map_offset: Any = None) -> None:
    for rule_id, end in RULE_MATCHER.scan(text):
        if rule_id in hits:
            continue
        rule = RULES_BY_ID[rule_id]
        found = rule.pattern.search(text, max(0, end - REACH), end)
        start, stop = (found.start(), found.end()) if found is not None else (max(0, end - 1), end)
        if map_offset is not None:
            start, stop = map_offset(start), map_offset(stop)
        hits[rule_id] = (rule, start, stop)


def score_text(text: str, indirect: bool = False, depth: int = 0) -> InjectionVerdict:
    """Score `text` against the rule set, undoing obfuscation and decoding embedded payloads.

    Args:
        text: the text of one field (or chunk).
        indirect: the text came from a tool output, retrieved document or memory read, where
            instructions addressed to the model are themselves suspicious.
        depth: decoding depth (payloads inside payloads are followed once).

    Returns:
        The verdict; `score` is 0 when no rule matched.
    """
    hits: dict[str, tuple[InjectionRule, int, int]] = {}
    bonus = 0
    extra: set[str] = set()
    _match_rules(text, hits)
    norm = normalize(text)
    if norm.changed:
        before = len(hits)
        _match_rules(norm.text, hits, map_offset=norm.original_offset)
        if len(hits) > before:
            extra.add("obfuscation")
            bonus += 15  # the rule only matched once invisible characters / homoglyphs were undone
    if depth == 0:
        for payload in decoded_payloads(text):
            inner = score_text(payload.text, indirect, depth + 1)
            if inner.found:
                bonus = max(bonus, 15)
                extra.add("encoded")
                for rule_id in inner.rules:
                    rule = RULES_BY_ID[rule_id]
                    hits.setdefault(rule_id, (rule, payload.start, payload.end))
        if RULE_MATCHER.scan(rot13(text)):  # one more Hyperscan pass: cheap, and hints would miss variants
            inner = score_text(rot13(text), indirect, depth + 1)
            if inner.found:
                bonus = max(bonus, 15)
                extra.add("encoded")
                for rule_id in inner.rules:
                    rule = RULES_BY_ID[rule_id]
                    hits.setdefault(rule_id, (rule, inner.start, inner.end))
    if not hits:
        return InjectionVerdict()
    rules = sorted(hits.values(), key=lambda h: h[1])
    score = sum(rule.weight for rule, _, _ in rules) + bonus
    if indirect:
        score += 15  # instructions inside data the agent fetched are the indirect-injection signature
    families = sorted({rule.family for rule, _, _ in rules} | extra | ({"indirect"} if indirect else set()))
    return InjectionVerdict(
        score=min(100, score),
        rules=[rule.rule_id for rule, _, _ in rules],
        families=families,
        start=min(start for _, start, _ in rules),
        end=max(end for _, _, end in rules),
    )


# --- the learned tier --------------------------------------------------------------------------
#: Words that injection and jailbreak text practically always contains (an override, a persona, a
#: request for hidden text, an instruction addressed to the model), in the nine languages the tier
#: covers. A text with none of them and no rule hit is not sent to the classifier: this keeps the
#: learned tier on few texts. Non-ASCII texts and texts with encoded runs always go (gate.py).
#: Strong cues are rare in ordinary text; weak cues (`WEAK_CUES`) are everyday words (system, policy,
#: character, reveal, …) that ordinary agent text has too, so `CUE_GATE` can ask for more than one.
STRONG_CUES: tuple[str, ...] = (
    r"\b(?:ignor|disregard|overrid|bypass|set\s+aside|put\s+aside|no\s+longer|pretend|role-?play|"
    r"jailbr|unfilter|uncensor|unrestrict|instruction|directive|rules\b|"
    r"told\s+(?:you|before)|were\s+given|act\s+as|you\s+are\s+now|from\s+now\s+on|henceforth|"
    r"chatbot|language\s+model|\bai\b|\bllm\b|verbatim|word\s+for\s+word|dan\b|hypothetical|restriction|"
    r"assistant|repeat|opposite|admin\b|"
    r"respond\s+as|answer\s+as|reply\s+as|stay\s+in|never\s+refuse|anything\s+now|obey|comply|unlock)",
    # ES FR DE PT IT (Latin-script languages often written without accents)
    r"\b(?:instrucc|indicacion|regla|consigne|r[eè]gle|directriz|anweisung|regel|vorgabe|instru[cç]|regra|orienta[cç]|istruzion|regol|"
    r"indicazion|ignora|olvida|oublie|vergiss|esque[cç]|dimentic|repite|r[eé]p[eè]te|wiederhol|repita|ripeti|obedece|ob[eé]is|gehorch|obbedisc)",
    # leetspeak and letter-by-letter spacing of the usual trigger words (the plain spellings of the weak
    # words among them are weak cues)
    r"[1!]gn[0o]r|ign[0o]r|d[1!]sr[3e]g|[1!]nstruct|instruct[1!]|pr0mpt|syst3m|sy5t|j[4a][1!]lbr|r3v[3e][4a]l|rev3[4a]l|reve4l|"
    r"rul[3e]5|f0rg[3e]t|forg3t",
    r"(?:\b[a-z][ .*_-]){4}[a-z]\b",
    r"\b[g-z]+[0134579][a-z]*[g-z]\b",
    r"\b(?:you're\s+now|text\s+above|earlier\s+(?:message|text)|before\s+i\s+(?:arrived|joined|came))\b",
)
WEAK_CUES: tuple[str, ...] = (
    r"\bforgot", r"\bimagine", r"\bpersona", r"\bcharacter", r"\bfilter", r"\bguideline", r"\bpolic", r"\bconfigur",
    r"\bdeveloper", r"\badmin", r"\bmode\b", r"\bsimulat", r"\bsecret", r"\bhidden", r"\binitial", r"\byourself\b",
    r"forget", r"prompt", r"system", r"reveal",  # also inside words ("filesystem"), as the leetspeak cue always matched them
)
#: Every cue (what the gate and the span prefilter look for: a text with none of them never reaches the classifier).
LEARNED_CUES: tuple[str, ...] = (*STRONG_CUES, *WEAK_CUES)

#: When a text no rule matched and that is not foreign goes to the classifier: "any" cue, a "strong"
#: cue only, or "strong+2weak" (a strong cue or two different weak ones). Measured in bench/detection_quality.py.
CUE_GATE = "any"

#: Rule scores at or above this decide alone; below it (including texts no rule matched, when a cue
#: is present) the classifier decides. The band where rules are unsure is [0, RULES_DECIDE).
RULES_DECIDE = 80
LEARNED_RULE = "learned.classifier"
_STRONG = "strong"
CUE_MATCHER = MultiMatcher(
    [PatternSpec(_STRONG, cue, caseless=True) for cue in STRONG_CUES]
    + [PatternSpec(f"weak{i}", cue, caseless=True) for i, cue in enumerate(WEAK_CUES)]
)


def cue_opens(canonical_text: str, gate: str | None = None) -> bool:
    """Whether the cues in `canonical_text` send it to the classifier under `gate` (default `CUE_GATE`)."""
    keys = {key for key, _ in CUE_MATCHER.scan(canonical_text)}
    gate = gate or CUE_GATE
    if gate == "any" or _STRONG in keys:
        return bool(keys)
    if gate == "strong":
        return False
    if gate == "strong+2weak":
        return len(keys) >= 2
    raise ValueError(f"unknown cue gate {gate!r}")


#: False while the engine scans text the model wrote itself (an LLM span's output): injections enter
#: through what the model reads, so the learned tier is spent there; the rules still run everywhere.
LEARNED_ENABLED: contextvars.ContextVar[bool] = contextvars.ContextVar("learned_enabled", default=True)


def assess(text: str, indirect: bool = False, learned: bool = True) -> InjectionVerdict:
    """Rules, then the learned tier where the rules are unsure (score < RULES_DECIDE).

    The classifier's probability p against its trained threshold t decides: p ≥ t reports an
    injection with score 50 + 50·(p − t)/(1 − t) (never below the rules' own score); p < t caps the
    score below the alert threshold (the rules' weak hit stays visible as evidence, score ≤ 49).
    """
    verdict = score_text(text, indirect)
    if not learned or verdict.score >= RULES_DECIDE or not LEARNED_ENABLED.get():
        return verdict
    from actors.security.classifier import canonical, get_classifier

    classifier = get_classifier()
    if classifier is None:
        return verdict
    canonical_text = canonical(text)
    if not verdict.found and not foreign(text) and not cue_opens(canonical_text):
        return verdict
    p = classifier.probability(text, canonical_text)
    t = classifier.threshold
    if p >= t:
        score = max(verdict.score, int(50 + 50 * (p - t) / (1 - t)))
        if indirect:
            score = min(100, score + 10)
        families = sorted(set(verdict.families) | {"learned"})
        start, end = (verdict.start, verdict.end) if verdict.found else (0, len(text))
        return InjectionVerdict(min(100, score), [*verdict.rules, LEARNED_RULE], families, start, end)
    if verdict.found:
        verdict.score = min(verdict.score, 49)
    return verdict
