"""Labelled PII / secrets samples for the detection benchmark: Faker values in agent-style text.

Independent of the recognizers: values come from Faker's locales (phones as Faker writes them
for each country, then re-formatted by libphonenumber as E.164 / international / national, with
and without separators), check digits are computed the way issuers do (Luhn, IBAN mod 97,
Verhoeff for Aadhaar, base58check for Bitcoin), and secrets have each provider's documented
shape. Templates are agent text: chat turns, tool-call JSON, logs, CSV rows, connection strings,
in several languages. Negatives: number-rich benign text (orders, versions, timestamps, hashes,
ids, prices, coordinates) where any finding is a false positive.

Three sources: `faker_agent` (templates A) and `faker_records` (templates B: records, logs and
non-English sentences) — the second is held out: recognizers were tuned on the first only — and
`hard_forms` (held out, written after the recognizers): every phone number of the ten regions in
E.164, 00-prefixed, dotted, dashed, bracketed and separator-free national forms, with and without
a word such as "phone" nearby; emails in less common shapes (sub-addresses, long TLDs, quoted in
headers and URLs, non-ASCII); provider keys where they are less often seen (URLs, git remotes,
escaped JSON, shell exports, admin and app-level variants). `form` names the shape, so misses can
be reported per shape.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
from dataclasses import dataclass, field

import phonenumbers
from faker import Faker

PHONE_LOCALES = {"US": "en_US", "GB": "en_GB", "DE": "de_DE", "FR": "fr_FR", "ES": "es_ES", "IT": "it_IT",
                 "IN": "en_IN", "BR": "pt_BR", "JP": "ja_JP", "AU": "en_AU"}
B62 = string.ascii_letters + string.digits


@dataclass
class PiiSample:
    text: str
    entities: list[tuple[str, int, int]] = field(default_factory=list)
    source: str = "faker_agent"
    form: str = ""  # hard_forms: which less common form the value is written in


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def phone(rng: random.Random, fakers: dict[str, Faker]) -> str:
    region = rng.choice(list(PHONE_LOCALES))
    fake = fakers[PHONE_LOCALES[region]]
    for _ in range(50):
        raw = fake.phone_number()
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        style = rng.choice(["faker", "e164", "international", "national", "national_bare"])
        if style == "faker":
            return raw
        if style == "e164":
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if style == "international":
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return national if style == "national" else "".join(c for c in national if c.isdigit())
    return "+1 415 555 0199"


def email(rng: random.Random, fake: Faker) -> str:
    user = fake.user_name()
    return rng.choice([
        fake.email(), fake.company_email(), fake.free_email(),
        f"{user}+{fake.word()}@{fake.domain_name()}",
        f"{fake.first_name().lower()}.{fake.last_name().lower()}@{fake.word()}.{fake.domain_name()}",
        f"{user.upper()}@{fake.domain_name().upper()}",
        f"{user}@{fake.word()}.{rng.choice(['io', 'dev', 'app', 'co.uk', 'com.br', 'de', 'fr', 'co.jp', 'com.au', 'in'])}",
        f"{user}_{rng.randint(1, 99)}@mail.{fake.domain_name()}",
    ])


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + _rand(rng, string.digits, length - len(prefix) - 1)
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


def card(rng: random.Random, fake: Faker) -> str:
    number = rng.choice([
        lambda: fake.credit_card_number(card_type=rng.choice(["visa", "mastercard", "amex", "discover", "jcb", "diners"])),
        lambda: _luhn_complete("4", 16, rng),
        lambda: _luhn_complete(str(rng.randint(51, 55)), 16, rng),
        lambda: _luhn_complete(str(rng.randint(2221, 2720)), 16, rng),
    ])()
    if rng.random() < 0.5 and len(number) == 16:
        sep = rng.choice([" ", "-"])
        number = sep.join(number[i:i + 4] for i in range(0, 16, 4))
    return number


def iban(rng: random.Random) -> str:
    value = Faker(rng.choice(["en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT", "pt_PT", "pl_PL"])).iban()
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4)) if rng.random() < 0.4 else value


def itin(rng: random.Random) -> str:
    return f"9{rng.randint(0, 99):02d}-{rng.choice([*range(70, 89), *range(90, 93), *range(94, 100)])}-{rng.randint(0, 9999):04d}"


def nino(rng: random.Random) -> str:
    while True:  # HMRC: D F I Q U V never; O never second; BG GB NK KN TN NT ZZ never issued
        first, second = rng.choice("ABCEGHJKLMNOPRSTWXYZ"), rng.choice("ABCEGHJKLMNPRSTWXYZ")
        if first + second not in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}:
            break
    digits = f"{rng.randint(0, 999999):06d}"
    suffix = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{first}{second} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{first}{second}{digits}{suffix}"


_VD = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
       [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1], [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
       [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VP = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
       [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1], [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
_VINV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def aadhaar(rng: random.Random) -> str:
    body = str(rng.randint(2, 9)) + _rand(rng, string.digits, 10)
    c = 0
    for i, ch in enumerate(reversed(body)):
        c = _VD[c][_VP[(i + 1) % 8][int(ch)]]
    value = body + str(_VINV[c])
    return f"{value[:4]} {value[4:8]} {value[8:]}" if rng.random() < 0.6 else value


def pan(rng: random.Random) -> str:
    return _rand(rng, string.ascii_uppercase, 3) + rng.choice("PCHFATBLJG") + rng.choice(string.ascii_uppercase) + _rand(rng, string.digits, 4) + rng.choice(string.ascii_uppercase)


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def btc(rng: random.Random) -> str:
    payload = bytes([rng.choice([0, 5])]) + bytes(rng.getrandbits(8) for _ in range(20))
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def wallet(rng: random.Random) -> str:
    return btc(rng) if rng.random() < 0.6 else "0x" + _rand(rng, "0123456789abcdef", 40)


def _jwt(rng: random.Random) -> str:
    def enc(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{enc({'alg': 'RS256', 'typ': 'JWT'})}.{enc({'sub': str(rng.randint(1, 10**9)), 'exp': rng.randint(10**9, 2 * 10**9)})}.{_rand(rng, B62 + '-_', 86)}"


def password_url(rng: random.Random, fake: Faker) -> tuple[str, str]:
    """(whole text, the password inside it): the password is the labelled span."""
    pw = _rand(rng, B62, rng.randint(3, 6)) + rng.choice("!#%*") + _rand(rng, B62, rng.randint(8, 14))
    user, host = fake.user_name(), fake.domain_name()
    template = rng.choice(["postgresql://{u}:{p}@db.{h}:5432/app", "mongodb+srv://{u}:{p}@cluster0.{h}/prod", "redis://:{p}@cache.{h}:6379/0",
                           "mysql://{u}:{p}@{h}/shop", "amqp://{u}:{p}@mq.{h}:5672/", "https://{u}:{p}@git.{h}/repo.git"])
    return template.format(u=user, p=pw, h=host), pw


VALUE_MAKERS = {
    "PHONE_NUMBER": lambda r, f, fs: phone(r, fs),
    "EMAIL_ADDRESS": lambda r, f, fs: email(r, f),
    "CREDIT_CARD": lambda r, f, fs: card(r, f),
    "IBAN_CODE": lambda r, f, fs: iban(r),
    "US_SSN": lambda r, f, fs: f.ssn(),
    "US_ITIN": lambda r, f, fs: itin(r),
    "UK_NINO": lambda r, f, fs: nino(r),
    "IN_AADHAAR": lambda r, f, fs: aadhaar(r),
    "IN_PAN": lambda r, f, fs: pan(r),
    "IP_ADDRESS": lambda r, f, fs: r.choice([f.ipv4_public(), f.ipv4_private(), f.ipv6()]),
    "CRYPTO": lambda r, f, fs: wallet(r),
    "AWS_ACCESS_KEY": lambda r, f, fs: r.choice(["AKIA", "ASIA"]) + _rand(r, string.ascii_uppercase + "234567", 16),
    "OPENAI_API_KEY": lambda r, f, fs: r.choice(["sk-proj-", "sk-", "sk-svcacct-"]) + _rand(r, B62 + "-_", r.choice([48, 64, 120])),
    "ANTHROPIC_API_KEY": lambda r, f, fs: "sk-ant-api03-" + _rand(r, B62 + "-_", 93) + "AA",
    "GITHUB_TOKEN": lambda r, f, fs: r.choice(["ghp_", "gho_", "ghs_", "ghu_"]) + _rand(r, B62, 36) if r.random() < 0.7 else "github_pat_" + _rand(r, B62 + "_", 82),
    "JWT": lambda r, f, fs: _jwt(r),
    "SLACK_TOKEN": lambda r, f, fs: f"xox{r.choice('bpa')}-{r.randint(10**10, 10**12)}-{r.randint(10**10, 10**12)}-{_rand(r, B62, 24)}",
    "GOOGLE_API_KEY": lambda r, f, fs: "AIza" + _rand(r, B62 + "-_", 35),
    "STRIPE_KEY": lambda r, f, fs: r.choice(["sk_live_", "rk_live_", "sk_test_"]) + _rand(r, B62, r.choice([24, 99])),
    "PRIVATE_KEY": lambda r, f, fs: "-----BEGIN " + r.choice(["RSA ", "EC ", "OPENSSH ", ""]) + "PRIVATE KEY-----\n"
    + "\n".join(_rand(r, B62 + "+/", 64) for _ in range(r.randint(3, 8))) + "\n-----END PRIVATE KEY-----",
    "GENERIC_SECRET": lambda r, f, fs: _rand(r, B62 + "!#%&*", r.randint(16, 32)),
}

TEMPLATES_A = {  # faker_agent: chat turns and tool calls (recognizers were tuned on these)
    "*": ["Please update the record: {v}.", '{{"tool": "crm.update", "args": {{"value": "{v}"}}}}', "User: my details are {v}, thanks!"],
    "PHONE_NUMBER": ["You can reach {name} at {v} after 5pm.", '{{"contact": {{"name": "{name}", "phone": "{v}"}}}}', "Call me back on {v} please."],
    "EMAIL_ADDRESS": ["Please send the invoice to {v} by Friday.", '{{"to": "{v}", "subject": "Renewal"}}'],
    "CREDIT_CARD": ["Charge card {v}, expiry 09/28.", '{{"card_number": "{v}"}}'],
    "IBAN_CODE": ["Refund to IBAN {v} was scheduled.", '{{"iban": "{v}"}}'],
    "US_SSN": ["Applicant SSN {v} submitted.", '{{"ssn": "{v}"}}'],
    "US_ITIN": ["ITIN on the W-7: {v}.", '{{"itin": "{v}"}}'],
    "UK_NINO": ["National Insurance number {v} on file.", '{{"nino": "{v}"}}'],
    "IN_AADHAAR": ["Aadhaar {v} verified.", '{{"aadhaar": "{v}"}}'],
    "IN_PAN": ["PAN card {v} linked.", '{{"pan": "{v}"}}'],
    "IP_ADDRESS": ["Login attempt from {v} was blocked.", '{{"client_ip": "{v}"}}'],
    "CRYPTO": ["Send the refund to wallet {v}.", '{{"wallet": "{v}"}}'],
    "GENERIC_SECRET": ['{{"db_password": "{v}"}}', "DATABASE_PASSWORD={v}", "client_secret: {v}"],
}
TEMPLATES_B = {  # faker_records (held out): records, logs, other languages
    "*": ["{ts} INFO handler value={v} user={user}", "{name};{v};{city}", "record {id}: {v} (verified)"],
    "PHONE_NUMBER": ["Bitte rufen Sie mich unter {v} zurück.", "Mon numéro est le {v}.", "Mi teléfono es {v}.", "Il mio numero è {v}.",
                     "Meu telefone: {v}", "電話番号は {v} です。", "{name} | mobile: {v} | {city}", "tel={v}"],
    "EMAIL_ADDRESS": ["Kontakt: {v}", "Écrivez-nous à <{v}>.", "From: {name} <{v}>", "mailto:{v}"],
    "CREDIT_CARD": ["Kartennummer: {v}", "payment failed for card={v} amount=42.00"],
    "IBAN_CODE": ["Überweisung an {v} veranlasst.", "IBAN: {v} BIC: DEUTDEFF"],
    "IP_ADDRESS": ["{ts} WARN conn refused peer={v}:443", "GET /health from {v} 200"],
    "GENERIC_SECRET": ["Authorization: Bearer {v}", 'headers = {{"X-Api-Key": "{v}"}}', "export API_TOKEN='{v}'"],
}

NEGATIVES = [
    "Order #{n5} shipped on {date}; total ${price}; tracking 1Z{n6}{n6}.",
    "Upgraded numpy from 1.{n2}.{n1} to 2.{n1}.{n2}; build {n6} passed {n3} tests in {n2}.{n2}s.",
    "trace_id={hex32} span_id={hex16} duration={n1}.{n3}s at {iso}",
    "Commit {hex40} merged; CI run {n8} took {n3} s.",
    "Invoice INV-{n6}-{n2} dated {date}, PO {n8}, qty {n3} x {price} EUR.",
    "Coordinates {lat}, {lon}; elevation {n3} m; sensor {n6}.",
    "ISBN 978-{n1}-{n3}-{n5}-{n1}; page {n3} of {n3}.",
    "uuid {uuid} created at {iso}; size {n7} bytes; port {n4}.",
    "The meeting is on {date} at {time}; room {n3}, dial-in code {n4} {n4}.",
    "Table events: {n9} rows, {n3} partitions, p99 latency {n3} ms, ts {n10}.",
]


def _fill_negative(template: str, rng: random.Random, fake: Faker) -> str:
    def num(k: int) -> str:
        return str(rng.randint(10 ** (k - 1), 10 ** k - 1))

    values = {f"n{k}": None for k in range(1, 11)}
    out = template
    while "{" in out:
        for key in list(values):
            if "{" + key + "}" in out:
                out = out.replace("{" + key + "}", num(int(key[1:])), 1)
        out = (out.replace("{date}", fake.date(), 1).replace("{price}", f"{rng.randint(1, 999)}.{rng.randint(10, 99)}", 1)
               .replace("{hex32}", f"{rng.getrandbits(128):032x}", 1).replace("{hex16}", f"{rng.getrandbits(64):016x}", 1)
               .replace("{hex40}", f"{rng.getrandbits(160):040x}", 1).replace("{iso}", fake.iso8601(), 1)
               .replace("{lat}", f"{rng.uniform(-90, 90):.6f}", 1).replace("{lon}", f"{rng.uniform(-180, 180):.6f}", 1)
               .replace("{uuid}", fake.uuid4(), 1).replace("{time}", fake.time(), 1))
    return out


def pii_samples(seed: int = 7, per_entity: int = 120, negatives: int = 1500, hard: bool = True) -> list[PiiSample]:
    rng = random.Random(seed)
    Faker.seed(seed)
    fake = Faker("en_US")
    fakers = {loc: Faker(loc) for loc in set(PHONE_LOCALES.values())}
    for f in fakers.values():
        f.seed_instance(seed)
    fake.seed_instance(seed)
    out: list[PiiSample] = []
    for entity, make in VALUE_MAKERS.items():
        for i in range(per_entity):
            source = "faker_records" if i % 3 == 2 else "faker_agent"
            templates = (TEMPLATES_B if source == "faker_records" else TEMPLATES_A)
            if entity == "GENERIC_SECRET" and rng.random() < 0.35:
                text, value = password_url(rng, fake)
                start = text.index(value)
                out.append(PiiSample(text, [(entity, start, start + len(value))], source))
                continue
            template = rng.choice(templates.get(entity, []) + templates["*"] if entity not in ("GENERIC_SECRET",) else templates.get(entity, TEMPLATES_A["GENERIC_SECRET"]))
            value = make(rng, fake, fakers)
            before, after = template.split("{v}", 1)

            def sub(part: str) -> str:
                return (part.replace("{{", "{").replace("}}", "}").replace("{name}", fake.name()).replace("{city}", fake.city())
                        .replace("{ts}", fake.iso8601()).replace("{user}", fake.user_name()).replace("{id}", str(rng.randint(1000, 9999))))

            before, after = sub(before), sub(after)
            prefix = _fill_negative(rng.choice(NEGATIVES), rng, fake) + " " if rng.random() < 0.3 else ""
            text = prefix + before + value + after
            start = len(prefix) + len(before)
            out.append(PiiSample(text, [(entity, start, start + len(value))], source))
    for i in range(negatives):
        out.append(PiiSample(_fill_negative(rng.choice(NEGATIVES), rng, fake), [], "faker_records" if i % 3 == 2 else "faker_agent"))
    return out + (hard_samples() if hard else [])


# --- hard_forms: less common shapes, held out ----------------------------------------------------------------------
_EVIDENCE = {"US": "phone", "GB": "tel", "DE": "Telefon", "FR": "téléphone", "ES": "teléfono", "IT": "telefono",
             "IN": "mobile", "BR": "celular", "JP": "電話", "AU": "mobile"}


def _valid_number(rng: random.Random, region: str, fake: Faker) -> phonenumbers.PhoneNumber:
    for _ in range(100):
        try:
            number = phonenumbers.parse(fake.phone_number(), region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            number.extension = None  # Faker's "x123" extensions are not part of the number
            return number
    example = phonenumbers.example_number(region)
    assert example is not None
    return example


def phone_forms(number: phonenumbers.PhoneNumber) -> dict[str, str]:
    """The same number written the ways people and systems write it."""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = "".join(c for c in national if c.isdigit())
    groups = [g for g in "".join(c if c.isdigit() else " " for c in intl[1:]).split() if g]
    return {
        "e164": e164,
        "e164_00": "00" + e164[1:],
        "intl_spaces": intl,
        "intl_dots": "+" + ".".join(groups),
        "intl_dashes": "+" + "-".join(groups),
        "intl_no_plus_00_spaces": "00 " + " ".join(groups),
        "national": national,
        "national_digits": digits,
        "national_dots": ".".join(g for g in "".join(c if c.isdigit() else " " for c in national).split() if g),
        "national_dashes": "-".join(g for g in "".join(c if c.isdigit() else " " for c in national).split() if g),
    }


_EMAIL_FORMS = {
    "subaddress": lambda r, f: f"{f.user_name()}+{f.word()}-{r.randint(1, 99)}@{f.domain_name()}",
    "long_tld": lambda r, f: f"{f.user_name()}@{f.word()}.{r.choice(['technology', 'photography', 'international', 'consulting', 'museum'])}",
    "deep_subdomain": lambda r, f: f"{f.first_name().lower()}@{f.word()}.{f.word()}.{f.domain_word()}.co.uk",
    "uppercase": lambda r, f: f"{f.first_name().upper()}.{f.last_name().upper()}@{f.domain_name().upper()}",
    "digits_hyphens": lambda r, f: f"{r.randint(10, 9999)}-{f.user_name()}@{f.domain_word()}-{r.randint(1, 99)}.net",
    "single_char": lambda r, f: f"{r.choice(string.ascii_lowercase)}@{f.domain_name()}",
    "non_ascii": lambda r, f: r.choice([f"josé.{f.last_name().lower()}@exemplo.com.br", f"müller{r.randint(1, 99)}@beispiel.de",
                                         "françois@société.fr", "用户@例子.中国"]),
}
_EMAIL_CONTEXTS = ["Reply-To: {v}", "mailto:{v}?subject=Invoice", "\"email\":\"{v}\"", "cc={v}&bcc=", "<{v}>", "({v})", "contact {v}."]

B64 = string.ascii_letters + string.digits + "+/"


def _key_forms(r: random.Random) -> list[tuple[str, str, str, str]]:
    """(form, entity, value, template with {v}) for one draw of each less common secret shape."""
    oa = "sk-proj-" + _rand(r, B62 + "-_", 64)
    return [
        ("openai_in_url", "OPENAI_API_KEY", oa, "GET https://proxy.internal/v1/chat?api_key={v}&model=gpt-4o"),
        ("openai_escaped_json", "OPENAI_API_KEY", "sk-" + _rand(r, B62, 48), '{{\\"headers\\": {{\\"Authorization\\": \\"Bearer {v}\\"}}}}'),
        ("anthropic_admin", "ANTHROPIC_API_KEY", "sk-ant-admin01-" + _rand(r, B62 + "-_", 93) + "AA", "ANTHROPIC_ADMIN_KEY={v}"),
        ("github_in_git_remote", "GITHUB_TOKEN", "ghp_" + _rand(r, B62, 36), "git remote add origin https://{v}@github.com/acme/infra.git"),
        ("github_refresh", "GITHUB_TOKEN", "ghr_" + _rand(r, B62, 36), "refresh_token: {v}"),
        ("aws_quoted_export", "AWS_ACCESS_KEY", r.choice(["ABIA", "ACCA", "AKIA"]) + _rand(r, string.ascii_uppercase + "234567", 16),
         "export AWS_ACCESS_KEY_ID='{v}'"),
        ("google_in_url", "GOOGLE_API_KEY", "AIza" + _rand(r, B62 + "-_", 35), "https://maps.googleapis.com/maps/api/geocode/json?address=Paris&key={v}"),
        ("stripe_restricted_test", "STRIPE_KEY", "rk_test_" + _rand(r, B62, 99), "stripe.api_key = \"{v}\""),
        ("slack_app_token", "SLACK_TOKEN", f"xapp-1-A{_rand(r, string.ascii_uppercase + string.digits, 10)}-{r.randint(10**12, 10**13)}-{_rand(r, '0123456789abcdef', 64)}",
         "SLACK_APP_TOKEN={v}"),
        ("slack_in_url", "SLACK_TOKEN", f"xoxb-{r.randint(10**10, 10**12)}-{r.randint(10**10, 10**12)}-{_rand(r, B62, 24)}",
         "https://slack.com/api/chat.postMessage?token={v}&channel=C123"),
        ("jwt_in_cookie", "JWT", _jwt(r), "Set-Cookie: session={v}; HttpOnly; Secure"),
        ("pgp_private_key", "PRIVATE_KEY", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + "\n".join(_rand(r, B64, 64) for _ in range(4))
         + "\n-----END PGP PRIVATE KEY BLOCK-----", "{v}"),
        ("encrypted_private_key", "PRIVATE_KEY", "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + "\n".join(_rand(r, B64, 64) for _ in range(4))
         + "\n-----END ENCRYPTED PRIVATE KEY-----", "key.pem:\n{v}"),
        ("hf_token_assigned", "GENERIC_SECRET", "hf_" + _rand(r, B62, 34), "HF_TOKEN={v}"),
        ("aws_secret_yaml", "GENERIC_SECRET", _rand(r, B64, 40), "aws_secret_access_key: {v}"),
        ("password_in_jdbc", "GENERIC_SECRET", _rand(r, B62, 10) + "#" + _rand(r, B62, 6), "jdbc:postgresql://db:5432/app?user=svc&password={v}"),
    ]


def hard_samples(seed: int = 23, per_form: int = 12) -> list[PiiSample]:
    """The `hard_forms` source: each sample carries the name of its form."""
    rng = random.Random(seed)
    fakers = {region: Faker(loc) for region, loc in PHONE_LOCALES.items()}
    for f in fakers.values():
        f.seed_instance(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    out: list[PiiSample] = []

    def add(prefix: str, value: str, suffix: str, entity: str, form: str) -> None:
        out.append(PiiSample(prefix + value + suffix, [(entity, len(prefix), len(prefix) + len(value))], "hard_forms", form))

    for region in PHONE_LOCALES:
        for i in range(per_form // 2 + 1):
            forms = phone_forms(_valid_number(rng, region, fakers[region]))
            for form, value in forms.items():
                if i % 2 == 0:
                    add(f"{fake.name()}, {_EVIDENCE[region]}: ", value, ", ok", "PHONE_NUMBER", f"phone {form} evidence")
                else:
                    add(rng.choice([f"{fake.name()} | ", "contact=", f"{fake.city()} — "]), value, rng.choice(["", " |", ";"]),
                        "PHONE_NUMBER", f"phone {form} no-evidence")
    for form, make in _EMAIL_FORMS.items():
        for _ in range(per_form):
            before, after = rng.choice(_EMAIL_CONTEXTS).split("{v}")
            add(before, make(rng, fake), after, "EMAIL_ADDRESS", f"email {form}")
    for _ in range(per_form):
        for form, entity, value, template in _key_forms(rng):
            before, after = template.replace("{{", "{").replace("}}", "}").split("{v}")
            add(before, value, after, entity, f"key {form}")
    return out
